#include "storage/segment.hpp"

#include <algorithm>

#include "storage/segment_format.hpp"

namespace kafka_do::storage {

namespace sf = segment_format;
using model::BatchHeader;

namespace {
constexpr size_t kScanChunk = 64 * 1024;
}

Segment::Segment(std::shared_ptr<fs::FileSystem> fs, std::string dir, int64_t base_offset,
                 size_t index_interval_bytes)
    : fs_(std::move(fs)),
      dir_(std::move(dir)),
      log_path_(fs::join_path(dir_, sf::file_stem(base_offset) + std::string(sf::kLogSuffix))),
      index_path_(fs::join_path(dir_, sf::file_stem(base_offset) + std::string(sf::kIndexSuffix))),
      time_index_path_(
          fs::join_path(dir_, sf::file_stem(base_offset) + std::string(sf::kTimeIndexSuffix))),
      base_offset_(base_offset),
      index_(base_offset, index_interval_bytes),
      next_offset_(base_offset) {}

Result<std::shared_ptr<Segment>> Segment::create(std::shared_ptr<fs::FileSystem> fs,
                                                 const std::string& dir, int64_t base_offset,
                                                 size_t index_interval_bytes) {
  std::shared_ptr<Segment> seg(new Segment(std::move(fs), dir, base_offset, index_interval_bytes));
  // Stale index files of an earlier segment with the same base (after truncation) must go.
  KD_TRY(seg->fs_->remove_file(seg->index_path_));
  KD_TRY(seg->fs_->remove_file(seg->time_index_path_));
  KD_ASSIGN(seg->log_, seg->fs_->open(seg->log_path_, fs::OpenMode::create_new));
  KD_TRY(seg->fs_->sync_directory(dir));
  return seg;
}

Result<std::shared_ptr<Segment>> Segment::open(std::shared_ptr<fs::FileSystem> fs,
                                               const std::string& dir, int64_t base_offset,
                                               size_t index_interval_bytes, bool active,
                                               SegmentRecovery* recovery) {
  std::shared_ptr<Segment> seg(new Segment(std::move(fs), dir, base_offset, index_interval_bytes));
  KD_ASSIGN(seg->log_, seg->fs_->open(seg->log_path_, fs::OpenMode::read_write));
  seg->size_.store(seg->log_->size());
  if (!active) {
    auto loaded =
        seg->index_.load(*seg->fs_, seg->index_path_, seg->time_index_path_, seg->log_->size());
    if (loaded) {
      seg->next_offset_.store(loaded->next_offset);
      seg->max_timestamp_.store(loaded->max_timestamp);
      seg->sealed_.store(true);
      return seg;
    }
    // Missing or stale index: rebuild it (the scan validates every batch on the way).
  }
  KD_ASSIGN(SegmentRecovery rec, seg->recover());
  if (recovery != nullptr) *recovery = rec;
  if (!active) KD_TRY(seg->seal());
  return seg;
}

Status Segment::append(std::string_view batch, const BatchHeader& h) {
  const uint64_t position = size();
  KD_TRY(log_->append(batch));
  index_.add(h.base_offset, uint32_t(position), max_timestamp());
  if (h.max_timestamp > max_timestamp())
    max_timestamp_.store(h.max_timestamp, std::memory_order_release);
  size_.store(position + batch.size(), std::memory_order_release);
  next_offset_.store(h.next_offset(), std::memory_order_release);
  return {};
}

Status Segment::sync() { return log_->sync(); }

Status Segment::seal() {
  if (sealed()) return {};
  KD_TRY(log_->sync());
  KD_TRY(index_.seal(*fs_, index_path_, time_index_path_, next_offset(), max_timestamp()));
  sealed_.store(true, std::memory_order_release);
  return {};
}

Status Segment::remove_files() {
  KD_TRY(fs_->remove_file(log_path_));
  KD_TRY(fs_->remove_file(index_path_));
  KD_TRY(fs_->remove_file(time_index_path_));
  // Only segments that hold an abort marker have one.
  const std::string txn_index = fs::join_path(
      dir_, segment_format::file_stem(base_offset_) + std::string(segment_format::kTxnIndexSuffix));
  if (fs_->exists(txn_index)) KD_TRY(fs_->remove_file(txn_index));
  return {};
}

Status Segment::scan(uint64_t position, uint64_t limit, bool whole, const BatchVisitor& visit,
                     std::string* stop_reason) const {
  std::string buf;
  uint64_t buf_pos = position;  // file position of buf[0]
  auto ensure = [&](uint64_t from, uint64_t n) -> Status {
    if (from >= buf_pos && from + n <= buf_pos + buf.size()) return {};
    const uint64_t want = std::min<uint64_t>(std::max<uint64_t>(n, kScanChunk), limit - from);
    buf.resize(want);
    KD_ASSIGN(size_t got, log_->read_at(from, buf.data(), want));
    buf.resize(got);
    buf_pos = from;
    return {};
  };
  auto stop = [&](std::string why) {
    if (stop_reason)
      *stop_reason =
          std::move(why) + " at position " + std::to_string(position) + " of " + log_path_;
    return Status{};
  };
  while (position < limit) {
    if (limit - position < model::batch_format::kHeaderSize) return stop("incomplete batch header");
    KD_TRY(ensure(position, model::batch_format::kHeaderSize));
    if (position + model::batch_format::kHeaderSize > buf_pos + buf.size())
      return stop("short read");
    auto header = model::parse_batch_header(std::string_view(buf).substr(position - buf_pos));
    if (!header) return stop(header.error().message());
    const uint64_t total = header->total_size();
    if (position + total > limit) return stop("batch extends past the end of the log");
    std::string_view bytes;
    if (whole) {
      KD_TRY(ensure(position, total));
      if (position + total > buf_pos + buf.size()) return stop("short read");
      bytes = std::string_view(buf).substr(position - buf_pos, total);
    } else {
      bytes = std::string_view(buf).substr(position - buf_pos, model::batch_format::kHeaderSize);
    }
    if (!visit(*header, position, bytes)) return {};
    position += total;
  }
  return {};
}

Result<SegmentRecovery> Segment::recover() {
  SegmentRecovery rec;
  index_.clear();
  int64_t expected = base_offset_;
  int64_t max_ts = model::kNoTimestamp;
  uint64_t valid = 0;
  std::string reason;
  KD_TRY(scan(
      0, log_->size(), /*whole=*/true,
      [&](const BatchHeader& h, uint64_t position, std::string_view batch) {
        if (!model::crc_matches(batch)) {
          reason = "CRC mismatch in batch at offset " + std::to_string(h.base_offset) +
                   ", position " + std::to_string(position) + " of " + log_path_;
          return false;
        }
        // Offsets only grow; a compacted segment has gaps between (and inside) batches.
        if (h.base_offset < expected) {
          reason = "batch offset " + std::to_string(h.base_offset) + " where " +
                   std::to_string(expected) + " or higher was expected, position " +
                   std::to_string(position) + " of " + log_path_;
          return false;
        }
        index_.add(h.base_offset, uint32_t(position), max_ts);
        max_ts = std::max(max_ts, h.max_timestamp);
        expected = h.next_offset();
        valid = position + batch.size();
        ++rec.batches;
        return true;
      },
      &reason));
  rec.valid_bytes = valid;
  rec.truncated_bytes = log_->size() - valid;
  rec.reason = rec.truncated_bytes > 0 ? reason : std::string();
  if (rec.truncated_bytes > 0) {
    KD_TRY(log_->truncate(valid));
    KD_TRY(log_->sync());
  }
  size_.store(valid);
  next_offset_.store(expected);
  max_timestamp_.store(max_ts);
  return rec;
}

Result<std::optional<uint64_t>> Segment::find_batch(int64_t offset, uint64_t limit) const {
  const uint64_t start = index_.position_for_offset(offset);
  std::optional<uint64_t> found;
  std::string reason;
  // Offsets must grow and stay below the segment's end (base_offset is not covered by the CRC,
  // so these checks are what catches a damaged one: in a log without compaction gaps, any change
  // breaks one of them). Gaps are compaction's doing. The batch wanted is the first that ends at
  // or after `offset`: when `offset` fell into a gap, that is the next batch, which is what a
  // fetch there returns.
  int64_t expected = -1;
  const int64_t end = next_offset();
  KD_TRY(scan(
      start, limit, /*whole=*/false,
      [&](const BatchHeader& h, uint64_t position, std::string_view) {
        if (h.base_offset < expected || h.last_offset() >= end) {
          reason = "batch at position " + std::to_string(position) + " of " + log_path_ +
                   " has offset " + std::to_string(h.base_offset) + " outside [" +
                   std::to_string(std::max(expected, base_offset_)) + ", " + std::to_string(end) +
                   ")";
          return false;
        }
        if (h.last_offset() >= offset) {
          found = position;
          return false;
        }
        expected = h.next_offset();
        return true;
      },
      &reason));
  if (!found && !reason.empty()) return Error(Errc::corruption, reason);
  return found;
}

Result<std::string> Segment::read(uint64_t position, size_t max_bytes, uint64_t limit,
                                  int64_t end_offset, bool first_may_exceed) const {
  using model::batch_format::kHeaderSize;
  auto corrupt = [&](const std::string& what, uint64_t at) {
    return Error(Errc::corruption,
                 what + " at position " + std::to_string(at) + " of " + log_path_);
  };
  if (position + kHeaderSize > limit) return std::string();
  // The first batch is returned whole even when it is larger than max_bytes.
  std::string out(kHeaderSize, '\0');
  KD_ASSIGN(size_t got, log_->read_at(position, out.data(), kHeaderSize));
  if (got < kHeaderSize) return corrupt("short read", position);
  auto parsed = model::parse_batch_header(out);
  if (!parsed) return corrupt(parsed.error().message(), position);
  const BatchHeader first = *parsed;
  if (first.base_offset >= end_offset) return std::string();
  const size_t first_size = first.total_size();
  if (position + first_size > limit) return std::string();
  if (!first_may_exceed && first_size > max_bytes) return std::string();
  // Read the first batch and, in the same call, as many following bytes as max_bytes allows.
  const uint64_t window = std::min<uint64_t>(std::max(max_bytes, first_size), limit - position);
  out.resize(window);
  KD_ASSIGN(got,
            log_->read_at(position + kHeaderSize, out.data() + kHeaderSize, window - kHeaderSize));
  out.resize(kHeaderSize + got);
  if (out.size() < first_size) return corrupt("short read", position);
  if (!model::crc_matches(std::string_view(out).substr(0, first_size))) {
    return corrupt("CRC mismatch in batch at offset " + std::to_string(first.base_offset),
                   position);
  }
  // Keep the whole, valid, visible batches that follow; a bad one ends the read (the next read,
  // starting there, reports it).
  size_t used = first_size;
  int64_t expected = first.next_offset();
  const int64_t segment_end = next_offset();
  while (out.size() - used >= kHeaderSize) {
    auto h = model::parse_batch_header(std::string_view(out).substr(used));
    if (!h || h->base_offset < expected || h->base_offset >= end_offset ||
        h->last_offset() >= segment_end || used + h->total_size() > out.size())
      break;
    expected = h->next_offset();
    if (!model::crc_matches(std::string_view(out).substr(used, h->total_size()))) break;
    used += h->total_size();
  }
  out.resize(used);
  return out;
}

Result<std::optional<int64_t>> Segment::find_offset_for_timestamp(int64_t timestamp,
                                                                  uint64_t limit) const {
  const int64_t start_offset = index_.scan_start_for_timestamp(timestamp);
  const uint64_t start = index_.position_for_offset(start_offset);
  std::optional<int64_t> found;
  Status inner;
  std::string reason;
  KD_TRY(scan(
      start, limit, /*whole=*/false,
      [&](const BatchHeader& h, uint64_t position, std::string_view) {
        if (h.last_offset() < start_offset || h.max_timestamp < timestamp) return true;
        // This batch holds the first record at or after `timestamp`: find it.
        std::string batch(h.total_size(), '\0');
        auto n = log_->read_at(position, batch.data(), batch.size());
        if (!n || *n != batch.size()) {
          inner = Error(Errc::io_error, "short read in " + log_path_);
          return false;
        }
        auto positions = model::record_positions(batch);
        if (!positions) {
          inner = positions.error();
          return false;
        }
        for (const auto& p : *positions) {
          if (p.timestamp >= timestamp) {
            found = p.offset;
            return false;
          }
        }
        return true;  // max_timestamp said yes but no record did (control data): go on
      },
      &reason));
  KD_TRY(inner);
  return found;
}

Status Segment::for_each_batch(
    const std::function<Status(const model::BatchHeader&, std::string_view)>& visit) const {
  std::string stop_reason;
  Status inner;
  KD_TRY(scan(
      0, size(), /*whole=*/true,
      [&](const model::BatchHeader& h, uint64_t, std::string_view batch) {
        inner = visit(h, batch);
        return bool(inner);
      },
      &stop_reason));
  KD_TRY(inner);
  if (!stop_reason.empty()) return Error(Errc::corruption, stop_reason);
  return {};
}

Status Segment::for_each_batch_header(
    const std::function<void(const model::BatchHeader&)>& visit) const {
  std::string stop_reason;
  return scan(
      0, size(), false,
      [&](const model::BatchHeader& h, uint64_t, std::string_view) {
        visit(h);
        return true;
      },
      &stop_reason);
}

}  // namespace kafka_do::storage
