#include "storage/partition_log.hpp"

#include <algorithm>
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <optional>

#include "model/record_batch.hpp"
#include "storage/record_age.hpp"
#include "storage/segment_format.hpp"
#include "storage/txn_index.hpp"

namespace kafka_do::storage {

namespace sf = segment_format;

namespace {
// Compaction keeps the latest record per key, so a compacted topic refuses records without one
// (as Kafka does).
Status require_keys(std::string_view batch, const std::string& topic) {
  int64_t keyless = -1;
  KD_TRY(model::for_each_record(batch, [&](const model::RecordView& r) {
    if (!r.key && keyless < 0) keyless = r.offset_delta;
  }));
  if (keyless < 0) return {};
  return Error(Errc::invalid_record, "compacted topic " + topic +
                                         " cannot accept a record without a key (record " +
                                         std::to_string(keyless) + " of the batch)");
}

int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

PartitionLog::PartitionLog(std::shared_ptr<fs::FileSystem> fs, std::string dir, std::string topic,
                           int32_t partition, TopicConfig config, LogOptions options)
    : fs_(std::move(fs)),
      dir_(std::move(dir)),
      topic_(std::move(topic)),
      partition_(partition),
      options_(options),
      config_(std::move(config)) {}

PartitionLog::~PartitionLog() { ignore_error(close()); }

Result<std::shared_ptr<PartitionLog>> PartitionLog::open(std::shared_ptr<fs::FileSystem> fs,
                                                         std::string dir, std::string topic,
                                                         int32_t partition, TopicConfig config,
                                                         LogOptions options,
                                                         std::vector<std::string>* report) {
  std::shared_ptr<PartitionLog> log(new PartitionLog(
      std::move(fs), std::move(dir), std::move(topic), partition, std::move(config), options));
  KD_TRY(log->load(report));
  return log;
}

static Result<int64_t> read_offset_file(fs::FileSystem& fs, const std::string& path) {
  KD_ASSIGN(auto stored, fs::read_file(fs, path));
  int64_t v = -1;
  const auto [end, ec] = std::from_chars(stored.data(), stored.data() + stored.size(), v);
  if (ec != std::errc() || end != stored.data() + stored.size() || v < 0)
    return Error(Errc::corruption, path + " does not hold an offset");
  return v;
}

Status PartitionLog::load(std::vector<std::string>* report) {
  KD_TRY(fs_->create_directories(dir_));
  const std::string where = topic_ + "-" + std::to_string(partition_);
  // An interrupted cleaning pass: a log still being written is discarded; a swap that was
  // committed (renamed to .swap) is completed, so old and cleaned segments never both survive.
  {
    KD_ASSIGN(auto names, fs_->list(dir_));
    for (const auto& name : names) {
      int64_t base = 0, end = 0;
      if (sf::parse_file_name(name, sf::kCleanedSuffix) >= 0) {
        KD_TRY(fs_->remove_file(fs::join_path(dir_, name)));
        if (report != nullptr) report->push_back(where + ": discarded unfinished " + name);
      } else if (sf::parse_swap_file_name(name, &base, &end)) {
        KD_TRY(complete_swap(base, end));
        if (report != nullptr) report->push_back(where + ": completed interrupted swap " + name);
      }
    }
  }
  KD_ASSIGN(auto names, fs_->list(dir_));
  std::vector<int64_t> bases;
  for (const auto& name : names) {
    const int64_t base = sf::parse_file_name(name, sf::kLogSuffix);
    if (base >= 0) bases.push_back(base);
  }
  std::sort(bases.begin(), bases.end());
  for (size_t i = 0; i < bases.size(); ++i) {
    const bool active = i + 1 == bases.size();
    SegmentRecovery rec;
    KD_ASSIGN(auto seg,
              Segment::open(fs_, dir_, bases[i], options_.index_interval_bytes, active, &rec));
    if (rec.truncated_bytes > 0 && report != nullptr) {
      report->push_back(where + ": truncated " + std::to_string(rec.truncated_bytes) + " bytes (" +
                        rec.reason + ")");
    }
    if (!segments_.empty() && seg->base_offset() < segments_.back()->next_offset()) {
      // Segments overlap: a sealed segment's index or log disagrees with its successor. Keep
      // serving what is intact; report it. (A gap is normal: compaction leaves them.)
      if (report != nullptr) {
        report->push_back(where + ": segment " + seg->log_path() + " starts at " +
                          std::to_string(seg->base_offset()) +
                          " but the previous segment ends at " +
                          std::to_string(segments_.back()->next_offset()));
      }
    }
    if (seg->empty() && !active) {
      KD_TRY(seg->remove_files());  // a sealed empty segment carries nothing
      continue;
    }
    segments_.push_back(std::move(seg));
  }
  if (segments_.empty()) {
    KD_ASSIGN(auto seg, Segment::create(fs_, dir_, 0, options_.index_interval_bytes));
    segments_.push_back(std::move(seg));
  } else if (segments_.back()->sealed()) {
    // The last segment was sealed (e.g. an empty active one was dropped): start a new one.
    KD_ASSIGN(auto seg, Segment::create(fs_, dir_, segments_.back()->next_offset(),
                                        options_.index_interval_bytes));
    segments_.push_back(std::move(seg));
  }
  next_offset_ = segments_.back()->next_offset();
  // Producer state: the snapshot taken when the active segment was created, then the active
  // segment's batches. A missing or damaged snapshot only costs duplicate detection for
  // producers last seen before this segment (they count as new).
  const std::string snapshot = fs::join_path(dir_, sf::file_stem(segments_.back()->base_offset()) +
                                                       std::string(sf::kProducerSnapshotSuffix));
  if (fs_->exists(snapshot)) {
    auto bytes = fs::read_file(*fs_, snapshot);
    auto table =
        bytes ? ProducerStateTable::decode(*bytes) : Result<ProducerStateTable>(bytes.error());
    if (table) {
      producers_ = std::move(*table);
    } else if (report != nullptr) {
      report->push_back(where + ": ignored " + snapshot + " (" + table.error().message() + ")");
    }
  }
  // Whole batches, not headers: a marker's type (commit or abort) is in its record.
  std::vector<AbortedTxn> active_aborted;
  KD_TRY(segments_.back()->for_each_batch(
      [&](const model::BatchHeader& h, std::string_view batch) -> Status {
        if (ProducerStateTable::tracks(h)) {
          producers_.record(h);
        } else if (h.control() && h.producer_id >= 0) {
          auto type = model::control_type(batch);
          const CompletedTxn done =
              producers_.complete(h.producer_id, h.producer_epoch, h.base_offset, h.max_timestamp);
          if (type && *type == model::ControlType::abort && done.first_offset >= 0) {
            active_aborted.push_back({.producer_id = h.producer_id,
                                      .first_offset = done.first_offset,
                                      .last_offset = h.base_offset,
                                      .last_stable_offset = h.next_offset()});
          }
        }
        return Status{};
      }));
  // Aborted transactions: the sealed segments' index files as written, the active segment's
  // rebuilt from the batches just replayed (its file may be short after a crash).
  for (size_t i = 0; i + 1 < segments_.size(); ++i) {
    const std::string path = txn_index_path(segments_[i]->base_offset());
    if (!fs_->exists(path)) continue;
    auto entries = txn_index::read(*fs_, path);
    if (!entries) {
      if (report != nullptr)
        report->push_back(where + ": ignored " + path + " (" + entries.error().message() + ")");
      continue;
    }
    aborted_.insert(aborted_.end(), entries->begin(), entries->end());
  }
  {
    const std::string path = txn_index_path(segments_.back()->base_offset());
    if (!active_aborted.empty()) {
      KD_TRY(fs::write_file_atomically(*fs_, path, txn_index::encode(active_aborted)));
    } else if (fs_->exists(path)) {
      KD_TRY(fs_->remove_file(path));
    }
    aborted_.insert(aborted_.end(), active_aborted.begin(), active_aborted.end());
  }
  std::sort(aborted_.begin(), aborted_.end(),
            [](const AbortedTxn& a, const AbortedTxn& b) { return a.last_offset < b.last_offset; });
  for (int64_t first : producers_.open_transactions()) unstable_[first] = INT64_MAX;
  written_offset_ = next_offset_;
  durable_offset_ = next_offset_;
  high_watermark_ = next_offset_;

  // The log start is the stored one when there is one (DeleteRecords, retention and the cleaner
  // write it whenever they move past the first segment), else the first segment's base.
  int64_t start = segments_.front()->base_offset();
  const std::string start_file = fs::join_path(dir_, sf::kLogStartOffsetFile);
  if (fs_->exists(start_file)) {
    auto stored = read_offset_file(*fs_, start_file);
    if (stored) {
      start = std::min(*stored, next_offset_);
    } else if (report != nullptr) {
      report->push_back(where + ": ignored " + start_file + " (" + stored.error().message() + ")");
    }
  }
  log_start_offset_ = start;
  // "<checkpoint> <earliest delete horizon>\n"; a missing or damaged file only costs a full
  // pass (everything counts as dirty).
  int64_t checkpoint = start;
  const std::string checkpoint_file = fs::join_path(dir_, sf::kCleanerCheckpointFile);
  if (fs_->exists(checkpoint_file)) {
    auto stored = fs::read_file(*fs_, checkpoint_file);
    int64_t offset = -1, horizon = INT64_MAX;
    if (stored && std::sscanf(stored->c_str(), "%" SCNd64 " %" SCNd64, &offset, &horizon) >= 1 &&
        offset >= 0) {
      checkpoint = std::clamp(offset, start, next_offset_);
      earliest_delete_horizon_ = horizon;
    }
  }
  cleaner_checkpoint_ = checkpoint;
  return {};
}

std::shared_ptr<Segment> PartitionLog::active_segment() const {
  std::lock_guard lock(segments_mu_);
  return segments_.back();
}

std::array<std::shared_ptr<Segment>, 2> PartitionLog::segments_at(int64_t offset) const {
  std::lock_guard lock(segments_mu_);
  auto it = std::upper_bound(
      segments_.begin(), segments_.end(), offset,
      [](int64_t o, const std::shared_ptr<Segment>& s) { return o < s->base_offset(); });
  if (it == segments_.begin()) return {*it, nullptr};
  return {*std::prev(it), it == segments_.end() ? nullptr : *it};
}

Result<AppendResult> PartitionLog::append(std::span<char> batch, const AppendOptions& options) {
  const std::string_view bytes(batch.data(), batch.size());
  TopicConfig config = this->config();
  if (bytes.size() > size_t(config.max_message_bytes)) {
    return Error(Errc::too_large, "record batch of " + std::to_string(bytes.size()) +
                                      " bytes is over max.message.bytes (" +
                                      std::to_string(config.max_message_bytes) + ") of topic " +
                                      topic_);
  }
  KD_TRY(model::validate_batch(bytes, options.validate_records,
                               4 * size_t(std::max(config.max_message_bytes, 1 << 20))));

  KD_ASSIGN(const model::BatchHeader incoming, model::parse_batch_header(bytes));
  if (incoming.control()) {
    return Error(Errc::invalid_record,
                 "control batches (transaction markers) are written by the transaction "
                 "coordinator, not by producers");
  }
  if (incoming.transactional() && incoming.producer_id < 0) {
    return Error(Errc::invalid_record, "transactional batch without a producer id");
  }
  if (config.compacts()) KD_TRY(require_keys(bytes, topic_));
  const bool tracked = ProducerStateTable::tracks(incoming);

  AppendResult result;
  int64_t next;
  {
    std::lock_guard lock(append_mu_);
    KD_TRY(check_writable_locked());
    std::optional<ProducerBatch> original;
    if (tracked) {
      KD_ASSIGN(original, producers_.check(incoming));
    }
    if (original) {
      result.base_offset = original->base_offset;
      result.last_offset = original->last_offset;
      result.duplicate = true;
      next = original->last_offset + 1;
    } else {
      KD_ASSIGN(model::BatchHeader h, write_locked(batch, config, result));
      if (tracked && producers_.record(h)) {
        // Opened a transaction: it holds the last stable offset before it becomes visible.
        std::lock_guard txn(txn_mu_);
        unstable_[h.base_offset] = INT64_MAX;
      }
      next = next_offset_;
      if (options_.flush_policy != FlushPolicy::every_batch) publish(next);
    }
  }
  // A duplicate's original may still be on its way to disk: it is answered once durable too.
  if (!options.defer_durability) KD_TRY(make_durable(next));
  result.log_start_offset = log_start_offset();
  return result;
}

Status PartitionLog::make_durable(int64_t next_offset) {
  if (options_.flush_policy != FlushPolicy::every_batch) return {};
  return sync_to(next_offset);
}

Status PartitionLog::check_writable_locked() const {
  if (closed_)
    return Error(Errc::closed,
                 "partition " + topic_ + "-" + std::to_string(partition_) + " is closed");
  if (failed_)
    return Error(Errc::io_error, "partition " + topic_ + "-" + std::to_string(partition_) +
                                     " failed an earlier write");
  return {};
}

Result<model::BatchHeader> PartitionLog::write_locked(std::span<char> batch,
                                                      const TopicConfig& config,
                                                      AppendResult& result) {
  const std::string_view bytes(batch.data(), batch.size());
  KD_TRY(maybe_roll(bytes.size(), config));
  model::set_base_offset(batch.data(), next_offset_);
  if (config.log_append_time()) {
    result.log_append_time = wall_clock_ms();
    model::set_log_append_time(batch.data(), batch.size(), result.log_append_time);
  }
  KD_ASSIGN(model::BatchHeader h, model::parse_batch_header(bytes));
  // A copy, taken under segments_mu_: retention and the cleaner reshape the list (never its
  // last element: only rolls, under append_mu_, change that) while appends run.
  const auto active = active_segment();
  const uint64_t before = active->size();
  auto written = active->append(bytes, h);
  if (!written) {
    // Undo a partial write so the next batch does not land after garbage.
    auto& file_error = written.error();
    auto repaired = active->recover();
    if (!repaired || repaired->valid_bytes != before) failed_ = true;
    return file_error;
  }
  result.base_offset = h.base_offset;
  result.last_offset = h.last_offset();
  next_offset_ = h.next_offset();
  written_offset_.store(next_offset_, std::memory_order_release);
  dirty_.store(true, std::memory_order_relaxed);
  return h;
}

Result<AppendResult> PartitionLog::append_marker(const model::TransactionMarker& marker) {
  const int64_t now = wall_clock_ms();
  KD_ASSIGN(std::string batch, model::build_marker_batch(marker, now));
  const TopicConfig config = this->config();
  AppendResult result;
  int64_t next;
  {
    std::lock_guard lock(append_mu_);
    KD_TRY(check_writable_locked());
    KD_TRY(producers_.check_marker(marker.producer_id, marker.producer_epoch));
    KD_ASSIGN(model::BatchHeader h, write_locked(batch, config, result));
    const CompletedTxn done =
        producers_.complete(marker.producer_id, marker.producer_epoch, h.base_offset, now);
    if (done.first_offset >= 0) {
      std::optional<AbortedTxn> entry;
      {
        std::lock_guard txn(txn_mu_);
        unstable_[done.first_offset] = h.base_offset;
        // Transactions whose markers are visible no longer matter.
        const int64_t hwm = high_watermark();
        for (auto it = unstable_.begin(); it != unstable_.end();) {
          it = it->second < hwm ? unstable_.erase(it) : std::next(it);
        }
        if (marker.type == model::ControlType::abort) {
          int64_t lso = h.next_offset();
          for (const auto& [first, at] : unstable_) {
            if (at == INT64_MAX) lso = std::min(lso, first);
          }
          entry = AbortedTxn{.producer_id = marker.producer_id,
                             .first_offset = done.first_offset,
                             .last_offset = h.base_offset,
                             .last_stable_offset = lso};
          aborted_.push_back(*entry);
        }
      }
      // Recovery rebuilds the active segment's file from the log, so a failed write here costs
      // nothing once the partition reopens; the in-memory index is already right.
      if (entry) {
        KD_TRY(txn_index::append(*fs_, txn_index_path(active_segment()->base_offset()), *entry));
      }
    }
    next = next_offset_;
    if (options_.flush_policy != FlushPolicy::every_batch) publish(next);
  }
  if (options_.flush_policy == FlushPolicy::every_batch) KD_TRY(sync_to(next));
  result.log_start_offset = log_start_offset();
  return result;
}

int64_t PartitionLog::last_stable_offset() const {
  const int64_t hwm = high_watermark();
  std::lock_guard lock(txn_mu_);
  for (const auto& [first, marker] : unstable_) {  // by first offset
    if (marker >= hwm) return std::min(first, hwm);
  }
  return hwm;
}

std::vector<AbortedTxn> PartitionLog::aborted_transactions(int64_t from, int64_t to) const {
  const int64_t hwm = high_watermark();
  std::vector<AbortedTxn> out;
  std::lock_guard lock(txn_mu_);
  auto it = std::lower_bound(aborted_.begin(), aborted_.end(), from,
                             [](const AbortedTxn& e, int64_t o) { return e.last_offset < o; });
  for (; it != aborted_.end() && it->last_offset < hwm; ++it) {
    if (it->first_offset < to) out.push_back(*it);
  }
  // By first offset: kafkajs walks the list in order and would keep the records of an aborted
  // transaction that began before one whose marker came first (the Java client and librdkafka
  // sort it themselves).
  std::sort(out.begin(), out.end(), [](const AbortedTxn& a, const AbortedTxn& b) {
    return a.first_offset < b.first_offset;
  });
  return out;
}

bool PartitionLog::aborted(int64_t producer_id, int64_t offset) const {
  std::lock_guard lock(txn_mu_);
  auto it = std::lower_bound(aborted_.begin(), aborted_.end(), offset,
                             [](const AbortedTxn& e, int64_t o) { return e.last_offset < o; });
  for (; it != aborted_.end(); ++it) {
    if (it->producer_id == producer_id && it->first_offset <= offset) return true;
  }
  return false;
}

size_t PartitionLog::expire_producers(int64_t now_ms) {
  std::lock_guard lock(append_mu_);
  return producers_.expire(now_ms, options_.producer_id_expiration.count());
}

std::string PartitionLog::txn_index_path(int64_t base) const {
  return fs::join_path(dir_, sf::file_stem(base) + std::string(sf::kTxnIndexSuffix));
}

void PartitionLog::prune_aborted_before(int64_t offset) {
  std::lock_guard lock(txn_mu_);
  std::erase_if(aborted_, [&](const AbortedTxn& e) { return e.last_offset < offset; });
}

Status PartitionLog::maybe_roll(size_t incoming_bytes, const TopicConfig& config) {
  const auto active = active_segment();
  if (active->empty()) return {};
  const bool full = active->size() + incoming_bytes > uint64_t(config.segment_bytes);
  const bool old = std::chrono::steady_clock::now() - active->created() >=
                   std::chrono::milliseconds(config.segment_ms);
  // Relative offsets in the index are 32-bit.
  const bool offsets_exhausted = next_offset_ - active->base_offset() > INT32_MAX - 1'000'000;
  if (full || old || offsets_exhausted) return roll_locked();
  return {};
}

Status PartitionLog::roll_locked() {
  auto active = active_segment();
  if (active->empty()) return {};
  KD_TRY(active->seal());  // syncs the log: everything before the new segment is durable
  if (fs_->exists(txn_index_path(active->base_offset()))) {
    KD_ASSIGN(auto index,
              fs_->open(txn_index_path(active->base_offset()), fs::OpenMode::read_write));
    KD_TRY(index->sync());
  }
  KD_TRY(snapshot_producers(next_offset_, active->base_offset()));
  KD_ASSIGN(auto fresh, Segment::create(fs_, dir_, next_offset_, options_.index_interval_bytes));
  {
    std::lock_guard lock(segments_mu_);
    segments_.push_back(std::move(fresh));
  }
  return {};
}

Status PartitionLog::snapshot_producers(int64_t base_offset, int64_t previous_base) {
  const auto path = [&](int64_t base) {
    return fs::join_path(dir_, sf::file_stem(base) + std::string(sf::kProducerSnapshotSuffix));
  };
  if (producers_.producer_count() > 0) {
    KD_TRY(fs::write_file_atomically(*fs_, path(base_offset), producers_.encode()));
  }
  // Only the latest snapshot is ever read.
  if (fs_->exists(path(previous_base))) KD_TRY(fs_->remove_file(path(previous_base)));
  return {};
}

Status PartitionLog::roll() {
  std::lock_guard lock(append_mu_);
  if (closed_) return Error(Errc::closed, "partition is closed");
  return roll_locked();
}

Status PartitionLog::sync_to(int64_t target) {
  std::unique_lock lock(sync_mu_);
  while (durable_offset_ < target) {
    if (sync_in_progress_) {
      sync_cv_.wait(lock);
      continue;
    }
    // Lead a sync covering every write so far; later arrivals wait for it or lead the next.
    sync_in_progress_ = true;
    const int64_t goal = written_offset_.load(std::memory_order_acquire);
    auto segment = active_segment();
    lock.unlock();
    Status synced = segment->sync();
    lock.lock();
    sync_in_progress_ = false;
    if (!synced) {
      sync_cv_.notify_all();
      return synced;
    }
    durable_offset_ = std::max(durable_offset_, goal);
    publish(durable_offset_);
    sync_cv_.notify_all();
  }
  return {};
}

void PartitionLog::publish(int64_t high_watermark) {
  int64_t current = high_watermark_.load(std::memory_order_relaxed);
  while (current < high_watermark && !high_watermark_.compare_exchange_weak(
                                         current, high_watermark, std::memory_order_release)) {
  }
  {
    std::lock_guard lock(wait_mu_);  // pairs with wait_for_data's predicate check
  }
  wait_cv_.notify_all();
  std::lock_guard lock(listeners_mu_);
  for (auto& [id, fn] : listeners_) fn(high_watermark);
}

Result<ReadResult> PartitionLog::read(int64_t offset, size_t max_bytes, bool first_may_exceed,
                                      Isolation isolation) const {
  // The segments first, the high watermark after: every record the view holds below the
  // watermark is then readable. The other order loses a race with the cleaner: between reading
  // the watermark and the segment list, appends past it can supersede everything below it, and
  // a pass that removes those segments leaves nothing below the (stale) watermark to return.
  const auto view = segments_at(offset);
  ReadResult result;
  result.high_watermark = high_watermark();
  result.last_stable_offset = std::min(last_stable_offset(), result.high_watermark);
  result.log_start_offset = log_start_offset();
  if (offset < result.log_start_offset || offset > result.high_watermark) {
    return Error(Errc::out_of_range, "offset " + std::to_string(offset) + " is outside [" +
                                         std::to_string(result.log_start_offset) + ", " +
                                         std::to_string(result.high_watermark) + "] of " + topic_ +
                                         "-" + std::to_string(partition_));
  }
  const bool committed = isolation == Isolation::read_committed;
  const int64_t end = committed ? result.last_stable_offset : result.high_watermark;
  if (offset >= end) return result;
  // The first batch that ends at or after `offset`: in the segment that covers it or, past that
  // segment's last batch (a compaction gap), the first of the next one. Both come from one view
  // of the segment list, which the cleaner may change between two reads.
  for (const auto& segment : view) {
    if (segment == nullptr || segment->base_offset() >= end) break;
    const uint64_t limit = segment->size();
    KD_ASSIGN(auto position, segment->find_batch(offset, limit));
    if (position) {
      KD_ASSIGN(result.records, segment->read(*position, max_bytes, limit, end, first_may_exceed));
      break;
    }
  }
  if (committed && !result.records.empty()) result.aborted = aborted_transactions(offset, end);
  return result;
}

Result<int64_t> PartitionLog::for_each_batch(
    int64_t from, const std::function<Status(const model::BatchHeader&, std::string_view)>& visit,
    size_t chunk_bytes) const {
  int64_t offset = std::max(from, log_start_offset());
  const int64_t end = high_watermark();
  while (offset < end) {
    KD_ASSIGN(ReadResult chunk, read(offset, chunk_bytes));
    if (chunk.records.empty()) break;
    const int64_t before = offset;
    KD_TRY(model::for_each_batch(
        chunk.records, [&](const model::BatchHeader& header, std::string_view batch) -> Status {
          if (header.next_offset() <= offset) return {};
          KD_TRY(visit(header, batch));
          offset = header.next_offset();
          return {};
        }));
    if (offset == before) break;  // nothing whole in the chunk
  }
  return offset;
}

Result<std::optional<int64_t>> PartitionLog::offset_for_timestamp(int64_t timestamp) const {
  std::vector<std::shared_ptr<Segment>> segments;
  {
    std::lock_guard lock(segments_mu_);
    segments = segments_;
  }
  const int64_t start = log_start_offset();
  const int64_t hwm = high_watermark();
  for (const auto& seg : segments) {
    if (seg->next_offset() <= start) continue;
    if (seg->max_timestamp() < timestamp) continue;  // nothing at or after `timestamp` here
    KD_ASSIGN(auto found, seg->find_offset_for_timestamp(timestamp, seg->size()));
    if (found && *found < hwm) return std::optional<int64_t>(std::max(*found, start));
  }
  return std::optional<int64_t>();
}

uint64_t PartitionLog::size_bytes() const {
  std::lock_guard lock(segments_mu_);
  uint64_t total = 0;
  for (const auto& s : segments_) total += s->size();
  return total;
}

size_t PartitionLog::segment_count() const {
  std::lock_guard lock(segments_mu_);
  return segments_.size();
}

size_t PartitionLog::index_memory_bytes() const {
  std::lock_guard lock(segments_mu_);
  size_t total = 0;
  for (const auto& s : segments_) total += s->index_memory_bytes();
  return total;
}

bool PartitionLog::wait_for_data(int64_t offset,
                                 std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock lock(wait_mu_);
  return wait_cv_.wait_until(lock, deadline, [&] {
    return high_watermark() > offset || shutting_down_.load(std::memory_order_acquire);
  }) && high_watermark() > offset;
}

AppendSubscription PartitionLog::on_append(std::function<void(int64_t)> fn) {
  std::lock_guard lock(listeners_mu_);
  const uint64_t id = next_listener_id_++;
  listeners_.emplace(id, std::move(fn));
  std::weak_ptr<PartitionLog> weak = weak_from_this();
  return AppendSubscription(
      [weak](uint64_t listener) {
        if (auto self = weak.lock()) {
          std::lock_guard l(self->listeners_mu_);
          self->listeners_.erase(listener);
        }
      },
      id);
}

Status PartitionLog::flush() {
  if (!dirty_.exchange(false, std::memory_order_acq_rel)) return {};
  const int64_t goal = written_offset_.load(std::memory_order_acquire);
  auto segment = active_segment();
  Status synced = segment->sync();
  if (!synced) {
    dirty_.store(true);
    return synced;
  }
  std::lock_guard lock(sync_mu_);
  durable_offset_ = std::max(durable_offset_, goal);
  return {};
}

Result<size_t> PartitionLog::apply_retention(int64_t now_ms) {
  const TopicConfig config = this->config();
  if (!config.retention_deletes()) return size_t{0};
  // A cleaning pass in progress (compact,delete) owns the segments; retention waits for its next
  // round rather than stalling the maintenance thread (and its interval flushes) behind the pass.
  std::unique_lock cleaning(cleaning_mu_, std::try_to_lock);
  if (!cleaning.owns_lock()) return size_t{0};
  const int64_t old_start = log_start_offset();
  std::vector<std::shared_ptr<Segment>> doomed;
  {
    std::lock_guard lock(segments_mu_);
    uint64_t total = 0;
    for (const auto& s : segments_) total += s->size();
    size_t count = 0;
    // Never the active (last) segment.
    while (count + 1 < segments_.size()) {
      const auto& s = segments_[count];
      const bool expired =
          config.retention_ms >= 0 && older_than(s->max_timestamp(), now_ms, config.retention_ms);
      const bool oversize =
          config.retention_bytes >= 0 && total - s->size() >= uint64_t(config.retention_bytes);
      const bool below_start = s->next_offset() <= log_start_offset();
      if (!expired && !oversize && !below_start) break;
      total -= s->size();
      ++count;
    }
    doomed.assign(segments_.begin(), segments_.begin() + ptrdiff_t(count));
    segments_.erase(segments_.begin(), segments_.begin() + ptrdiff_t(count));
    const int64_t new_start = std::max(log_start_offset(), segments_.front()->base_offset());
    log_start_offset_.store(new_start, std::memory_order_release);
  }
  if (log_start_offset() != old_start) KD_TRY(persist_log_start_offset(log_start_offset()));
  for (const auto& s : doomed) KD_TRY(s->remove_files());
  if (!doomed.empty()) prune_aborted_before(doomed.back()->next_offset());
  return doomed.size();
}

Result<int64_t> PartitionLog::delete_records_before(int64_t offset) {
  const int64_t hwm = high_watermark();
  if (offset < 0 || offset > hwm) {
    return Error(Errc::out_of_range, "delete-records offset " + std::to_string(offset) +
                                         " is past the high watermark " + std::to_string(hwm));
  }
  std::lock_guard cleaning(cleaning_mu_);
  if (offset > log_start_offset()) {
    KD_TRY(persist_log_start_offset(offset));
    log_start_offset_.store(offset, std::memory_order_release);
  }
  // Whole segments below the new start go even if retention would keep them.
  std::vector<std::shared_ptr<Segment>> doomed;
  {
    std::lock_guard lock(segments_mu_);
    while (segments_.size() > 1 && segments_.front()->next_offset() <= log_start_offset()) {
      doomed.push_back(segments_.front());
      segments_.erase(segments_.begin());
    }
  }
  for (const auto& s : doomed) KD_TRY(s->remove_files());
  if (!doomed.empty()) prune_aborted_before(doomed.back()->next_offset());
  return log_start_offset();
}

Status PartitionLog::persist_cleaner_checkpoint(int64_t offset, int64_t earliest_delete_horizon) {
  KD_TRY(fs::write_file_atomically(
      *fs_, fs::join_path(dir_, sf::kCleanerCheckpointFile),
      std::to_string(offset) + " " + std::to_string(earliest_delete_horizon) + "\n"));
  cleaner_checkpoint_.store(offset, std::memory_order_release);
  earliest_delete_horizon_.store(earliest_delete_horizon, std::memory_order_release);
  return {};
}

Status PartitionLog::complete_swap(int64_t base, int64_t end) {
  const std::string swap = fs::join_path(dir_, sf::swap_file_name(base, end));
  KD_ASSIGN(auto names, fs_->list(dir_));
  for (const auto& name : names) {
    for (auto suffix :
         {sf::kLogSuffix, sf::kIndexSuffix, sf::kTimeIndexSuffix, sf::kTxnIndexSuffix}) {
      const int64_t b = sf::parse_file_name(name, suffix);
      // <base>.log itself is replaced by the rename below (atomically), never left missing.
      if (b >= base && b < end && !(b == base && suffix == sf::kLogSuffix)) {
        KD_TRY(fs_->remove_file(fs::join_path(dir_, name)));
      }
    }
  }
  const std::string log = fs::join_path(dir_, sf::file_stem(base) + std::string(sf::kLogSuffix));
  KD_ASSIGN(auto file, fs_->open(swap, fs::OpenMode::read_write));
  const bool empty = file->size() == 0;
  file.reset();
  if (empty) {
    // Nothing of these segments survived: the old base log goes first, then the swap, so a
    // crash in between leaves the swap to finish the job.
    KD_TRY(fs_->remove_file(log));
    KD_TRY(fs_->remove_file(swap));
  } else {
    KD_TRY(fs_->rename(swap, log));
  }
  return fs_->sync_directory(dir_);
}

Status PartitionLog::install_cleaned(int64_t base, int64_t end, const std::string& cleaned_path) {
  // The commit point: once the swap name exists, recovery completes the swap.
  KD_TRY(fs_->rename(cleaned_path, fs::join_path(dir_, sf::swap_file_name(base, end))));
  KD_TRY(fs_->sync_directory(dir_));
  KD_TRY(complete_swap(base, end));
  std::shared_ptr<Segment> cleaned;
  const std::string log = fs::join_path(dir_, sf::file_stem(base) + std::string(sf::kLogSuffix));
  if (fs_->exists(log)) {
    SegmentRecovery recovery;
    KD_ASSIGN(cleaned, Segment::open(fs_, dir_, base, options_.index_interval_bytes,
                                     /*active=*/false, &recovery));
    if (recovery.truncated_bytes > 0) {
      return Error(Errc::corruption,
                   "cleaned segment " + log + " failed validation: " + recovery.reason);
    }
  }
  // Readers holding the replaced segments keep reading them through their open files.
  std::lock_guard lock(segments_mu_);
  auto first = std::find_if(segments_.begin(), segments_.end(),
                            [&](const auto& s) { return s->base_offset() >= base; });
  auto last =
      std::find_if(first, segments_.end(), [&](const auto& s) { return s->base_offset() >= end; });
  if (last == segments_.end()) {
    return Error(Errc::invalid_argument, "a cleaned range must end before the active segment");
  }
  auto at = segments_.erase(first, last);
  if (cleaned) segments_.insert(at, std::move(cleaned));
  // The cleaner dropped every aborted transaction's batches below `end`, so the entries of the
  // markers it rewrote (their .txnindex files went with the swap) have nothing left to filter.
  std::lock_guard txn(txn_mu_);
  std::erase_if(aborted_,
                [&](const AbortedTxn& e) { return e.last_offset >= base && e.last_offset < end; });
  return {};
}

Status PartitionLog::persist_log_start_offset(int64_t offset) {
  return fs::write_file_atomically(*fs_, fs::join_path(dir_, sf::kLogStartOffsetFile),
                                   std::to_string(offset));
}

void PartitionLog::set_config(TopicConfig config) {
  std::lock_guard lock(config_mu_);
  config_ = std::move(config);
}

TopicConfig PartitionLog::config() const {
  std::lock_guard lock(config_mu_);
  return config_;
}

Status PartitionLog::close() {
  {
    std::lock_guard lock(append_mu_);
    if (closed_) return {};
    closed_ = true;
  }
  shutting_down_.store(true, std::memory_order_release);
  { std::lock_guard lock(wait_mu_); }
  wait_cv_.notify_all();
  dirty_.store(true);
  return flush();
}

Status PartitionLog::destroy() {
  ignore_error(close());
  std::lock_guard cleaning(cleaning_mu_);  // a cleaning pass sees closed and stops
  {
    std::lock_guard lock(segments_mu_);
    segments_.clear();
  }
  return fs_->remove_all(dir_);
}

}  // namespace kafka_do::storage
