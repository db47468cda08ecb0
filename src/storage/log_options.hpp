#pragma once
// Engine-wide storage options (per data directory).

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

namespace kafka_do::storage {

// When an appended batch is made durable, and so when it is acknowledged and becomes visible.
enum class FlushPolicy {
  // fdatasync before acknowledging each append; concurrent appends share one sync (group
  // commit). Survives power loss. Slowest: bounded by the disk's sync latency (~0.2 ms here).
  every_batch,
  // Acknowledge after write(); a background thread syncs dirty partitions every flush_interval.
  // Survives kill -9 of the process (the page cache keeps the data); power loss can take the
  // last flush_interval of writes.
  interval,
  // Acknowledge after write(); sync only when a segment rolls and at close. Survives kill -9;
  // power loss can take anything the OS had not written back.
  os,
};

struct LogOptions {
  FlushPolicy flush_policy = FlushPolicy::interval;
  std::chrono::milliseconds flush_interval{1000};
  // One sparse-index entry per this many bytes of log (Kafka's index.interval.bytes).
  size_t index_interval_bytes = 4096;
  // How often the background thread applies retention (Kafka's log.retention.check.interval.ms).
  std::chrono::milliseconds retention_check_interval{5 * 60 * 1000};

  // How long a partition remembers an idempotent producer it has not heard from (Kafka's
  // producer.id.expiration.ms, 1 day); checked with retention.
  std::chrono::milliseconds producer_id_expiration{24 * 60 * 60 * 1000};

  // Compaction (log_cleaner.hpp). The background cleaner runs on its own thread.
  bool cleaner_enabled = true;
  // Memory of the cleaner's key -> offset map (Kafka's log.cleaner.dedupe.buffer.size): about
  // 700k distinct keys per pass at the default.
  size_t cleaner_map_bytes = 16u << 20;
  // How long the cleaner sleeps when no partition needs cleaning (log.cleaner.backoff.ms).
  std::chrono::milliseconds cleaner_backoff{15000};
  // Receives the cleaner's log lines (one per cleaned partition, one per failure).
  std::function<void(const std::string&)> cleaner_log;
};

}  // namespace kafka_do::storage
