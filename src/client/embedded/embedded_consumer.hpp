#pragma once
// A group consumer on the embedded engine. It is a member of its group in the engine's
// GroupCoordinator: it joins and syncs from poll(), heartbeats from poll() (so a consumer that
// stops polling for longer than session_timeout is removed and its partitions move), and when
// the group rebalances it commits what was consumed (auto_commit), rejoins and takes its new
// partitions from their committed offsets.
//
// Reads come straight from the partition logs; a consumer waits for new data on the logs' append
// notifications, never by spinning. Read-ahead is bounded by fetch_max_bytes per partition.
//
// Thread safety: poll() from one thread at a time (the Consumer's); commits, stop() and
// mark_consumed() from any thread.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>

#include "client/backend.hpp"
#include "client/finished_offsets.hpp"
#include "coordinator/group_coordinator.hpp"
#include "storage/partition_log.hpp"

namespace kafka_do::client {

class EmbeddedBackend;

class EmbeddedConsumer final : public kafka::detail::ConsumerCore {
 public:
  EmbeddedConsumer(std::shared_ptr<EmbeddedBackend> backend,
                   kafka::detail::ConsumerSettings settings);
  ~EmbeddedConsumer() override;

  std::vector<kafka::Record> poll(std::chrono::milliseconds timeout, size_t max_records) override;
  void mark_consumed(std::span<const kafka::Record> records) override;
  void commit_consumed() override;
  void finish(const kafka::Record& record, uint64_t epoch) override;
  uint64_t assignment_epoch() const override;
  std::map<kafka::TopicPartition, int64_t> commit_finished() override;
  void keep_alive() override;
  void wake() override;
  void commit_offsets(const std::map<kafka::TopicPartition, int64_t>& offsets) override;
  void commit(const std::string& topic, int32_t partition, int64_t next_offset) override;
  void stop() override;
  bool stopped() const override;
  void close() override;
  std::vector<kafka::TopicPartition> assignment() const override;
  std::map<kafka::TopicPartition, int64_t> consumed_offsets() const override;
  const kafka::detail::ConsumerSettings& settings() const override { return settings_; }
  std::map<kafka::TopicPartition, int64_t> lag() override;
  // Commits `offsets` as this member through `commit` (a transactional commit), with the checks
  // and bookkeeping of a plain commit. Throws kafka::Error.
  void commit_in_transaction(const std::map<kafka::TopicPartition, int64_t>& offsets,
                             const std::function<std::vector<coordinator::PartitionResult>(
                                 const coordinator::OffsetCommitRequest&)>& commit);
  EmbeddedBackend& backend() const { return *backend_; }

 private:
  using Clock = std::chrono::steady_clock;
  struct PartitionState {
    std::shared_ptr<storage::PartitionLog> log;
    int64_t position = 0;   // next offset to fetch
    int64_t consumed = -1;  // next offset after what the application moved past (-1: nothing)
    int64_t committed = -1;
    FinishedOffsets finished;  // what Record::commit / finish may commit
    // Decoded, not yet returned: fetched[fetched_head..]. A vector rather than a deque: a deque
    // allocates a block per two records of this size.
    std::vector<kafka::Record> fetched;
    size_t fetched_head = 0;
    bool nothing_fetched() const { return fetched_head == fetched.size(); }
    storage::AppendSubscription subscription;
  };

  // Moves the membership state machine forward as far as it can without waiting: sends the
  // join, then (once it completed) the sync, then applies the assignment. Joins and syncs
  // complete on coordinator threads; their results land in `pending_*` and wake poll().
  // Returns true when this member holds a current assignment. REQUIRES: mu_.
  bool advance_membership();
  void send_join();
  void on_joined(coordinator::JoinResponse response);
  void on_synced(coordinator::SyncResponse response);
  void apply_assignment(const std::vector<kafka::TopicPartition>& partitions);
  int64_t start_position(const kafka::TopicPartition& tp, storage::PartitionLog& log);
  void heartbeat_if_due();
  void maybe_auto_commit();
  // Fills `out` with up to max_records available records without waiting. REQUIRES: mu_.
  void fetch_available(std::vector<kafka::Record>& out, size_t max_records);
  void fetch_partition(const kafka::TopicPartition& tp, PartitionState& state);
  // Commits the given next offsets as the current member. REQUIRES: mu_. Throws kafka::Error.
  void commit_locked(const std::map<kafka::TopicPartition, int64_t>& offsets);
  coordinator::OffsetCommitRequest commit_request_locked(
      const std::map<kafka::TopicPartition, int64_t>& offsets) const;
  void check_commit_locked(const std::vector<coordinator::PartitionResult>& results,
                           const std::map<kafka::TopicPartition, int64_t>& offsets);
  // What to commit before partitions move or the consumer closes: the finished watermarks, and
  // with auto_commit what the application moved past. REQUIRES: mu_.
  std::map<kafka::TopicPartition, int64_t> handover_offsets_locked() const;
  void leave();

  const std::shared_ptr<EmbeddedBackend> backend_;
  const kafka::detail::ConsumerSettings settings_;
  coordinator::GroupCoordinator& coordinator_;

  mutable std::mutex mu_;
  bool closed_ = false;
  uint64_t epoch_ = 0;  // assignment_epoch()
  // Wake-ups: append notifications arrive on producer threads that hold the partition log's
  // locks, so they only touch this small mutex (never mu_, which is held while subscribing).
  std::mutex wake_mu_;
  std::condition_variable wake_cv_;
  bool data_arrived_ = false;
  bool woken_ = false;  // wake(): the current or next poll returns without waiting
  std::atomic<bool> stopped_{false};
  bool need_rejoin_ = true;
  enum class Membership { idle, joining, syncing };
  Membership membership_ = Membership::idle;
  // Results of requests older than the latest are ignored (set under mu_, read by callbacks).
  std::atomic<uint64_t> request_id_{0};
  std::optional<coordinator::JoinResponse> pending_join_;  // guarded by wake_mu_
  std::optional<coordinator::SyncResponse> pending_sync_;  // guarded by wake_mu_
  std::string member_id_;
  int32_t generation_ = -1;
  std::map<kafka::TopicPartition, PartitionState> partitions_;
  size_t next_partition_ = 0;  // round-robin start for fairness between partitions
  Clock::time_point last_heartbeat_{};
  Clock::time_point last_auto_commit_ = Clock::now();
  std::optional<std::stop_callback<std::function<void()>>> stop_callback_;
};

}  // namespace kafka_do::client
