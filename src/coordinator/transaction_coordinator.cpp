#include "coordinator/transaction_coordinator.hpp"

#include <algorithm>
#include <limits>

#include "model/control_record.hpp"
#include "model/record_batch.hpp"

namespace kafka_do::coordinator {
namespace {

using model::ErrorCode;
namespace rec = transaction_record;

// Past this epoch a producer gets a new id (Kafka's isEpochExhausted: Short.MaxValue - 1).
constexpr int16_t kMaxEpoch = std::numeric_limits<int16_t>::max() - 1;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool completing(TxnState s) {
  return s == TxnState::prepare_commit || s == TxnState::prepare_abort ||
         s == TxnState::prepare_epoch_fence;
}

}  // namespace

TransactionCoordinator::TransactionCoordinator(storage::LogManager& logs,
                                               ProducerIdAllocator& producer_ids,
                                               OffsetStore* offsets,
                                               std::shared_ptr<storage::PartitionLog> log,
                                               TransactionOptions options)
    : logs_(logs),
      producer_ids_(producer_ids),
      offsets_(offsets),
      log_(std::move(log)),
      options_(std::move(options)) {}

Result<std::unique_ptr<TransactionCoordinator>> TransactionCoordinator::open(
    storage::LogManager& logs, ProducerIdAllocator& producer_ids, OffsetStore* offsets,
    TransactionOptions options) {
  if (!logs.has_topic(options.topic)) {
    auto created = logs.create_topic(options.topic, 1,
                                     {{"cleanup.policy", "compact"},
                                      {"retention.ms", "-1"},
                                      {"retention.bytes", "-1"},
                                      {"segment.bytes", std::to_string(options.segment_bytes)}});
    if (!created && created.error().code() != Errc::already_exists) return created.error();
  }
  KD_ASSIGN(auto log, logs.partition(options.topic, 0));
  std::unique_ptr<TransactionCoordinator> coordinator(
      new TransactionCoordinator(logs, producer_ids, offsets, std::move(log), std::move(options)));
  KD_TRY(coordinator->replay());
  {
    // A restart between PrepareX and CompleteX: the outcome was decided; write it everywhere.
    std::lock_guard lock(coordinator->mu_);
    for (auto& [id, txn] : coordinator->txns_) {
      if (txn.state == TxnState::prepare_commit || txn.state == TxnState::prepare_abort) {
        TxnMetadata copy = txn;
        const ErrorCode done =
            coordinator->complete_locked(copy, txn.state == TxnState::prepare_commit);
        if (done != ErrorCode::none) {
          return Error(Errc::io_error, "could not complete the transaction of " + id + ": " +
                                           model::error_name(done));
        }
      }
    }
  }
  coordinator->timer_ = std::thread([c = coordinator.get()] { c->timer_loop(); });
  return coordinator;
}

TransactionCoordinator::~TransactionCoordinator() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (timer_.joinable()) timer_.join();
}

Status TransactionCoordinator::replay() {
  std::lock_guard lock(mu_);
  const int64_t start = log_->log_start_offset();
  auto replayed =
      log_->for_each_batch(start, [&](const model::BatchHeader&, std::string_view batch) -> Status {
        KD_ASSIGN(auto records, model::decode_batch(batch));
        for (const auto& r : records) {
          if (r.offset < start || !r.key) continue;
          KD_ASSIGN(std::string id, rec::decode_key(*r.key));
          if (!r.value) {
            txns_.erase(id);
            continue;
          }
          KD_ASSIGN(TxnMetadata m, rec::decode_value(id, *r.value));
          txns_[id] = std::move(m);
        }
        return {};
      });
  if (!replayed) return replayed.error();
  return {};
}

Status TransactionCoordinator::persist_locked(const TxnMetadata& next) {
  model::BatchBuilder builder;
  const std::string key = rec::encode_key(next.transactional_id);
  const std::string value = rec::encode_value(next);
  builder.add(now_ms(), key, std::string_view(value));
  KD_ASSIGN(std::string batch, builder.build());
  KD_TRY(log_->append(batch, {.validate_records = false}));
  txns_[next.transactional_id] = next;
  return {};
}

std::optional<TopicPartition> TransactionCoordinator::offsets_partition() const {
  if (offsets_ == nullptr) return std::nullopt;
  return TopicPartition{offsets_->log()->topic(), offsets_->log()->partition()};
}

ErrorCode TransactionCoordinator::complete_locked(TxnMetadata& txn, bool commit) {
  txn.state = commit ? TxnState::prepare_commit : TxnState::prepare_abort;
  txn.last_update_ms = now_ms();
  if (!persist_locked(txn)) return ErrorCode::coordinator_not_available;
  if (options_.failpoint) options_.failpoint("after-prepare");
  const model::TransactionMarker marker{
      .producer_id = txn.producer_id,
      .producer_epoch = txn.producer_epoch,
      .type = commit ? model::ControlType::commit : model::ControlType::abort};
  const auto offsets_tp = offsets_partition();
  for (const auto& tp : txn.partitions) {
    if (offsets_tp && tp == *offsets_tp) {
      if (!offsets_->complete_transaction(txn.producer_id, txn.producer_epoch, commit))
        return ErrorCode::coordinator_not_available;  // stays PrepareX: retried
      continue;
    }
    auto log = logs_.partition(tp.topic, tp.partition);
    if (!log) continue;  // the topic was deleted: nothing left to mark
    auto written = (*log)->append_marker(marker);
    // A partition that already saw a newer epoch has nothing of this one open.
    if (!written && written.error().code() != Errc::fenced) {
      return ErrorCode::coordinator_not_available;
    }
  }
  if (options_.failpoint) options_.failpoint("after-markers");
  txn.state = commit ? TxnState::complete_commit : TxnState::complete_abort;
  txn.partitions.clear();
  txn.last_update_ms = now_ms();
  if (!persist_locked(txn)) return ErrorCode::coordinator_not_available;
  return ErrorCode::none;
}

ErrorCode TransactionCoordinator::fence_and_abort_locked(TxnMetadata& txn, bool timed_out) {
  txn.last_producer_epoch = timed_out ? txn.producer_epoch : int16_t(-1);
  if (txn.producer_epoch < kMaxEpoch) ++txn.producer_epoch;
  return complete_locked(txn, /*commit=*/false);
}

InitProducerIdResult TransactionCoordinator::init_producer_id(const std::string& transactional_id,
                                                              int32_t timeout_ms,
                                                              int64_t current_producer_id,
                                                              int16_t current_epoch) {
  InitProducerIdResult out;
  if (timeout_ms <= 0 || timeout_ms > options_.max_timeout.count()) {
    out.error = ErrorCode::invalid_transaction_timeout;
    return out;
  }
  std::lock_guard lock(mu_);
  const int64_t now = now_ms();
  auto it = txns_.find(transactional_id);
  if (it == txns_.end()) {
    auto id = producer_ids_.allocate();
    if (!id) {
      out.error = ErrorCode::coordinator_not_available;
      return out;
    }
    TxnMetadata fresh{.transactional_id = transactional_id,
                      .producer_id = *id,
                      .producer_epoch = 0,
                      .timeout_ms = timeout_ms,
                      .state = TxnState::empty,
                      .last_update_ms = now};
    if (!persist_locked(fresh)) {
      out.error = ErrorCode::coordinator_not_available;
      return out;
    }
    out.producer_id = fresh.producer_id;
    out.producer_epoch = 0;
    return out;
  }
  TxnMetadata txn = it->second;
  // KIP-360: a producer that already has an id asks to keep it; only its current epoch (or the
  // one the coordinator bumped away from when it timed the transaction out) may.
  if (current_producer_id >= 0 &&
      !(current_producer_id == txn.producer_id &&
        (current_epoch == txn.producer_epoch || current_epoch == txn.last_producer_epoch))) {
    out.error = ErrorCode::producer_fenced;
    return out;
  }
  if (completing(txn.state)) {
    out.error = ErrorCode::concurrent_transactions;
    return out;
  }
  if (txn.state == TxnState::ongoing) {
    // A new instance takes over: the old one's transaction is aborted and it is fenced.
    const ErrorCode aborted = fence_and_abort_locked(txn, /*timed_out=*/false);
    if (aborted != ErrorCode::none) {
      out.error = ErrorCode::concurrent_transactions;  // retriable; recovery finishes the abort
      return out;
    }
  }
  if (txn.producer_epoch >= kMaxEpoch) {
    auto id = producer_ids_.allocate();
    if (!id) {
      out.error = ErrorCode::coordinator_not_available;
      return out;
    }
    txn.producer_id = *id;
    txn.producer_epoch = 0;
  } else {
    ++txn.producer_epoch;
  }
  txn.last_producer_epoch = -1;
  txn.timeout_ms = timeout_ms;
  txn.state = TxnState::empty;
  txn.partitions.clear();
  txn.start_ms = -1;
  txn.last_update_ms = now;
  if (!persist_locked(txn)) {
    out.error = ErrorCode::coordinator_not_available;
    return out;
  }
  out.producer_id = txn.producer_id;
  out.producer_epoch = txn.producer_epoch;
  return out;
}

ErrorCode TransactionCoordinator::check_producer_locked(const TxnMetadata& txn, int64_t producer_id,
                                                        int16_t producer_epoch) const {
  if (txn.producer_id != producer_id) return ErrorCode::invalid_producer_id_mapping;
  if (producer_epoch != txn.producer_epoch) return ErrorCode::producer_fenced;
  return ErrorCode::none;
}

ErrorCode TransactionCoordinator::add_locked(const std::string& transactional_id,
                                             int64_t producer_id, int16_t producer_epoch,
                                             const std::vector<TopicPartition>& tps) {
  auto it = txns_.find(transactional_id);
  if (it == txns_.end()) return ErrorCode::invalid_producer_id_mapping;
  TxnMetadata txn = it->second;
  const ErrorCode producer = check_producer_locked(txn, producer_id, producer_epoch);
  if (producer != ErrorCode::none) return producer;
  if (completing(txn.state)) return ErrorCode::concurrent_transactions;
  if (txn.state != TxnState::ongoing) {
    txn.partitions.clear();
    txn.start_ms = now_ms();
  } else if (std::all_of(tps.begin(), tps.end(),
                         [&](const TopicPartition& tp) { return txn.partitions.count(tp); })) {
    return ErrorCode::none;  // a retry, or partitions already in the transaction
  }
  txn.partitions.insert(tps.begin(), tps.end());
  txn.state = TxnState::ongoing;
  txn.last_update_ms = now_ms();
  if (!persist_locked(txn)) return ErrorCode::coordinator_not_available;
  return ErrorCode::none;
}

ErrorCode TransactionCoordinator::add_partitions(const std::string& transactional_id,
                                                 int64_t producer_id, int16_t producer_epoch,
                                                 const std::vector<TopicPartition>& tps) {
  for (const auto& tp : tps) {
    if (!logs_.partition(tp.topic, tp.partition)) return ErrorCode::unknown_topic_or_partition;
  }
  std::lock_guard lock(mu_);
  return add_locked(transactional_id, producer_id, producer_epoch, tps);
}

ErrorCode TransactionCoordinator::add_offsets(const std::string& transactional_id,
                                              int64_t producer_id, int16_t producer_epoch,
                                              const std::string& group_id) {
  (void)group_id;  // one offsets partition holds every group
  const auto tp = offsets_partition();
  if (!tp) return ErrorCode::coordinator_not_available;
  std::lock_guard lock(mu_);
  return add_locked(transactional_id, producer_id, producer_epoch, {*tp});
}

ErrorCode TransactionCoordinator::end_transaction(const std::string& transactional_id,
                                                  int64_t producer_id, int16_t producer_epoch,
                                                  bool commit) {
  std::lock_guard lock(mu_);
  auto it = txns_.find(transactional_id);
  if (it == txns_.end()) return ErrorCode::invalid_producer_id_mapping;
  TxnMetadata txn = it->second;
  const ErrorCode producer = check_producer_locked(txn, producer_id, producer_epoch);
  if (producer != ErrorCode::none) return producer;
  switch (txn.state) {
    case TxnState::ongoing:
      return complete_locked(txn, commit);
    case TxnState::complete_commit:  // a retry of an EndTxn that succeeded
      return commit ? ErrorCode::none : ErrorCode::invalid_txn_state;
    case TxnState::complete_abort:
      return commit ? ErrorCode::invalid_txn_state : ErrorCode::none;
    case TxnState::prepare_commit:
    case TxnState::prepare_abort:
      // Markers failed half way: the same outcome retries them.
      if (commit == (txn.state == TxnState::prepare_commit)) return complete_locked(txn, commit);
      return ErrorCode::invalid_txn_state;
    default:
      return ErrorCode::invalid_txn_state;
  }
}

ErrorCode TransactionCoordinator::check_partition(const std::string& transactional_id,
                                                  int64_t producer_id, int16_t producer_epoch,
                                                  const TopicPartition& tp) {
  std::lock_guard lock(mu_);
  return check_partition_locked(transactional_id, producer_id, producer_epoch, tp);
}

ErrorCode TransactionCoordinator::check_partition_locked(const std::string& transactional_id,
                                                         int64_t producer_id,
                                                         int16_t producer_epoch,
                                                         const TopicPartition& tp) const {
  auto it = txns_.find(transactional_id);
  if (it == txns_.end()) return ErrorCode::invalid_producer_id_mapping;
  const TxnMetadata& txn = it->second;
  if (txn.producer_id != producer_id) return ErrorCode::invalid_producer_id_mapping;
  if (producer_epoch != txn.producer_epoch) return ErrorCode::producer_fenced;
  if (txn.state != TxnState::ongoing || !txn.partitions.count(tp)) {
    return ErrorCode::invalid_txn_state;
  }
  return ErrorCode::none;
}

ErrorCode TransactionCoordinator::commit_offsets(const std::string& transactional_id,
                                                 int64_t producer_id, int16_t producer_epoch,
                                                 const std::function<void()>& commit) {
  const auto tp = offsets_partition();
  if (!tp) return ErrorCode::coordinator_not_available;
  std::lock_guard lock(mu_);
  const ErrorCode checked =
      check_partition_locked(transactional_id, producer_id, producer_epoch, *tp);
  if (checked != ErrorCode::none) return checked;
  commit();
  return ErrorCode::none;
}

std::vector<TransactionDescription> TransactionCoordinator::describe(
    const std::vector<std::string>& ids) {
  std::lock_guard lock(mu_);
  std::vector<TransactionDescription> out;
  for (const auto& id : ids) {
    TransactionDescription d;
    auto it = txns_.find(id);
    if (it == txns_.end()) {
      d.error = ErrorCode::transactional_id_not_found;
      d.metadata.transactional_id = id;
    } else {
      d.metadata = it->second;
    }
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<TxnMetadata> TransactionCoordinator::list(const std::vector<TxnState>& states,
                                                      const std::vector<int64_t>& producer_ids) {
  std::lock_guard lock(mu_);
  std::vector<TxnMetadata> out;
  for (const auto& [id, txn] : txns_) {
    if (!states.empty() && std::find(states.begin(), states.end(), txn.state) == states.end())
      continue;
    if (!producer_ids.empty() &&
        std::find(producer_ids.begin(), producer_ids.end(), txn.producer_id) == producer_ids.end())
      continue;
    out.push_back(txn);
  }
  return out;
}

size_t TransactionCoordinator::abort_timed_out(int64_t now) {
  std::lock_guard lock(mu_);
  size_t aborted = 0;
  std::vector<std::string> expired;
  for (auto& [id, current] : txns_) {
    if (current.state == TxnState::ongoing && current.start_ms >= 0 &&
        now - current.start_ms > current.timeout_ms) {
      TxnMetadata txn = current;
      if (fence_and_abort_locked(txn, /*timed_out=*/true) == ErrorCode::none) ++aborted;
    } else if ((current.state == TxnState::empty || current.state == TxnState::complete_commit ||
                current.state == TxnState::complete_abort) &&
               now - current.last_update_ms > options_.id_expiration.count()) {
      expired.push_back(id);
    }
  }
  for (const auto& id : expired) {
    model::BatchBuilder builder;
    const std::string key = rec::encode_key(id);
    builder.add(now, key, std::nullopt);
    auto batch = builder.build();
    if (!batch || !log_->append(*batch, {.validate_records = false})) break;
    txns_.erase(id);
  }
  return aborted;
}

void TransactionCoordinator::timer_loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, options_.abort_scan_interval, [&] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    abort_timed_out(now_ms());
    lock.lock();
  }
}

}  // namespace kafka_do::coordinator
