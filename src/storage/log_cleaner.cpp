#include "storage/log_cleaner.hpp"

#include <algorithm>
#include <climits>
#include <optional>

#include "model/batch_filter.hpp"
#include "storage/record_age.hpp"
#include "storage/segment_format.hpp"

namespace kafka_do::storage {

namespace sf = segment_format;
using model::BatchHeader;

namespace {

// Writes to a cleaned log in large appends rather than one per (possibly tiny) batch.
class BufferedWriter {
 public:
  explicit BufferedWriter(fs::File& file) : file_(file) {}
  Status append(std::string_view bytes) {
    buffer_.append(bytes);
    written_ += bytes.size();
    return buffer_.size() >= kFlushBytes ? flush() : Status{};
  }
  Status flush() {
    if (buffer_.empty()) return {};
    KD_TRY(file_.append(buffer_));
    buffer_.clear();
    return {};
  }
  uint64_t written() const { return written_; }

 private:
  static constexpr size_t kFlushBytes = 1 << 20;
  fs::File& file_;
  std::string buffer_;
  uint64_t written_ = 0;
};

// The first offset the cleaner may not touch: the active segment's base, or the base of the first
// segment at or after `from` holding a record younger than min.compaction.lag.ms.
// Also the base of the segment holding the last stable offset: an open transaction's batches may
// still be aborted, so nothing from its first offset on is cleaned.
int64_t first_uncleanable(const std::vector<std::shared_ptr<Segment>>& segments, int64_t from,
                          int64_t now_ms, const TopicConfig& config, int64_t last_stable_offset) {
  for (size_t i = 0; i + 1 < segments.size(); ++i) {
    const auto& s = segments[i];
    if (s->next_offset() <= from) continue;
    if (s->next_offset() > last_stable_offset) return s->base_offset();
    if (config.min_compaction_lag_ms > 0 &&
        !older_than(s->max_timestamp(), now_ms, config.min_compaction_lag_ms)) {
      return s->base_offset();
    }
  }
  return segments.back()->base_offset();
}

}  // namespace

std::string CleanResult::summary() const {
  auto mb = [](uint64_t b) { return std::to_string(b / 1024) + " KiB"; };
  return "cleaner: " + topic + "-" + std::to_string(partition) + " offsets [" +
         std::to_string(dirty_start) + ", " + std::to_string(dirty_end) + ") indexed (" +
         std::to_string(keys_indexed) + " keys); " + std::to_string(segments_before) +
         " segments " + mb(bytes_before) + " -> " + std::to_string(segments_after) + " segments " +
         mb(bytes_after) + ", " + std::to_string(records_removed) + " records removed (" +
         std::to_string(tombstones_removed) + " tombstones), " +
         std::to_string(duration.count() / 1000) + " ms";
}

LogCleaner::LogCleaner(size_t map_bytes) : map_bytes_(map_bytes) {}

OffsetMap& LogCleaner::map() {
  if (!map_) map_ = std::make_unique<OffsetMap>(map_bytes_);
  return *map_;
}

Cleanability LogCleaner::assess(const PartitionLog& log, int64_t now_ms) {
  Cleanability out;
  const TopicConfig config = log.config();
  if (!config.compacts()) return out;
  std::vector<std::shared_ptr<Segment>> segments;
  {
    std::lock_guard lock(log.segments_mu_);
    segments = log.segments_;
  }
  const int64_t checkpoint = std::max(log.cleaner_checkpoint(), log.log_start_offset());
  const int64_t end =
      first_uncleanable(segments, checkpoint, now_ms, config, log.last_stable_offset());
  bool overdue = false;
  for (size_t i = 0; i + 1 < segments.size(); ++i) {
    const auto& s = segments[i];
    if (s->next_offset() <= checkpoint) {
      out.clean_bytes += s->size();
    } else if (s->base_offset() < end) {
      out.dirty_bytes += s->size();
      overdue = overdue || older_than(s->max_timestamp(), now_ms, config.max_compaction_lag_ms);
    }
  }
  out.due =
      out.dirty_bytes > 0 && (out.dirty_ratio() >= config.min_cleanable_dirty_ratio || overdue);
  return out;
}

Result<CleanResult> LogCleaner::clean(PartitionLog& log, int64_t now_ms) {
  const auto started = std::chrono::steady_clock::now();
  CleanResult result;
  result.topic = log.topic();
  result.partition = log.partition();
  std::lock_guard cleaning(log.cleaning_mu_);
  auto closed = [&] { return log.shutting_down_.load(std::memory_order_acquire); };
  if (closed()) return Error(Errc::closed, "partition " + log.topic() + " is closed");
  const TopicConfig config = log.config();
  if (!config.compacts()) return result;

  std::vector<std::shared_ptr<Segment>> segments;
  {
    std::lock_guard lock(log.segments_mu_);
    segments = log.segments_;
  }
  const int64_t log_start = log.log_start_offset();
  const int64_t checkpoint = std::max(log.cleaner_checkpoint(), log_start);
  const int64_t limit =
      first_uncleanable(segments, checkpoint, now_ms, config, log.last_stable_offset());
  result.dirty_start = checkpoint;
  result.dirty_end = checkpoint;
  // Tombstones whose horizon passed make a pass worth it even with nothing new to index.
  const bool horizon_due = now_ms >= log.earliest_delete_horizon();
  if (checkpoint >= limit && !horizon_due) return result;

  // 2. Index the dirty range.
  OffsetMap& keys = map();
  keys.clear();
  int64_t dirty_end = checkpoint;
  bool full = false;
  for (size_t i = 0; i + 1 < segments.size() && !full && checkpoint < limit; ++i) {
    const auto& s = segments[i];
    if (s->next_offset() <= checkpoint) continue;
    if (s->base_offset() >= limit) break;
    Status indexed = s->for_each_batch([&](const BatchHeader& h, std::string_view batch) -> Status {
      if (h.next_offset() <= checkpoint) return Status{};
      // Aborted batches are dropped below, so their keys must not shadow older committed ones.
      if (!h.control() && !(h.transactional() && log.aborted(h.producer_id, h.base_offset))) {
        if (!keys.has_room(size_t(h.record_count))) {
          full = true;
          return Status(Error(Errc::busy, "offset map full"));
        }
        KD_TRY(model::for_each_record(batch, [&](const model::RecordView& r) {
          if (r.key && r.offset >= checkpoint) keys.put(*r.key, r.offset);
        }));
      }
      dirty_end = h.next_offset();
      return Status{};
    });
    if (!indexed && !full) return indexed.error();
    if (!full) dirty_end = std::max(dirty_end, std::min(limit, segments[i + 1]->base_offset()));
  }
  if (dirty_end == checkpoint && !horizon_due) {
    if (full) {
      return Error(Errc::too_large, "the cleaner's offset map (" + std::to_string(keys.capacity()) +
                                        " keys) cannot hold one batch of " + log.topic() + "-" +
                                        std::to_string(log.partition()) + " at offset " +
                                        std::to_string(checkpoint));
    }
    return result;
  }
  result.dirty_end = dirty_end;
  result.keys_indexed = keys.size();

  // 3 and 4. Rewrite the sealed segments below dirty_end, group by group.
  std::vector<std::shared_ptr<Segment>> cleanable;
  for (size_t i = 0; i + 1 < segments.size() && segments[i]->base_offset() < dirty_end; ++i) {
    cleanable.push_back(segments[i]);
  }
  int64_t earliest_horizon = INT64_MAX;  // of the tombstones kept
  size_t next = 0;
  while (next < cleanable.size()) {
    // A group: consecutive segments whose sizes add up to at most segment.bytes and whose
    // offsets fit the index's 32-bit relative offsets.
    size_t end = next + 1;
    uint64_t group_bytes = cleanable[next]->size();
    while (end < cleanable.size() &&
           group_bytes + cleanable[end]->size() <= uint64_t(config.segment_bytes) &&
           cleanable[end]->next_offset() - cleanable[next]->base_offset() < INT32_MAX - 1'000'000) {
      group_bytes += cleanable[end]->size();
      ++end;
    }
    const int64_t base = cleanable[next]->base_offset();
    const int64_t group_end =
        end < cleanable.size() ? cleanable[end]->base_offset() : segments[end]->base_offset();
    const auto closed_error = [&] {
      return Error(Errc::closed, "partition " + log.topic() + " closed while cleaning");
    };
    if (closed()) return closed_error();

    const std::string cleaned_path =
        fs::join_path(log.dir_, sf::file_stem(base) + std::string(sf::kCleanedSuffix));
    if (log.fs_->exists(cleaned_path)) KD_TRY(log.fs_->remove_file(cleaned_path));
    KD_ASSIGN(auto file, log.fs_->open(cleaned_path, fs::OpenMode::create_new));
    BufferedWriter out(*file);
    bool changed = false;
    for (size_t i = next; i < end; ++i) {
      KD_TRY(
          cleanable[i]->for_each_batch([&](const BatchHeader& h, std::string_view batch) -> Status {
            if (closed()) return Status(closed_error());
            // Markers stay (Kafka removes them once their transaction's data is gone; a marker
            // is one small batch per transaction and partition).
            if (h.control()) return out.append(batch);
            if (h.next_offset() <= log_start ||
                (h.transactional() && log.aborted(h.producer_id, h.base_offset))) {
              changed = true;
              result.records_removed += h.record_count;
              return Status{};
            }
            const std::optional<int64_t> horizon = model::delete_horizon(h);
            const bool tombstones_expire = horizon && now_ms >= *horizon;
            bool kept_tombstone = false;
            int64_t tombstones_dropped = 0;
            auto keep = [&](const model::RecordView& r) {
              if (!r.key || r.offset < log_start) return false;
              const auto latest = keys.get(*r.key);
              if (latest && *latest > r.offset) return false;
              if (r.null_value) {
                if (tombstones_expire) {
                  ++tombstones_dropped;
                  return false;
                }
                kept_tombstone = true;
              }
              return true;
            };
            KD_ASSIGN(model::FilteredBatch filtered, model::filter_batch(batch, keep));
            if (kept_tombstone && !horizon && h.base_offset < dirty_end) {
              // First clean of a tombstone: it stays readable for delete.retention.ms from now.
              tombstones_dropped = 0;
              const int64_t fresh = time_after(now_ms, config.delete_retention_ms);
              KD_ASSIGN(filtered, model::filter_batch(batch, keep, fresh));
              earliest_horizon = std::min(earliest_horizon, fresh);
            } else if (kept_tombstone && horizon) {
              earliest_horizon = std::min(earliest_horizon, *horizon);
            }
            result.records_kept += filtered.kept;
            result.records_removed += filtered.removed;
            result.tombstones_removed += tombstones_dropped;
            if (filtered.unchanged) return out.append(batch);
            changed = true;
            return filtered.bytes.empty() ? Status{} : out.append(filtered.bytes);
          }));
    }
    KD_TRY(out.flush());
    result.bytes_before += group_bytes;
    result.segments_before += end - next;
    if (!changed) {
      file.reset();
      KD_TRY(log.fs_->remove_file(cleaned_path));
      result.bytes_after += group_bytes;
      result.segments_after += end - next;
      next = end;
      continue;
    }
    KD_TRY(file->sync());
    file.reset();
    result.bytes_after += out.written();
    if (out.written() > 0) ++result.segments_after;
    // An emptied first segment must not move the log start: consumers positioned there read on
    // from the next record, as across any gap.
    if (out.written() == 0 && next == 0) {
      KD_TRY(log.persist_log_start_offset(log.log_start_offset()));
    }
    KD_TRY(log.install_cleaned(base, group_end, cleaned_path));
    next = end;
  }
  KD_TRY(log.persist_cleaner_checkpoint(dirty_end, earliest_horizon));
  result.cleaned = true;
  result.duration = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started);
  return result;
}

}  // namespace kafka_do::storage
