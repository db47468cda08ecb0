// kd_error: the SDK's exceptions as values (kafka_do.h, "Errors"), and the small helpers every
// handle file shares.
#include <cstring>
#include <new>

#include "capi/capi.hpp"

namespace kafka_do::capi {
namespace {

// The most specific class of `e` (the order matters where classes share a code).
kd_error_kind kind_of(const kafka::Error& e) {
  if (dynamic_cast<const kafka::StreamProcessingError*>(&e)) return KD_ERROR_STREAM_PROCESSING;
  if (dynamic_cast<const kafka::TopicNotFoundError*>(&e)) return KD_ERROR_TOPIC_NOT_FOUND;
  if (dynamic_cast<const kafka::PartitionNotFoundError*>(&e)) return KD_ERROR_PARTITION_NOT_FOUND;
  if (dynamic_cast<const kafka::MessageTooLargeError*>(&e)) return KD_ERROR_MESSAGE_TOO_LARGE;
  if (dynamic_cast<const kafka::NotLeaderError*>(&e)) return KD_ERROR_NOT_LEADER;
  if (dynamic_cast<const kafka::OffsetOutOfRangeError*>(&e)) return KD_ERROR_OFFSET_OUT_OF_RANGE;
  if (dynamic_cast<const kafka::GroupCoordinatorError*>(&e)) return KD_ERROR_GROUP_COORDINATOR;
  if (dynamic_cast<const kafka::RebalanceInProgressError*>(&e))
    return KD_ERROR_REBALANCE_IN_PROGRESS;
  if (dynamic_cast<const kafka::UnauthorizedError*>(&e)) return KD_ERROR_UNAUTHORIZED;
  if (dynamic_cast<const kafka::QuotaExceededError*>(&e)) return KD_ERROR_QUOTA_EXCEEDED;
  if (dynamic_cast<const kafka::TimeoutError*>(&e)) return KD_ERROR_TIMEOUT;
  if (dynamic_cast<const kafka::DisconnectedError*>(&e)) return KD_ERROR_DISCONNECTED;
  if (dynamic_cast<const kafka::SerializationError*>(&e)) return KD_ERROR_SERIALIZATION;
  if (dynamic_cast<const kafka::ConfigError*>(&e)) return KD_ERROR_CONFIG;
  if (dynamic_cast<const kafka::TopicAlreadyExistsError*>(&e)) return KD_ERROR_TOPIC_ALREADY_EXISTS;
  if (dynamic_cast<const kafka::InvalidRecordError*>(&e)) return KD_ERROR_INVALID_RECORD;
  if (dynamic_cast<const kafka::ProducerFencedError*>(&e)) return KD_ERROR_PRODUCER_FENCED;
  if (dynamic_cast<const kafka::TransactionAbortedError*>(&e)) return KD_ERROR_TRANSACTION_ABORTED;
  return KD_ERROR;
}

// What is returned when even an error cannot be allocated.
kd_error out_of_memory{KD_ERROR_INTERNAL, -1, "UNKNOWN_SERVER_ERROR", "out of memory"};

}  // namespace

kd_error* make_error(const kafka::Error& e) {
  auto* out = new kd_error{kind_of(e), e.code_value(), kafka::error_name(e.code()),
                           e.what(),   e.retriable(),  e.fatal()};
  return out;
}

kd_error* config_error(const std::string& message) {
  return make_error(kafka::ConfigError(message));
}

kd_error* current_error() {
  try {
    try {
      throw;
    } catch (const kafka::Error& e) {
      return make_error(e);
    } catch (const std::bad_alloc&) {
      return &out_of_memory;
    } catch (const std::exception& e) {
      return new kd_error{KD_ERROR_INTERNAL, -1, "UNKNOWN_SERVER_ERROR", e.what()};
    } catch (...) {
      return new kd_error{KD_ERROR_INTERNAL, -1, "UNKNOWN_SERVER_ERROR", "unknown exception"};
    }
  } catch (...) {  // allocating the error failed
    return &out_of_memory;
  }
}

std::string text(const char* s, const char* what) {
  if (!s) throw kafka::ConfigError(std::string("kafka_do: ") + what + " is NULL");
  return s;
}

std::optional<std::string> bytes(const char* data, size_t len) {
  if (!data) return std::nullopt;
  return std::string(data, len);
}

kafka::SendOptions send_options(const kd_send_options* o) {
  kafka::SendOptions out;
  if (!o) return out;
  if (o->key) out.key = std::string(o->key, o->key_len);
  if (o->header_count && !o->headers) throw kafka::ConfigError("kafka_do: headers is NULL");
  for (size_t i = 0; i < o->header_count; ++i) {
    const auto& h = o->headers[i];
    if (!h.key) throw kafka::ConfigError("kafka_do: a header key is NULL");
    out.headers.push_back({std::string(h.key, h.key_len), bytes(h.value, h.value_len)});
  }
  if (o->partition >= 0) out.partition = o->partition;
  if (o->timestamp_ms >= 0)
    out.timestamp =
        std::chrono::system_clock::time_point(std::chrono::milliseconds(o->timestamp_ms));
  return out;
}

char* hand_over(const std::string& s) {
  char* out = static_cast<char*>(std::malloc(s.size() + 1));
  if (!out) throw std::bad_alloc();
  std::memcpy(out, s.data(), s.size() + 1);
  return out;
}

}  // namespace kafka_do::capi

using namespace kafka_do::capi;

extern "C" {

int kd_abi_version(void) { return KD_ABI_VERSION; }

kd_error_kind kd_error_kind_of(const kd_error* e) { return e ? e->kind : KD_ERROR; }
int kd_error_code(const kd_error* e) { return e ? e->code : -1; }
const char* kd_error_code_name(const kd_error* e) { return e ? e->code_name.c_str() : ""; }
const char* kd_error_message(const kd_error* e) { return e ? e->message.c_str() : ""; }
int kd_error_retriable(const kd_error* e) { return e && e->retriable; }
int kd_error_fatal(const kd_error* e) { return e && e->fatal; }
void kd_error_free(kd_error* e) {
  if (e != &out_of_memory) delete e;
}
void kd_string_free(char* text) { std::free(text); }

}  // extern "C"
