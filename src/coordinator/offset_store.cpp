#include "coordinator/offset_store.hpp"

#include <chrono>

#include "model/control_record.hpp"
#include "model/record_batch.hpp"

namespace kafka_do::coordinator {
namespace {

namespace rec = offset_record;
using Records = std::vector<std::pair<std::string, std::optional<std::string>>>;

// Replay reads the partition in chunks of this size (whole batches; a larger batch comes alone).
constexpr size_t kReplayReadBytes = 1u << 20;
// Beyond this many lines the recovery report only counts.
constexpr size_t kMaxReportLines = 100;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status check_names(const std::string& group, const TopicPartition& tp) {
  if (group.size() > rec::kMaxNameBytes || tp.topic.size() > rec::kMaxNameBytes) {
    return Error(Errc::invalid_argument, "group id or topic name longer than " +
                                             std::to_string(rec::kMaxNameBytes) + " bytes");
  }
  return {};
}

// The OFFSET_COMMIT records of `offsets` for `group`.
Result<Records> commit_records(
    const std::string& group,
    const std::vector<std::pair<TopicPartition, CommittedOffset>>& offsets) {
  Records records;
  records.reserve(offsets.size());
  for (const auto& [tp, value] : offsets) {
    KD_TRY(check_names(group, tp));
    records.emplace_back(rec::encode_offset_key(rec::Type::offset_commit, group, tp),
                         rec::encode_offset_value(value));
  }
  return records;
}

}  // namespace

OffsetStore::OffsetStore(std::shared_ptr<storage::PartitionLog> log, OffsetStoreOptions options)
    : options_(std::move(options)), log_(std::move(log)) {}

Result<std::unique_ptr<OffsetStore>> OffsetStore::open(storage::LogManager& logs,
                                                       OffsetStoreOptions options) {
  if (!logs.has_topic(options.topic)) {
    // Compacted, never deleted by time: the latest record of each (group, partition) stays.
    auto created =
        logs.create_topic(options.topic, 1,
                          {{"cleanup.policy", "compact"},
                           {"retention.ms", "-1"},
                           {"retention.bytes", "-1"},
                           {"segment.bytes", std::to_string(options.segment_bytes)},
                           {"max.message.bytes", std::to_string(options.max_batch_bytes)}});
    if (!created && created.error().code() != Errc::already_exists) return created.error();
  }
  KD_ASSIGN(auto log, logs.partition(options.topic, 0));
  const bool compacted = log->config().compacts();
  std::unique_ptr<OffsetStore> store(new OffsetStore(std::move(log), std::move(options)));
  KD_TRY(store->replay());
  if (!compacted) KD_TRY(store->migrate_to_compaction(logs));
  return store;
}

Status OffsetStore::replay() {
  struct Pending {
    int64_t id = 0;
    std::map<std::string, Offsets> groups;
    int64_t entries = 0;
  };
  std::optional<Pending> pending;
  size_t suppressed = 0;
  auto report = [&](std::string line) {
    if (report_.size() < kMaxReportLines) {
      report_.push_back(std::move(line));
    } else {
      ++suppressed;
    }
  };
  auto abandon = [&](int64_t at, const char* why) {
    report("offsets: snapshot " + std::to_string(pending->id) + " is incomplete (" + why +
           " at offset " + std::to_string(at) + "); ignored");
    pending.reset();
  };

  std::lock_guard lock(mu_);
  const int64_t offset = log_->log_start_offset();
  const int64_t end = log_->high_watermark();
  auto replayed = log_->for_each_batch(
      offset,
      [&](const model::BatchHeader& header, std::string_view batch) -> Status {
        if (header.control()) {
          // A transaction marker: the producer's pending offsets count (commit) or go (abort).
          auto type = model::control_type(batch);
          if (type) finish_pending_locked(header.producer_id, *type == model::ControlType::commit);
          return {};
        }
        const bool transactional = header.transactional();
        KD_ASSIGN(auto records, model::decode_batch(batch));
        bytes_replayed_ += batch.size();
        for (const auto& r : records) {
          if (r.offset < offset) continue;
          ++records_replayed_;
          const std::string at = " at offset " + std::to_string(r.offset);
          if (!r.key) {
            report("offsets: record without key" + at + " skipped");
            continue;
          }
          auto key = rec::decode_key(*r.key);
          if (!key) {
            report("offsets: " + key.error().message() + at + "; skipped");
            continue;
          }
          switch (rec::Type(key->type)) {
            case rec::Type::offset_commit: {
              // The writer never interleaves commits with a snapshot: one here means the snapshot
              // before it was cut short.
              if (pending) abandon(r.offset, "a commit follows it");
              if (!r.value) {
                auto g = groups_.find(key->offset.group);
                if (g != groups_.end()) {
                  g->second.erase(key->offset.partition);
                  if (g->second.empty()) groups_.erase(g);
                }
                break;
              }
              auto value = rec::decode_offset_value(*r.value);
              if (!value) {
                report("offsets: " + value.error().message() + at + "; skipped");
                break;
              }
              if (transactional) {
                pending_[header.producer_id][key->offset.group][key->offset.partition] =
                    std::move(*value);
              } else {
                groups_[key->offset.group][key->offset.partition] = std::move(*value);
              }
              break;
            }
            case rec::Type::snapshot_begin:
              if (pending) abandon(r.offset, "another snapshot begins");
              pending.emplace();
              pending->id = key->snapshot_id;
              break;
            case rec::Type::snapshot_entry: {
              if (!pending) {
                report("offsets: snapshot entry outside a snapshot" + at + "; skipped");
                break;
              }
              auto value =
                  r.value ? rec::decode_offset_value(*r.value)
                          : Result<CommittedOffset>(Error(Errc::corruption, "null snapshot entry"));
              if (!value) {
                abandon(r.offset, value.error().message().c_str());
                break;
              }
              pending->groups[key->offset.group][key->offset.partition] = std::move(*value);
              ++pending->entries;
              break;
            }
            case rec::Type::snapshot_end: {
              if (!pending) {
                report("offsets: snapshot end without its begin" + at + "; skipped");
                break;
              }
              auto marker =
                  r.value ? rec::decode_marker_value(*r.value)
                          : Result<rec::SnapshotMarker>(Error(Errc::corruption, "null marker"));
              if (!marker || key->snapshot_id != pending->id ||
                  marker->entry_count != pending->entries) {
                abandon(r.offset, "its end marker does not match");
                break;
              }
              groups_ = std::move(pending->groups);
              pending.reset();
              break;
            }
            default:
              report("offsets: unknown record type " + std::to_string(key->type) + at +
                     "; skipped");
              break;
          }
        }
        return {};
      },
      kReplayReadBytes);
  if (!replayed) return replayed.error();
  if (*replayed < end) {
    report("offsets: nothing readable at offset " + std::to_string(*replayed) +
           " below the high watermark " + std::to_string(end) + "; replay stopped there");
  }
  if (pending) {
    report("offsets: snapshot " + std::to_string(pending->id) +
           " is incomplete at the end of the log (interrupted); ignored");
  }
  if (suppressed > 0)
    report_.push_back("offsets: " + std::to_string(suppressed) + " more lines suppressed");
  return {};
}

Status OffsetStore::migrate_to_compaction(storage::LogManager& logs) {
  std::lock_guard lock(mu_);
  // A fresh segment, so the trim below deletes every older one whole. A crash anywhere before the
  // config change repeats the migration at the next open, from the same replayed state.
  KD_TRY(log_->roll());
  const int64_t first = log_->high_watermark();
  Records records;
  size_t bytes = 0;
  for (const auto& [group, offsets] : groups_) {
    for (const auto& [tp, value] : offsets) {
      records.emplace_back(rec::encode_offset_key(rec::Type::offset_commit, group, tp),
                           rec::encode_offset_value(value));
      bytes += records.back().first.size() + records.back().second->size() + 16;
      if (bytes >= options_.batch_bytes) {
        KD_TRY(append_locked(records));
        records.clear();
        bytes = 0;
      }
    }
  }
  if (!records.empty()) KD_TRY(append_locked(records));
  KD_TRY(log_->flush());
  KD_TRY(log_->delete_records_before(first));
  KD_TRY(logs.alter_topic_config(
      options_.topic,
      {{"cleanup.policy", "compact"}, {"segment.bytes", std::to_string(options_.segment_bytes)}}));
  migrated_ = true;
  return {};
}

Status OffsetStore::append_locked(const Records& records, const model::BatchOptions& options) {
  model::BatchBuilder builder(options);
  const int64_t ts = now_ms();
  for (const auto& [key, value] : records) {
    if (value) {
      builder.add(ts, key, std::string_view(*value));
    } else {
      builder.add(ts, key, std::nullopt);
    }
  }
  KD_ASSIGN(std::string batch, builder.build());
  KD_TRY(log_->append(batch, {.validate_records = false}));
  return {};
}

Status OffsetStore::commit(const std::string& group,
                           const std::vector<std::pair<TopicPartition, CommittedOffset>>& offsets) {
  if (offsets.empty()) return {};
  KD_ASSIGN(const Records records, commit_records(group, offsets));
  std::lock_guard lock(mu_);
  KD_TRY(append_locked(records));
  auto& stored = groups_[group];
  for (const auto& [tp, value] : offsets) stored[tp] = value;
  return {};
}

Status OffsetStore::commit_transactional(
    const std::string& group,
    const std::vector<std::pair<TopicPartition, CommittedOffset>>& offsets, int64_t producer_id,
    int16_t producer_epoch) {
  if (offsets.empty()) return {};
  KD_ASSIGN(const Records records, commit_records(group, offsets));
  std::lock_guard lock(mu_);
  // Transactional, without a sequence (Kafka's TxnOffsetCommit writes the same): the partition
  // tracks the open transaction, and its marker decides whether these offsets count.
  KD_TRY(append_locked(
      records,
      {.producer_id = producer_id, .producer_epoch = producer_epoch, .transactional = true}));
  auto& pending = pending_[producer_id][group];
  for (const auto& [tp, value] : offsets) pending[tp] = value;
  return {};
}

Status OffsetStore::complete_transaction(int64_t producer_id, int16_t producer_epoch, bool commit) {
  std::lock_guard lock(mu_);
  if (!pending_.count(producer_id)) return {};  // nothing of this transaction is here
  KD_TRY(log_->append_marker(
      {.producer_id = producer_id,
       .producer_epoch = producer_epoch,
       .type = commit ? model::ControlType::commit : model::ControlType::abort}));
  finish_pending_locked(producer_id, commit);
  return {};
}

void OffsetStore::finish_pending_locked(int64_t producer_id, bool commit) {
  auto it = pending_.find(producer_id);
  if (it == pending_.end()) return;
  if (commit) {
    for (auto& [group, offsets] : it->second) {
      auto& stored = groups_[group];
      for (auto& [tp, value] : offsets) stored[tp] = std::move(value);
    }
  }
  pending_.erase(it);
}

bool OffsetStore::has_pending(const std::string& group, const TopicPartition& tp) const {
  std::lock_guard lock(mu_);
  for (const auto& [producer, groups] : pending_) {
    auto g = groups.find(group);
    if (g != groups.end() && g->second.count(tp)) return true;
  }
  return false;
}

bool OffsetStore::has_pending(const std::string& group) const {
  std::lock_guard lock(mu_);
  for (const auto& [producer, groups] : pending_) {
    if (groups.count(group)) return true;
  }
  return false;
}

Result<size_t> OffsetStore::remove_locked(
    const std::vector<std::pair<std::string, TopicPartition>>& doomed) {
  size_t removed = 0;
  Records records;
  std::vector<const std::pair<std::string, TopicPartition>*> batch_entries;
  size_t batch_bytes = 0;
  auto flush = [&]() -> Status {
    if (records.empty()) return {};
    KD_TRY(append_locked(records));
    // Forget only what is durably tombstoned, so a failure leaves memory matching the log.
    for (const auto* entry : batch_entries) {
      auto g = groups_.find(entry->first);
      if (g == groups_.end()) continue;
      removed += g->second.erase(entry->second);
      if (g->second.empty()) groups_.erase(g);
    }
    records.clear();
    batch_entries.clear();
    batch_bytes = 0;
    return {};
  };
  for (const auto& entry : doomed) {
    const auto& [group, tp] = entry;
    auto g = groups_.find(group);
    if (g == groups_.end() || !g->second.count(tp)) continue;
    records.emplace_back(rec::encode_offset_key(rec::Type::offset_commit, group, tp), std::nullopt);
    batch_entries.push_back(&entry);
    batch_bytes += records.back().first.size() + 16;
    if (batch_bytes >= options_.batch_bytes) KD_TRY(flush());
  }
  KD_TRY(flush());
  return removed;
}

Result<size_t> OffsetStore::remove(const std::string& group,
                                   const std::vector<TopicPartition>& partitions) {
  std::vector<std::pair<std::string, TopicPartition>> doomed;
  doomed.reserve(partitions.size());
  for (const auto& tp : partitions) doomed.emplace_back(group, tp);
  std::lock_guard lock(mu_);
  return remove_locked(doomed);
}

Result<size_t> OffsetStore::remove_group(const std::string& group) {
  std::lock_guard lock(mu_);
  std::vector<std::pair<std::string, TopicPartition>> doomed;
  auto g = groups_.find(group);
  if (g == groups_.end()) return size_t(0);
  for (const auto& [tp, value] : g->second) doomed.emplace_back(group, tp);
  return remove_locked(doomed);
}

Result<size_t> OffsetStore::remove_if(
    const std::function<bool(const std::string&, const TopicPartition&)>& doomed_fn) {
  std::lock_guard lock(mu_);
  std::vector<std::pair<std::string, TopicPartition>> doomed;
  for (const auto& [group, offsets] : groups_) {
    for (const auto& [tp, value] : offsets) {
      if (doomed_fn(group, tp)) doomed.emplace_back(group, tp);
    }
  }
  return remove_locked(doomed);
}

std::optional<CommittedOffset> OffsetStore::get(const std::string& group,
                                                const TopicPartition& tp) const {
  std::lock_guard lock(mu_);
  auto g = groups_.find(group);
  if (g == groups_.end()) return std::nullopt;
  auto it = g->second.find(tp);
  if (it == g->second.end()) return std::nullopt;
  return it->second;
}

OffsetStore::Offsets OffsetStore::offsets(const std::string& group) const {
  std::lock_guard lock(mu_);
  auto g = groups_.find(group);
  return g == groups_.end() ? Offsets{} : g->second;
}

bool OffsetStore::has_group(const std::string& group) const {
  std::lock_guard lock(mu_);
  return groups_.count(group) > 0;
}

std::vector<std::string> OffsetStore::groups() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  out.reserve(groups_.size());
  for (const auto& [group, offsets] : groups_) out.push_back(group);
  return out;
}

OffsetStoreStats OffsetStore::stats() const {
  std::lock_guard lock(mu_);
  OffsetStoreStats s;
  s.groups = groups_.size();
  for (const auto& [group, offsets] : groups_) s.offsets += offsets.size();
  s.records_replayed = records_replayed_;
  s.bytes_replayed = bytes_replayed_;
  s.migrated = migrated_;
  return s;
}

}  // namespace kafka_do::coordinator
