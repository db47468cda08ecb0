#include "coordinator/offset_store.hpp"

#include <chrono>

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

}  // namespace

OffsetStore::OffsetStore(std::shared_ptr<storage::PartitionLog> log, OffsetStoreOptions options)
    : options_(std::move(options)), log_(std::move(log)) {}

Result<std::unique_ptr<OffsetStore>> OffsetStore::open(storage::LogManager& logs,
                                                       OffsetStoreOptions options) {
  if (!logs.has_topic(options.topic)) {
    // Retention stays off: old segments go only when a snapshot has superseded them.
    auto created =
        logs.create_topic(options.topic, 1,
                          {{"retention.ms", "-1"},
                           {"retention.bytes", "-1"},
                           {"max.message.bytes", std::to_string(options.max_batch_bytes)}});
    if (!created && created.error().code() != Errc::already_exists) return created.error();
  }
  KD_ASSIGN(auto log, logs.partition(options.topic, 0));
  std::unique_ptr<OffsetStore> store(new OffsetStore(std::move(log), std::move(options)));
  KD_TRY(store->replay());
  return store;
}

Status OffsetStore::replay() {
  struct Pending {
    int64_t id = 0;
    std::map<std::string, Offsets> groups;
    int64_t entries = 0;
    uint64_t bytes = 0;
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
  int64_t offset = log_->log_start_offset();
  const int64_t end = log_->high_watermark();
  int64_t max_snapshot_id = 0;
  while (offset < end) {
    KD_ASSIGN(storage::ReadResult chunk, log_->read(offset, kReplayReadBytes));
    if (chunk.records.empty()) {
      report("offsets: nothing readable at offset " + std::to_string(offset) +
             " below the high watermark " + std::to_string(end) + "; replay stopped there");
      break;
    }
    std::string_view rest = chunk.records;
    while (!rest.empty()) {
      KD_ASSIGN(model::BatchHeader header, model::parse_batch_header(rest));
      if (header.total_size() > rest.size()) break;
      const std::string_view batch = rest.substr(0, header.total_size());
      rest.remove_prefix(header.total_size());
      if (header.next_offset() <= offset) continue;
      KD_ASSIGN(auto records, model::decode_batch(batch));
      bool completed = false;
      uint64_t completed_bytes = 0;
      for (const auto& r : records) {
        if (r.offset < offset) continue;
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
            groups_[key->offset.group][key->offset.partition] = std::move(*value);
            break;
          }
          case rec::Type::snapshot_begin:
            if (pending) abandon(r.offset, "another snapshot begins");
            pending.emplace();
            pending->id = key->snapshot_id;
            max_snapshot_id = std::max(max_snapshot_id, key->snapshot_id);
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
            auto marker = r.value
                              ? rec::decode_marker_value(*r.value)
                              : Result<rec::SnapshotMarker>(Error(Errc::corruption, "null marker"));
            if (!marker || key->snapshot_id != pending->id ||
                marker->entry_count != pending->entries) {
              abandon(r.offset, "its end marker does not match");
              break;
            }
            groups_ = std::move(pending->groups);
            last_snapshot_id_ = pending->id;
            completed = true;
            completed_bytes = pending->bytes;
            pending.reset();
            break;
          }
          default:
            report("offsets: unknown record type " + std::to_string(key->type) + at + "; skipped");
            break;
        }
      }
      if (completed) {
        last_snapshot_bytes_ = completed_bytes + batch.size();
        bytes_since_snapshot_ = 0;
      } else {
        bytes_since_snapshot_ += batch.size();
      }
      if (pending) pending->bytes += batch.size();
      offset = header.next_offset();
    }
  }
  if (pending) {
    report("offsets: snapshot " + std::to_string(pending->id) +
           " is incomplete at the end of the log (interrupted); ignored");
  }
  if (suppressed > 0)
    report_.push_back("offsets: " + std::to_string(suppressed) + " more lines suppressed");
  // Ids of abandoned snapshots are not reused, so a marker can never pair with a stale begin.
  last_snapshot_id_ = std::max(last_snapshot_id_, max_snapshot_id);
  return {};
}

Status OffsetStore::append_locked(const Records& records) {
  model::BatchBuilder builder;
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
  bytes_since_snapshot_ += batch.size();
  return {};
}

Status OffsetStore::commit(const std::string& group,
                           const std::vector<std::pair<TopicPartition, CommittedOffset>>& offsets) {
  if (offsets.empty()) return {};
  Records records;
  records.reserve(offsets.size());
  for (const auto& [tp, value] : offsets) {
    KD_TRY(check_names(group, tp));
    records.emplace_back(rec::encode_offset_key(rec::Type::offset_commit, group, tp),
                         rec::encode_offset_value(value));
  }
  std::lock_guard lock(mu_);
  KD_TRY(append_locked(records));
  auto& stored = groups_[group];
  for (const auto& [tp, value] : offsets) stored[tp] = value;
  maybe_snapshot_locked();
  return {};
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
    if (batch_bytes >= options_.snapshot_batch_bytes) KD_TRY(flush());
  }
  KD_TRY(flush());
  if (removed > 0) maybe_snapshot_locked();
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

Status OffsetStore::snapshot() {
  std::lock_guard lock(mu_);
  return snapshot_locked();
}

void OffsetStore::maybe_snapshot_locked() {
  if (bytes_since_snapshot_ < options_.snapshot_threshold_bytes ||
      bytes_since_snapshot_ < last_snapshot_bytes_) {
    return;
  }
  auto done = snapshot_locked();
  if (!done) {
    last_snapshot_error_ = done.error().to_string();
    // Back off: the next attempt waits for as many bytes again instead of retrying per commit.
    last_snapshot_bytes_ = bytes_since_snapshot_;
  }
}

Status OffsetStore::snapshot_locked() {
  // A fresh segment for the snapshot lets the trim below delete every older segment whole.
  KD_TRY(log_->roll());
  const int64_t id = last_snapshot_id_ + 1;
  // Burn the id first: if this attempt fails half way, the next one must not reuse it.
  last_snapshot_id_ = id;
  int64_t count = 0;
  for (const auto& [group, offsets] : groups_) count += int64_t(offsets.size());

  const uint64_t before = bytes_since_snapshot_;
  int64_t begin_offset = -1;
  model::BatchBuilder builder;
  const int64_t ts = now_ms();
  auto flush = [&]() -> Status {
    KD_ASSIGN(std::string batch, builder.build());
    KD_ASSIGN(storage::AppendResult appended, log_->append(batch, {.validate_records = false}));
    if (begin_offset < 0) begin_offset = appended.base_offset;
    bytes_since_snapshot_ += batch.size();
    builder.clear();
    return {};
  };
  const rec::SnapshotMarker marker{id, count};
  builder.add(ts, rec::encode_marker_key(rec::Type::snapshot_begin, id),
              rec::encode_marker_value(marker));
  for (const auto& [group, offsets] : groups_) {
    for (const auto& [tp, value] : offsets) {
      builder.add(ts, rec::encode_offset_key(rec::Type::snapshot_entry, group, tp),
                  rec::encode_offset_value(value));
      if (builder.uncompressed_size() >= options_.snapshot_batch_bytes) KD_TRY(flush());
    }
  }
  builder.add(ts, rec::encode_marker_key(rec::Type::snapshot_end, id),
              rec::encode_marker_value(marker));
  KD_TRY(flush());
  // The end marker must be durable before the history it replaces is dropped.
  KD_TRY(log_->flush());
  KD_TRY(log_->delete_records_before(begin_offset));
  last_snapshot_bytes_ = bytes_since_snapshot_ - before;
  bytes_since_snapshot_ = 0;
  ++snapshots_written_;
  last_snapshot_error_.reset();
  return {};
}

OffsetStoreStats OffsetStore::stats() const {
  std::lock_guard lock(mu_);
  OffsetStoreStats s;
  s.groups = groups_.size();
  for (const auto& [group, offsets] : groups_) s.offsets += offsets.size();
  s.bytes_since_snapshot = bytes_since_snapshot_;
  s.last_snapshot_bytes = last_snapshot_bytes_;
  s.last_snapshot_id = last_snapshot_id_;
  s.snapshots_written = snapshots_written_;
  s.last_snapshot_error = last_snapshot_error_;
  return s;
}

}  // namespace kafka_do::coordinator
