#pragma once
// The C ABI's handles (the structs behind include/kafka_do/kafka_do.h's opaque types) and the one
// place exceptions become kd_error values: guard().

#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kafka_do/kafka.hpp"
#include "kafka_do/kafka_do.h"
#include "kafka_do/testing.hpp"

struct kd_error {
  kd_error_kind kind = KD_ERROR;
  int code = -1;
  std::string code_name;
  std::string message;
  bool retriable = false;
  bool fatal = false;
};

struct kd_client {
  std::unique_ptr<kafka::Client> client;  // a kafka::MockClient for kd_mock_client_new
  kafka::MockClient* mock = nullptr;
};

struct kd_producer {
  std::optional<kafka::Producer> producer;
};

// Reports produced on the SDK's delivery thread, handed to the caller by poll_reports.
struct DeliveryQueue {
  std::mutex mutex;
  std::condition_variable arrived;
  std::deque<kd_delivery_report> reports;
  ~DeliveryQueue();
};

struct kd_async_producer {
  std::shared_ptr<DeliveryQueue> queue = std::make_shared<DeliveryQueue>();
  std::optional<kafka::AsyncProducer> producer;
};

struct kd_record {
  kafka::Record record;
};

struct kd_records {
  std::deque<kd_record> records;  // a deque: appending (kd_consumer_next_into) moves no record
};

struct kd_consumer {
  std::optional<kafka::Consumer> consumer;
};

struct kd_batch_consumer {
  std::optional<kafka::BatchConsumer> consumer;
};

struct kd_batch {
  std::optional<kafka::Batch> batch;
  kd_records records;
};

struct kd_transaction;  // transaction.cpp

namespace kafka_do::capi {

// A kd_error for the exception being handled (call inside a catch block).
kd_error* current_error();
kd_error* make_error(const kafka::Error& e);
kd_error* config_error(const std::string& message);

// Runs fn, turning any exception into a kd_error (NULL when fn returned normally). Nothing
// thrown inside the library gets past this.
template <typename Fn>
kd_error* guard(Fn&& fn) noexcept {
  try {
    fn();
    return nullptr;
  } catch (...) {
    return current_error();
  }
}

// Throws a kafka::ConfigError naming `what` when `handle` is null.
template <typename T>
T& need(T* handle, const char* what) {
  if (!handle) throw kafka::ConfigError(std::string("kafka_do: ") + what + " is NULL");
  return *handle;
}
// The object inside an optional of a handle; ConfigError once it was closed.
template <typename T>
T& live(std::optional<T>& object, const char* what) {
  if (!object)
    throw kafka::Error(kafka::ErrorCode::unknown_server_error, std::string(what) + " was closed");
  return *object;
}

// Makes a new handle, has `fill` set it up, and hands it to *out (NULL when fill throws).
template <typename Handle, typename Fill>
void create(Handle** out, Fill&& fill) {
  need(out, "out");
  *out = nullptr;
  auto handle = std::make_unique<Handle>();
  fill(*handle);
  *out = handle.release();
}

// Closes the object a handle holds, once; later calls on the handle report it closed.
template <typename T>
void close_once(std::optional<T>& object) {
  if (!object) return;
  auto closing = std::move(object);
  object.reset();
  closing->close();
}

std::string text(const char* s, const char* what);
std::optional<std::string> bytes(const char* data, size_t len);
kafka::SendOptions send_options(const kd_send_options* options);
// A heap copy of `s` for the caller (kd_string_free).
char* hand_over(const std::string& s);

}  // namespace kafka_do::capi
