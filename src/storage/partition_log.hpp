#pragma once
// One partition: an ordered list of segments, the last one active. Assigns offsets, appends
// batches, serves reads, rolls segments, applies retention, and makes appends durable according
// to the engine's flush policy (with group commit: concurrent appenders share one fdatasync).
//
// Visibility: a batch becomes readable when the high watermark passes it, which is when the
// flush policy says it is safe: after the write for `os`/`interval`, after fdatasync for
// `every_batch`. Readers never see a partially written batch.
//
// Thread safety: every method may be called from any thread. Appends are serialised; reads run
// concurrently with appends and with each other.

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "base/file_system.hpp"
#include "model/control_record.hpp"
#include "storage/log_options.hpp"
#include "storage/producer_state.hpp"
#include "storage/segment.hpp"
#include "storage/topic_config.hpp"

namespace kafka_do::storage {

struct AppendOptions {
  // Walk every record (decompressing if needed) to check it is well formed. On for batches from
  // the network; the SDK's own builder output can skip it.
  bool validate_records = true;
  // With the every_batch flush policy, return once the batch is written, before it is synced
  // and visible: the caller calls make_durable(last_offset + 1) before acknowledging it. A
  // broker connection does this to read its next request while the sync runs, so pipelined
  // requests share fdatasyncs. No effect under the other policies (nothing waits for a sync).
  bool defer_durability = false;
};

struct AppendResult {
  int64_t base_offset = -1;
  int64_t last_offset = -1;
  int64_t log_append_time = -1;  // -1 unless the topic uses LogAppendTime
  int64_t log_start_offset = 0;
  // An idempotent producer's retry of a batch already in the log: nothing was written and the
  // offsets are the original ones.
  bool duplicate = false;
};

// What a reader may see (Kafka's isolation.level): read_committed stops at the last stable
// offset, the first offset of the earliest transaction still open, and learns which aborted
// transactions the records it got overlap.
enum class Isolation { read_uncommitted, read_committed };

struct ReadResult {
  std::string records;  // whole record batches; the first contains the requested offset
  int64_t high_watermark = 0;
  int64_t last_stable_offset = 0;
  int64_t log_start_offset = 0;
  // read_committed: the aborted transactions that may have batches in `records`.
  std::vector<AbortedTxn> aborted;
};

// A registered append listener; unregisters on destruction.
class AppendSubscription {
 public:
  AppendSubscription() = default;
  AppendSubscription(std::function<void(uint64_t)> unsubscribe, uint64_t id)
      : unsubscribe_(std::move(unsubscribe)), id_(id) {}
  AppendSubscription(AppendSubscription&& o) noexcept
      : unsubscribe_(std::move(o.unsubscribe_)), id_(o.id_) {
    o.unsubscribe_ = nullptr;
  }
  AppendSubscription& operator=(AppendSubscription&& o) noexcept {
    if (this != &o) {
      reset();
      unsubscribe_ = std::move(o.unsubscribe_);
      id_ = o.id_;
      o.unsubscribe_ = nullptr;
    }
    return *this;
  }
  ~AppendSubscription() { reset(); }
  void reset() {
    if (unsubscribe_) unsubscribe_(id_);
    unsubscribe_ = nullptr;
  }

 private:
  std::function<void(uint64_t)> unsubscribe_;
  uint64_t id_ = 0;
};

class PartitionLog : public std::enable_shared_from_this<PartitionLog> {
 public:
  // Opens (or creates) the partition in `dir`, recovering the tail segment. Every segment that
  // recovery had to truncate or rebuild is described in `report` (one line each).
  static Result<std::shared_ptr<PartitionLog>> open(std::shared_ptr<fs::FileSystem> fs,
                                                    std::string dir, std::string topic,
                                                    int32_t partition, TopicConfig config,
                                                    LogOptions options,
                                                    std::vector<std::string>* report);
  ~PartitionLog();

  const std::string& topic() const { return topic_; }
  int32_t partition() const { return partition_; }

  // Appends one record batch (v2). The batch's base offset (and, for LogAppendTime topics, its
  // timestamp and CRC) is rewritten in place. Returns once the flush policy says it is safe.
  // A transactional batch opens (or continues) its producer's transaction in this partition.
  // Errors: too_large (over max.message.bytes), corruption (malformed batch), invalid_record (a
  // control batch: only append_marker writes those; a keyless record on a compacted topic),
  // fenced, out_of_sequence, closed, io_error.
  Result<AppendResult> append(std::span<char> batch, const AppendOptions& options = {});
  // Returns once every offset below `next_offset` is as durable as the flush policy asks (for
  // every_batch: synced, in a sync it leads or shares) and visible; at once under the other
  // policies. For appends made with defer_durability.
  Status make_durable(int64_t next_offset);
  // Appends a transaction marker (the coordinator's): ends the producer's open transaction here,
  // moving the last stable offset on once the marker is visible; an abort is recorded in the
  // aborted-transaction index. Errc::fenced when the marker's epoch is older than the producer's.
  Result<AppendResult> append_marker(const model::TransactionMarker& marker);

  // Reads whole batches from `offset` (see ReadResult), as many as fit in max_bytes; the first
  // comes back whole even when it is larger, unless `first_may_exceed` is false (then a first
  // batch over max_bytes gives no records: a fetch's later partitions, KIP-74). offset == high
  // watermark returns no records; outside [log start, high watermark] is Errc::out_of_range.
  // read_committed reads end at the last stable offset (an offset between it and the high
  // watermark returns no records).
  Result<ReadResult> read(int64_t offset, size_t max_bytes, bool first_may_exceed = true,
                          Isolation isolation = Isolation::read_uncommitted) const;

  // Walks the log from `from` to the high watermark as of the call: reads `chunk_bytes` at a time
  // and calls `visit(header, batch)` for each whole batch that ends at or after `from` (the batch
  // holding `from` comes whole), in offset order; stops at the first error `visit` returns.
  // Returns the offset after the last batch visited, which is below the high watermark only when
  // a read found nothing there (a range the log cannot serve). What the internal topics' replays
  // use.
  Result<int64_t> for_each_batch(
      int64_t from, const std::function<Status(const model::BatchHeader&, std::string_view)>& visit,
      size_t chunk_bytes = 1u << 20) const;

  // First offset whose record timestamp is >= timestamp; nullopt when there is none.
  Result<std::optional<int64_t>> offset_for_timestamp(int64_t timestamp) const;

  int64_t high_watermark() const { return high_watermark_.load(std::memory_order_acquire); }
  // The first offset of the earliest open transaction, or the high watermark when none is open
  // (a transaction counts as open until its marker is visible).
  int64_t last_stable_offset() const;
  // The aborted transactions with data at or after `from` and before `to` (visible markers only),
  // by first offset.
  std::vector<AbortedTxn> aborted_transactions(int64_t from, int64_t to) const;
  // Whether the batch of `producer_id` at `offset` belongs to an aborted transaction.
  bool aborted(int64_t producer_id, int64_t offset) const;
  // Forgets producers idle for longer than producer_id_expiration; returns how many.
  size_t expire_producers(int64_t now_ms);
  int64_t log_start_offset() const { return log_start_offset_.load(std::memory_order_acquire); }
  uint64_t size_bytes() const;
  size_t segment_count() const;
  // Heap bytes held by in-memory indexes (the active segment's).
  size_t index_memory_bytes() const;

  // Blocks until the high watermark is above `offset`, the deadline passes, or the log closes.
  // Returns true when data is available.
  bool wait_for_data(int64_t offset, std::chrono::steady_clock::time_point deadline) const;
  // Calls `fn(high_watermark)` after each append becomes visible (on the appending thread; keep
  // it short and non-blocking). Unregisters when the subscription is destroyed.
  AppendSubscription on_append(std::function<void(int64_t)> fn);

  // Makes everything written so far durable.
  Status flush();
  // Seals the active segment and starts a new one (no-op when the active segment is empty).
  Status roll();
  // Deletes whole sealed segments past retention.ms / retention.bytes. Returns how many (0 while
  // a cleaning pass holds the partition: the next round retries).
  Result<size_t> apply_retention(int64_t now_ms);
  // Moves the log start offset forward (DeleteRecords); whole segments below it are deleted.
  Result<int64_t> delete_records_before(int64_t offset);

  void set_config(TopicConfig config);
  TopicConfig config() const;

  // The first offset the cleaner has not yet indexed (compacted topics; the log start when it
  // never ran).
  int64_t cleaner_checkpoint() const { return cleaner_checkpoint_.load(std::memory_order_acquire); }
  // The earliest delete horizon among the tombstones the cleaner kept (INT64_MAX: none); once
  // it passes, the partition is worth a pass even with nothing new to index.
  int64_t earliest_delete_horizon() const {
    return earliest_delete_horizon_.load(std::memory_order_acquire);
  }

  // Flushes and closes; later appends fail with Errc::closed. Waiters wake up.
  Status close();
  // Closes and deletes every file of the partition (topic deletion).
  Status destroy();

 private:
  PartitionLog(std::shared_ptr<fs::FileSystem> fs, std::string dir, std::string topic,
               int32_t partition, TopicConfig config, LogOptions options);
  Status load(std::vector<std::string>* report);
  std::shared_ptr<Segment> active_segment() const;
  // REQUIRES: append_mu_ held.
  Status maybe_roll(size_t incoming_bytes, const TopicConfig& config);
  // Errc::closed or Errc::io_error (an earlier write failed half way). REQUIRES: append_mu_ held.
  Status check_writable_locked() const;
  // Writes a validated batch at the next offset (rolling first if due) and returns its header.
  // REQUIRES: append_mu_ held.
  Result<model::BatchHeader> write_locked(std::span<char> batch, const TopicConfig& config,
                                          AppendResult& result);
  std::string txn_index_path(int64_t base) const;
  // Drops aborted-transaction entries whose marker is below `offset` (retention removed it).
  void prune_aborted_before(int64_t offset);
  Status roll_locked();
  // Writes the producer state as of `base_offset` (the segment about to start) and drops the
  // snapshot of the segment before it. REQUIRES: append_mu_ held.
  Status snapshot_producers(int64_t base_offset, int64_t previous_base);
  Status sync_to(int64_t target);
  void publish(int64_t high_watermark);
  Status persist_log_start_offset(int64_t offset);
  // The segment that covers `offset` (the first one when `offset` is below it) and the one after
  // it (nullptr when there is none), from one view of the list.
  std::array<std::shared_ptr<Segment>, 2> segments_at(int64_t offset) const;

  // Compaction (log_cleaner.cpp drives it; the swap protocol is docs/format/compaction.md).
  friend class LogCleaner;
  // Finishes a swap whose `<base>.<end>.swap` file exists: removes the files of every segment
  // with a base in [base, end) and renames the swap to `<base>.log` (or drops it when empty).
  // Idempotent, so recovery can call it after a crash at any step.
  Status complete_swap(int64_t base, int64_t end);
  // Replaces the sealed segments with bases in [base, end) by the synced cleaned log at
  // `cleaned_path` (which may be empty). REQUIRES: cleaning_mu_ held.
  Status install_cleaned(int64_t base, int64_t end, const std::string& cleaned_path);
  Status persist_cleaner_checkpoint(int64_t offset, int64_t earliest_delete_horizon);

  const std::shared_ptr<fs::FileSystem> fs_;
  const std::string dir_;
  const std::string topic_;
  const int32_t partition_;
  const LogOptions options_;

  mutable std::mutex config_mu_;
  TopicConfig config_;

  // Serialises appends, rolls and truncation of the active segment.
  std::mutex append_mu_;
  bool closed_ = false;
  bool failed_ = false;  // an append failed half way and the tail could not be repaired
  int64_t next_offset_ = 0;
  // Idempotent producers' sequences and open transactions; rebuilt from the active segment on
  // open.
  ProducerStateTable producers_;

  // Transactions, as readers see them (written under append_mu_ too).
  mutable std::mutex txn_mu_;
  // First offset of each transaction -> offset of its marker (INT64_MAX while open); an entry
  // stops holding the last stable offset back once the high watermark passes its marker.
  std::map<int64_t, int64_t> unstable_;
  // Every aborted transaction of the retained log, by marker offset (= the .txnindex files).
  std::vector<AbortedTxn> aborted_;

  mutable std::mutex segments_mu_;
  std::vector<std::shared_ptr<Segment>> segments_;

  std::atomic<int64_t> high_watermark_{0};
  std::atomic<int64_t> log_start_offset_{0};
  std::atomic<int64_t> written_offset_{0};
  std::atomic<bool> dirty_{false};

  // Held by the cleaner for a whole pass, and by retention, delete-records and destroy, so that
  // none of them removes a segment the others are working on.
  std::mutex cleaning_mu_;
  std::atomic<int64_t> cleaner_checkpoint_{0};
  std::atomic<int64_t> earliest_delete_horizon_{INT64_MAX};

  // Group commit (every_batch).
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  bool sync_in_progress_ = false;
  int64_t durable_offset_ = 0;

  // Waiting readers and append listeners.
  mutable std::mutex wait_mu_;
  mutable std::condition_variable wait_cv_;
  std::atomic<bool> shutting_down_{false};
  std::mutex listeners_mu_;
  std::map<uint64_t, std::function<void(int64_t)>> listeners_;
  uint64_t next_listener_id_ = 1;
};

}  // namespace kafka_do::storage
