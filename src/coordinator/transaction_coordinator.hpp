#pragma once
// The transaction coordinator (Kafka's TransactionCoordinator, KIP-98) for the transactional ids
// of this engine: it maps each id to a producer id and epoch, tracks the partitions and consumer
// groups of its open transaction, and ends the transaction by writing a commit or abort marker
// to each of them.
//
// State of a transactional id:
//   Empty --AddPartitions/AddOffsets--> Ongoing --EndTxn--> PrepareCommit | PrepareAbort
//   --markers written--> CompleteCommit | CompleteAbort --AddPartitions--> Ongoing ...
// Every transition is one record in the internal topic `__transaction_state` (compacted, keyed
// by the id), appended before the transition is acted on or answered: PrepareX is durable before
// any marker is written, so a restart finishes what it finds in PrepareX (writes the markers
// again: a partition whose transaction already ended ignores the repeat) and the transaction's
// outcome never changes. Ongoing transactions survive a restart and time out as usual.
//
// Fencing: InitProducerId on a known id bumps the epoch; if a transaction was open it is aborted
// first, with the bumped epoch, so each partition's producer state refuses the old instance's
// later batches too. A transaction open longer than its timeout is aborted the same way by the
// timer thread (every `abort_scan_interval`). Ids idle for `id_expiration` are forgotten
// (tombstoned), as Kafka's transactional.id.expiration.ms.
//
// Markers are written synchronously, within EndTxn (a single node needs no WriteTxnMarkers), so
// PrepareX is only ever seen by recovery; CONCURRENT_TRANSACTIONS is answered for a request that
// arrives while another operation of the same id is completing.
//
// Thread safety: every method may be called from any thread. Operations are serialised by one
// mutex (they append to the state log and write markers under it).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "coordinator/offset_store.hpp"
#include "coordinator/producer_ids.hpp"
#include "coordinator/transaction_record.hpp"
#include "model/error_code.hpp"
#include "storage/log_manager.hpp"

namespace kafka_do::coordinator {

struct TransactionOptions {
  std::string topic = "__transaction_state";
  // Largest transaction.timeout.ms a producer may ask for (Kafka's transaction.max.timeout.ms).
  std::chrono::milliseconds max_timeout{15 * 60 * 1000};
  // How often open transactions are checked against their timeout (Kafka's
  // transaction.abort.timed.out.transaction.cleanup.interval.ms).
  std::chrono::milliseconds abort_scan_interval{10 * 1000};
  // How long an id without an open transaction is remembered (transactional.id.expiration.ms).
  std::chrono::milliseconds id_expiration{7ll * 24 * 60 * 60 * 1000};
  int64_t segment_bytes = 16ll << 20;
  // Called at chosen points of EndTxn (tests kill the process there): "after-prepare" once
  // PrepareCommit/PrepareAbort is durable, "after-markers" once every marker is written.
  std::function<void(const char* point)> failpoint;
};

struct InitProducerIdResult {
  model::ErrorCode error = model::ErrorCode::none;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
};

// One transaction as DescribeTransactions shows it.
struct TransactionDescription {
  model::ErrorCode error = model::ErrorCode::none;
  TxnMetadata metadata;
};

class TransactionCoordinator {
 public:
  // Opens the state log over `logs` (creating `__transaction_state`), replays it, completes
  // every transaction found in PrepareCommit/PrepareAbort and starts the timer thread.
  // `offsets` (may be null) receives the markers of transactions that committed offsets.
  static Result<std::unique_ptr<TransactionCoordinator>> open(storage::LogManager& logs,
                                                              ProducerIdAllocator& producer_ids,
                                                              OffsetStore* offsets,
                                                              TransactionOptions options = {});
  ~TransactionCoordinator();
  TransactionCoordinator(const TransactionCoordinator&) = delete;
  TransactionCoordinator& operator=(const TransactionCoordinator&) = delete;

  // InitProducerId with a transactional id. `current_*` are -1 unless the producer already has
  // an id (v3+, KIP-360).
  InitProducerIdResult init_producer_id(const std::string& transactional_id, int32_t timeout_ms,
                                        int64_t current_producer_id, int16_t current_epoch);
  // AddPartitionsToTxn: one error for all (the handler reports it on every partition); unknown
  // partitions are UNKNOWN_TOPIC_OR_PARTITION in `unknown` and nothing is added.
  model::ErrorCode add_partitions(const std::string& transactional_id, int64_t producer_id,
                                  int16_t producer_epoch, const std::vector<TopicPartition>& tps);
  // AddOffsetsToTxn: adds the offsets partition, so EndTxn ends the group's pending offsets.
  model::ErrorCode add_offsets(const std::string& transactional_id, int64_t producer_id,
                               int16_t producer_epoch, const std::string& group_id);
  // EndTxn. A repeat of a completed EndTxn (same outcome) answers success.
  model::ErrorCode end_transaction(const std::string& transactional_id, int64_t producer_id,
                                   int16_t producer_epoch, bool commit);
  // Whether `producer_id`/`epoch` of `transactional_id` may write to `tp` now (the partition was
  // added to its ongoing transaction): Produce and TxnOffsetCommit check this.
  model::ErrorCode check_partition(const std::string& transactional_id, int64_t producer_id,
                                   int16_t producer_epoch, const TopicPartition& tp);
  // TxnOffsetCommit: runs `commit` if the producer's ongoing transaction includes the offsets
  // partition (AddOffsetsToTxn), under the coordinator's lock so that no EndTxn can end the
  // transaction between the check and the write.
  model::ErrorCode commit_offsets(const std::string& transactional_id, int64_t producer_id,
                                  int16_t producer_epoch, const std::function<void()>& commit);

  std::vector<TransactionDescription> describe(const std::vector<std::string>& ids);
  // ListTransactions: filters are ANDed; empty = any.
  std::vector<TxnMetadata> list(const std::vector<TxnState>& states,
                                const std::vector<int64_t>& producer_ids);

  // Aborts transactions open past their timeout and forgets expired ids; returns how many
  // transactions it aborted. The timer thread calls it; tests may call it directly.
  size_t abort_timed_out(int64_t now_ms);

  const TransactionOptions& options() const { return options_; }
  const std::shared_ptr<storage::PartitionLog>& log() const { return log_; }
  // The partition AddOffsetsToTxn adds, or none when offsets are not stored.
  std::optional<TopicPartition> offsets_partition() const;

 private:
  TransactionCoordinator(storage::LogManager& logs, ProducerIdAllocator& producer_ids,
                         OffsetStore* offsets, std::shared_ptr<storage::PartitionLog> log,
                         TransactionOptions options);
  Status replay();
  // REQUIRES: mu_ held. Persists `next` as the id's state, then installs it.
  Status persist_locked(const TxnMetadata& next);
  // REQUIRES: mu_ held. PrepareX -> markers -> CompleteX for `txn`, whose epoch is the markers'.
  model::ErrorCode complete_locked(TxnMetadata& txn, bool commit);
  // REQUIRES: mu_ held. Aborts the open transaction of `txn` with a bumped epoch (fencing its
  // producer); `timed_out` remembers the old epoch so the producer can recover (KIP-360).
  model::ErrorCode fence_and_abort_locked(TxnMetadata& txn, bool timed_out);
  // REQUIRES: mu_ held. Validates the producer of a request against the id's state.
  model::ErrorCode check_producer_locked(const TxnMetadata& txn, int64_t producer_id,
                                         int16_t producer_epoch) const;
  model::ErrorCode check_partition_locked(const std::string& transactional_id, int64_t producer_id,
                                          int16_t producer_epoch, const TopicPartition& tp) const;
  model::ErrorCode add_locked(const std::string& transactional_id, int64_t producer_id,
                              int16_t producer_epoch, const std::vector<TopicPartition>& tps);
  void timer_loop();

  storage::LogManager& logs_;
  ProducerIdAllocator& producer_ids_;
  OffsetStore* const offsets_;
  const std::shared_ptr<storage::PartitionLog> log_;
  const TransactionOptions options_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::map<std::string, TxnMetadata> txns_;
  std::thread timer_;
};

}  // namespace kafka_do::coordinator
