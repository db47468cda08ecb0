#include "storage/segment_index.hpp"

#include <algorithm>

#include "base/coding.hpp"
#include "model/record_batch.hpp"
#include "storage/segment_format.hpp"

namespace kafka_do::storage {

using segment_format::kOffsetEntrySize;
using segment_format::kTimeEntrySize;

void SegmentIndex::add(int64_t offset, uint32_t position, int64_t max_timestamp_before) {
  std::lock_guard lock(mu_);
  if (has_last_ && position - last_position_ < interval_bytes_) return;
  const auto relative = uint32_t(offset - base_offset_);
  offsets_.push_back({relative, position});
  if (max_timestamp_before != model::kNoTimestamp &&
      (times_.empty() || max_timestamp_before > times_.back().timestamp)) {
    times_.push_back({max_timestamp_before, relative});
  }
  last_position_ = position;
  has_last_ = true;
}

size_t SegmentIndex::offset_count() const {
  return offset_map_ ? offset_map_->data().size() / kOffsetEntrySize : offsets_.size();
}

size_t SegmentIndex::time_count() const {
  return time_map_ ? time_map_->data().size() / kTimeEntrySize : times_.size();
}

SegmentIndex::OffsetEntry SegmentIndex::offset_entry(size_t i) const {
  if (!offset_map_) return offsets_[i];
  const char* p = offset_map_->data().data() + i * kOffsetEntrySize;
  return {get_be32(p), get_be32(p + 4)};
}

SegmentIndex::TimeEntry SegmentIndex::time_entry(size_t i) const {
  if (!time_map_) return times_[i];
  const char* p = time_map_->data().data() + i * kTimeEntrySize;
  return {int64_t(get_be64(p)), get_be32(p + 8)};
}

uint32_t SegmentIndex::position_for_offset(int64_t offset) const {
  std::lock_guard lock(mu_);
  if (offset < base_offset_) return 0;
  const int64_t relative = offset - base_offset_;
  // Binary search for the last entry with relative_offset <= relative.
  size_t lo = 0, hi = offset_count();
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (int64_t(offset_entry(mid).relative_offset) <= relative) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo == 0 ? 0 : offset_entry(lo - 1).position;
}

int64_t SegmentIndex::scan_start_for_timestamp(int64_t timestamp) const {
  std::lock_guard lock(mu_);
  // Entries are strictly increasing in timestamp: find the last one below `timestamp`.
  size_t lo = 0, hi = time_count();
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (time_entry(mid).timestamp < timestamp) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo == 0 ? base_offset_ : base_offset_ + time_entry(lo - 1).relative_offset;
}

Status SegmentIndex::seal(fs::FileSystem& fs, const std::string& index_path,
                          const std::string& time_index_path, int64_t next_offset,
                          int64_t max_timestamp) {
  std::lock_guard lock(mu_);
  if (offset_map_) return {};  // already sealed
  std::string offsets;
  offsets.reserve(offsets_.size() * kOffsetEntrySize);
  ByteWriter ow(offsets);
  for (const auto& e : offsets_) {
    ow.u32(e.relative_offset);
    ow.u32(e.position);
  }
  std::string times;
  times.reserve((times_.size() + 1) * kTimeEntrySize);
  ByteWriter tw(times);
  for (const auto& e : times_) {
    tw.i64(e.timestamp);
    tw.u32(e.relative_offset);
  }
  // The end entry goes to the file only: a failed seal leaves the entries as they were, so a
  // retry does not write it twice (which load() would refuse).
  tw.i64(max_timestamp);
  tw.u32(uint32_t(next_offset - base_offset_));
  for (const auto& [path, bytes] :
       {std::pair{&index_path, &offsets}, std::pair{&time_index_path, &times}}) {
    KD_TRY(fs.remove_file(*path));
    KD_ASSIGN(auto file, fs.open(*path, fs::OpenMode::create_new));
    KD_TRY(file->append(*bytes));
    KD_TRY(file->sync());
  }
  KD_ASSIGN(auto offset_file, fs.open(index_path, fs::OpenMode::read_only));
  KD_ASSIGN(auto time_file, fs.open(time_index_path, fs::OpenMode::read_only));
  KD_ASSIGN(offset_map_, offset_file->map());
  KD_ASSIGN(time_map_, time_file->map());
  // Swapped out, not cleared: `= {}` keeps the capacity, and a sealed index must not cost heap.
  std::vector<OffsetEntry>().swap(offsets_);
  std::vector<TimeEntry>().swap(times_);
  return {};
}

Result<SegmentIndex::Loaded> SegmentIndex::load(fs::FileSystem& fs, const std::string& index_path,
                                                const std::string& time_index_path,
                                                uint64_t log_size) {
  KD_ASSIGN(auto offset_file, fs.open(index_path, fs::OpenMode::read_only));
  KD_ASSIGN(auto time_file, fs.open(time_index_path, fs::OpenMode::read_only));
  if (offset_file->size() % kOffsetEntrySize != 0 || time_file->size() % kTimeEntrySize != 0) {
    return Error(Errc::corruption, "index " + index_path + " has a partial entry");
  }
  KD_ASSIGN(auto offset_map, offset_file->map());
  KD_ASSIGN(auto time_map, time_file->map());
  // Validate: positions and offsets strictly increasing, positions inside the log.
  const std::string_view od = offset_map->data();
  int64_t prev_offset = -1, prev_position = -1;
  for (size_t i = 0; i + kOffsetEntrySize <= od.size(); i += kOffsetEntrySize) {
    const int64_t rel = get_be32(od.data() + i);
    const int64_t pos = get_be32(od.data() + i + 4);
    if (rel <= prev_offset || pos <= prev_position || uint64_t(pos) >= log_size) {
      return Error(Errc::corruption, "index " + index_path + " is stale or corrupt");
    }
    prev_offset = rel;
    prev_position = pos;
  }
  // Time entries: timestamps non-decreasing, offsets increasing, the last one the end sentinel.
  const std::string_view td = time_map->data();
  int64_t prev_ts = INT64_MIN, prev_rel = -1;
  for (size_t i = 0; i + kTimeEntrySize <= td.size(); i += kTimeEntrySize) {
    const auto ts = int64_t(get_be64(td.data() + i));
    const int64_t rel = get_be32(td.data() + i + 8);
    if (ts < prev_ts || rel <= prev_rel) {
      return Error(Errc::corruption, "time index " + time_index_path + " is stale or corrupt");
    }
    prev_ts = ts;
    prev_rel = rel;
  }
  if (td.empty() || prev_rel <= prev_offset) {
    return Error(Errc::corruption, "time index " + time_index_path + " lacks its end entry");
  }
  std::lock_guard lock(mu_);
  offset_map_ = std::move(offset_map);
  time_map_ = std::move(time_map);
  std::vector<OffsetEntry>().swap(offsets_);
  std::vector<TimeEntry>().swap(times_);
  has_last_ = prev_position >= 0;
  last_position_ = uint32_t(std::max<int64_t>(prev_position, 0));
  return Loaded{base_offset_ + prev_rel, prev_ts};
}

void SegmentIndex::truncate_to_position(uint32_t position) {
  std::lock_guard lock(mu_);
  while (!offsets_.empty() && offsets_.back().position >= position) {
    const uint32_t rel = offsets_.back().relative_offset;
    offsets_.pop_back();
    while (!times_.empty() && times_.back().relative_offset >= rel) times_.pop_back();
  }
  has_last_ = !offsets_.empty();
  last_position_ = has_last_ ? offsets_.back().position : 0;
}

void SegmentIndex::clear() {
  std::lock_guard lock(mu_);
  offsets_.clear();
  times_.clear();
  offset_map_.reset();
  time_map_.reset();
  has_last_ = false;
  last_position_ = 0;
}

size_t SegmentIndex::entry_count() const {
  std::lock_guard lock(mu_);
  return offset_count();
}

size_t SegmentIndex::memory_bytes() const {
  std::lock_guard lock(mu_);
  return offsets_.capacity() * sizeof(OffsetEntry) + times_.capacity() * sizeof(TimeEntry);
}

}  // namespace kafka_do::storage
