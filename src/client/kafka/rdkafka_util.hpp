#pragma once
// What every part of the kafka:// backend needs from librdkafka's C API: RAII owners for its
// handles, configuration built from ClientOptions, and the mapping of librdkafka's error codes to
// kafka::Error subclasses. The C API (not rdkafkacpp.h) keeps the dependency to one shared
// library and these few wrappers.

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "kafka_do/client.hpp"
#include "kafka_do/error.hpp"

namespace kafka_do::client::rdk {

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
struct ListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;
using Conf = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter>;
using Message = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;
using Event = std::unique_ptr<rd_kafka_event_t, EventDeleter>;
using Queue = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;

inline PartitionList new_list(int size = 4) {
  return PartitionList(rd_kafka_topic_partition_list_new(size));
}

// Errors that librdkafka reports asynchronously (error_cb / error events) and that make every
// later request of the client fail: a rejected API key. Blocking calls check it between waits so
// a wrong key fails in about a second instead of after the full timeout.
class ClientState {
 public:
  void record(rd_kafka_resp_err_t err, const std::string& reason);
  // Throws UnauthorizedError when authentication failed.
  void check() const;
  // A broker answered with throttle_time_ms (its quota for this key); the latest, if within
  // `recent`.
  void throttled(int throttle_ms);
  std::optional<int> recent_throttle(std::chrono::steady_clock::duration recent) const;

 private:
  mutable std::mutex mu_;
  std::atomic<bool> failed_{false};
  std::string reason_;
  int last_throttle_ms_ = 0;
  std::chrono::steady_clock::time_point last_throttle_{};
};

// The connection part of every handle's config: bootstrap servers from the URL, SASL/PLAIN from
// the api_key ("username:secret", split at the first ':'), client.id, timeouts. Throws
// ConfigError. `state` receives error callbacks (it must outlive the handle).
Conf base_config(const kafka::ClientOptions& options, ClientState* state);
// Sets one property; throws ConfigError naming it.
void set(rd_kafka_conf_t* conf, const std::string& name, const std::string& value);
// Creates the handle (takes ownership of `conf`); throws ConfigError.
Handle create(rd_kafka_type_t type, Conf conf);

// The kafka::Error for a librdkafka error code (Kafka's codes are positive and shared with the
// protocol; librdkafka's own are negative).
std::shared_ptr<const kafka::Error> make_error(rd_kafka_resp_err_t err, const std::string& what);
[[noreturn]] void throw_error(rd_kafka_resp_err_t err, const std::string& what);
inline void check(rd_kafka_resp_err_t err, const std::string& what) {
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) throw_error(err, what);
}

// The librdkafka headers of a record (null when there are none); the caller owns them until a
// produce call takes them.
rd_kafka_headers_t* make_headers(const kafka::Headers& headers);

// Bootstrap servers ("h1:p1,h2:p2") of a kafka:// or kafka+ssl:// URL; throws ConfigError.
std::string bootstrap_servers(const std::string& url);

inline int to_int_ms(std::chrono::milliseconds d) {
  return int(std::min<int64_t>(d.count(), int64_t(INT32_MAX)));
}

}  // namespace kafka_do::client::rdk
