#pragma once
// The kafkado commands, one function each. Every command but `serve` and `check` runs on the
// public SDK (kafka::Client, see connect()), so it works on a data directory and on a broker
// alike. They throw kafka::Error (app.cpp prints "kafkado: error: MESSAGE [NAME]" and exits 1;
// UsageError exits 2); data goes to stdout, progress and warnings to stderr.

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
  std::vector<std::string> configs;  // name=value
  bool if_not_exists = false;
};
void topics_create(const GlobalOptions& global, const TopicCreateOptions& options);
void topics_list(const GlobalOptions& global, bool json);
// Describes one topic, or every topic when `name` is empty.
void topics_describe(const GlobalOptions& global, const std::string& name, bool json);

struct TopicAlterOptions {
  std::string name;
  std::vector<std::string> configs;         // name=value to set
  std::vector<std::string> delete_configs;  // names to reset to their default
};
void topics_alter(const GlobalOptions& global, const TopicAlterOptions& options);
void topics_increase_partitions(const GlobalOptions& global, const std::string& name,
                                int32_t total);
void topics_delete(const GlobalOptions& global, const std::string& name, bool if_exists);

struct ProduceOptions {
  std::string topic;
  std::optional<std::string> key_separator;  // -K: each line is key<SEP>value
  std::vector<std::string> headers;          // -H name=value, on every record
  std::optional<int32_t> partition;          // -p: every record goes there
  bool json = false;                         // every line must be valid JSON
  std::string compression = "none";
  std::string acks = "all";
  std::optional<std::string> file;  // -f: read this file instead of stdin
  bool create = false;
  int32_t partitions = 1;  // for --create
};
void produce(const GlobalOptions& global, const ProduceOptions& options);

struct ConsumeOptions {
  std::string topic;
  std::optional<std::string> group;          // -G: consume as a member of this group
  std::string offset = "end";                // -o beginning|end|N|-N|@TIME
  std::optional<int32_t> partition;          // -p
  std::optional<uint64_t> count;             // -c
  bool exit_at_end = false;                  // -e
  std::optional<std::string> format;         // -f, kcat's tokens
  std::optional<std::string> key_separator;  // -K: print key<SEP>value
  bool json = false;
  bool read_uncommitted = false;
};
void consume(const GlobalOptions& global, const ConsumeOptions& options);

void groups_list(const GlobalOptions& global, bool json);
void groups_describe(const GlobalOptions& global, const std::string& group, bool json);
struct ResetOffsetsOptions {
  std::string group;
  std::string topic;
  bool to_earliest = false;
  bool to_latest = false;
  std::optional<std::string> to_datetime;
  std::optional<int64_t> to_offset;
  std::optional<int64_t> shift_by;
  bool dry_run = false;
  bool json = false;
};
void groups_reset_offsets(const GlobalOptions& global, const ResetOffsetsOptions& options);
void groups_delete(const GlobalOptions& global, const std::string& group);

// Offline verification of a data directory (no broker may hold it). Returns the process exit
// code: 0 when everything checked out, 3 when damage was found.
int check(const GlobalOptions& global, bool json);

// `kafkado keys`: the key file of `serve --api-keys`.
struct KeysOptions {
  std::string file;  // --api-keys FILE
  std::string name;
  std::optional<std::string> secret;
  bool secret_stdin = false;
  bool superuser = false;
  bool json = false;
  std::optional<int64_t> produce_quota;  // bytes per second
  std::optional<int64_t> fetch_quota;
};
void keys_add(const GlobalOptions& global, const KeysOptions& options);
void keys_remove(const GlobalOptions& global, const KeysOptions& options);
void keys_list(const GlobalOptions& global, const KeysOptions& options);
void keys_migrate(const GlobalOptions& global, const KeysOptions& options);

struct ServeOptions {
  std::string listen = "127.0.0.1:9092";  // HOST:PORT; port 0 picks a free one
  std::optional<std::string> advertise;   // HOST:PORT told to clients; default: listen
  // The HTTP side (/metrics, the console): HOST:PORT or "off". The default port may be taken
  // (a second broker on the machine): then the broker warns and runs without it.
  std::string http = "127.0.0.1:9644";
  bool http_explicit = false;
  bool auto_create_topics = true;
  int32_t default_partitions = 1;
  std::optional<std::string> api_keys_file;  // SASL keys (`kafkado keys`); none = no authentication
  // TLS on `listen` (PEM files); with a client CA, mutual TLS. Reread on SIGHUP.
  std::optional<std::string> tls_cert;
  std::optional<std::string> tls_key;
  std::optional<std::string> tls_client_ca;
  std::optional<std::string> plaintext_listen;  // HOST:PORT of a plaintext listener beside TLS
  // SASL/PLAIN on a plaintext listener; unset: only on loopback addresses.
  std::optional<bool> allow_plaintext_auth;
  // Connection limits (broker::ServerOptions).
  size_t max_connections = 10000;
  size_t max_connections_per_ip = 1000;
  int64_t connections_max_idle_ms = 10 * 60 * 1000;
  int64_t authentication_timeout_ms = 10 * 1000;
  int64_t request_read_timeout_ms = 30 * 1000;
  // Byte-rate quotas (bytes per second) of keys without their own; 0 = none.
  int64_t default_produce_quota = 0;
  int64_t default_fetch_quota = 0;
  size_t max_request_bytes = size_t(100) << 20;         // larger request frames are refused
  int64_t cleaner_backoff_ms = 15000;                   // log.cleaner.backoff.ms
  size_t cleaner_map_bytes = size_t(16) << 20;          // log.cleaner.dedupe.buffer.size
  int64_t transaction_max_timeout_ms = 15 * 60 * 1000;  // transaction.max.timeout.ms
  // transaction.abort.timed.out.transaction.cleanup.interval.ms
  int64_t transaction_abort_interval_ms = 10 * 1000;
  // group.initial.rebalance.delay.ms: how long the first rebalance of an empty group waits for
  // more members, so consumers started together share one generation.
  int64_t group_initial_rebalance_delay_ms = 3000;
};
// Runs the Kafka-protocol broker until SIGINT/SIGTERM (see docs/broker.md).
Status serve(const GlobalOptions& global, const ServeOptions& options);

// "2026-12-01T10:00:00Z", "2026-12-01T10:00:00.250+01:00", "2026-12-01" (UTC without a zone) or
// epoch milliseconds, as epoch milliseconds. Throws UsageError.
int64_t parse_time(const std::string& text);

}  // namespace kafka_do::cli
