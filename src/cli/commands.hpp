#pragma once
// The kafkado commands, one function each. They return an error to print (app.cpp prefixes it
// with "kafkado: error:" and exits 1); data goes to stdout, progress and warnings to stderr.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "cli/common.hpp"

namespace kafka_do::cli {

struct TopicCreateOptions {
  std::string name;
  int32_t partitions = 1;
  std::vector<std::string> configs;  // key=value
  bool if_not_exists = false;
};
Status topics_create(const GlobalOptions& global, const TopicCreateOptions& options);
Status topics_list(const GlobalOptions& global);
// Describes one topic, or every topic when `name` is empty.
Status topics_describe(const GlobalOptions& global, const std::string& name);

struct TopicAlterOptions {
  std::string name;
  std::vector<std::string> configs;         // key=value to set
  std::vector<std::string> delete_configs;  // keys to reset to their default
};
Status topics_alter(const GlobalOptions& global, const TopicAlterOptions& options);
Status topics_add_partitions(const GlobalOptions& global, const std::string& name, int32_t total);
Status topics_delete(const GlobalOptions& global, const std::string& name, bool if_exists);

struct ProduceOptions {
  std::string topic;
  std::optional<std::string> key_separator;  // set: each line is key<SEP>value
  std::optional<int32_t> partition;          // set: every record goes there
  bool create = false;
  int32_t partitions = 1;  // for --create
  int32_t batch_records = 1000;
  size_t batch_bytes = 1 << 20;
};
Status produce(const GlobalOptions& global, const ProduceOptions& options);

struct ConsumeOptions {
  std::string topic;
  bool from_beginning = false;
  bool exit_at_end = false;
  std::optional<int32_t> partition;
  std::optional<std::string> offset;  // a number, "earliest" or "latest"
  std::optional<uint64_t> max_messages;
  bool print_key = false;
  bool print_partition = false;
  bool print_offset = false;
  bool print_timestamp = false;
  std::string key_separator = "\t";
};
Status consume(const GlobalOptions& global, const ConsumeOptions& options);

struct ServeOptions {
  std::string listen = "127.0.0.1:9092";  // HOST:PORT; port 0 picks a free one
  std::optional<std::string> advertise;   // HOST:PORT told to clients; default: listen
  bool auto_create_topics = true;
  int32_t default_partitions = 1;
  std::optional<std::string> api_keys_file;             // SASL/PLAIN keys; none = no authentication
  size_t max_request_bytes = size_t(100) << 20;         // larger request frames are refused
  int64_t cleaner_backoff_ms = 15000;                   // log.cleaner.backoff.ms
  size_t cleaner_map_bytes = size_t(16) << 20;          // log.cleaner.dedupe.buffer.size
  int64_t transaction_max_timeout_ms = 15 * 60 * 1000;  // transaction.max.timeout.ms
  // transaction.abort.timed.out.transaction.cleanup.interval.ms
  int64_t transaction_abort_interval_ms = 10 * 1000;
};
// Runs the Kafka-protocol broker until SIGINT/SIGTERM (see docs/broker.md).
Status serve(const GlobalOptions& global, const ServeOptions& options);

}  // namespace kafka_do::cli
