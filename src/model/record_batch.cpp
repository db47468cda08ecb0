#include "model/record_batch.hpp"

#include <algorithm>
#include <limits>

#include "base/coding.hpp"
#include "base/crc32c.hpp"

namespace kafka_do::model {

using namespace batch_format;

namespace {
// Base + delta from a batch we did not write: a hostile batch may carry values whose sum
// overflows, which must wrap (as Java's long arithmetic does in Kafka) rather than be undefined.
int64_t wrapping_add(int64_t base, int64_t delta) {
  return int64_t(uint64_t(base) + uint64_t(delta));
}
}  // namespace

Result<BatchHeader> parse_batch_header(std::string_view bytes) {
  if (bytes.size() < kHeaderSize) {
    return Error(Errc::corruption, "record batch shorter than its 61-byte header");
  }
  const char* p = bytes.data();
  BatchHeader h;
  h.base_offset = int64_t(get_be64(p + kBaseOffsetPos));
  h.batch_length = int32_t(get_be32(p + kLengthPos));
  h.partition_leader_epoch = int32_t(get_be32(p + kLeaderEpochPos));
  h.magic = int8_t(p[kMagicPos]);
  if (h.magic != kMagic) {
    return Error(Errc::corruption,
                 "record batch magic " + std::to_string(h.magic) + ", expected 2");
  }
  if (h.batch_length < int32_t(kHeaderSize - kLogOverhead)) {
    return Error(Errc::corruption,
                 "record batch length " + std::to_string(h.batch_length) + " too small");
  }
  h.crc = get_be32(p + kCrcPos);
  h.attributes = get_be16(p + kAttributesPos);
  h.last_offset_delta = int32_t(get_be32(p + kLastOffsetDeltaPos));
  h.base_timestamp = int64_t(get_be64(p + kBaseTimestampPos));
  h.max_timestamp = int64_t(get_be64(p + kMaxTimestampPos));
  h.producer_id = int64_t(get_be64(p + kProducerIdPos));
  h.producer_epoch = int16_t(get_be16(p + kProducerEpochPos));
  h.base_sequence = int32_t(get_be32(p + kBaseSequencePos));
  h.record_count = int32_t(get_be32(p + kRecordCountPos));
  if (h.last_offset_delta < 0 || h.record_count < 0) {
    return Error(Errc::corruption, "record batch has a negative record count or offset delta");
  }
  return h;
}

bool crc_matches(std::string_view batch) {
  const uint32_t stored = get_be32(batch.data() + kCrcPos);
  return crc32c(batch.data() + kCrcCoveredFrom, batch.size() - kCrcCoveredFrom) == stored;
}

void set_base_offset(char* batch, int64_t base_offset) {
  put_be64(batch + kBaseOffsetPos, uint64_t(base_offset));
}

void set_log_append_time(char* batch, size_t size, int64_t append_time) {
  uint16_t attributes = get_be16(batch + kAttributesPos);
  attributes |= kTimestampTypeBit;
  put_be16(batch + kAttributesPos, attributes);
  put_be64(batch + kMaxTimestampPos, uint64_t(append_time));
  put_be32(batch + kCrcPos, crc32c(batch + kCrcCoveredFrom, size - kCrcCoveredFrom));
}

void BatchBuilder::add(int64_t timestamp, std::optional<std::string_view> key,
                       std::optional<std::string_view> value,
                       std::span<const RecordHeader> headers) {
  if (count_ == 0) base_timestamp_ = timestamp;
  max_timestamp_ = std::max(max_timestamp_, timestamp);
  const int64_t timestamp_delta = int64_t(uint64_t(timestamp) - uint64_t(base_timestamp_));
  const int32_t offset_delta = count_;

  // Body size first: the record starts with its own length as a varint.
  size_t body = 1 + varint_size(timestamp_delta) + varint_size(offset_delta);
  body += key ? varint_size(int64_t(key->size())) + key->size() : 1;
  body += value ? varint_size(int64_t(value->size())) + value->size() : 1;
  body += varint_size(int64_t(headers.size()));
  for (const auto& h : headers) {
    body += varint_size(int64_t(h.key.size())) + h.key.size();
    body += h.value ? varint_size(int64_t(h.value->size())) + h.value->size() : 1;
  }

  if (buffer_.empty()) buffer_.resize(kHeaderSize);  // the header's place, filled by build()
  ByteWriter w(buffer_);
  w.varint(int64_t(body));
  w.i8(0);  // record attributes: unused
  w.varint(timestamp_delta);
  w.varint(offset_delta);
  if (key) {
    w.varint(int64_t(key->size()));
    w.bytes(*key);
  } else {
    w.varint(-1);
  }
  if (value) {
    w.varint(int64_t(value->size()));
    w.bytes(*value);
  } else {
    w.varint(-1);
  }
  w.varint(int64_t(headers.size()));
  for (const auto& h : headers) {
    w.varint(int64_t(h.key.size()));
    w.bytes(h.key);
    if (h.value) {
      w.varint(int64_t(h.value->size()));
      w.bytes(*h.value);
    } else {
      w.varint(-1);
    }
  }
  ++count_;
}

Result<std::string> BatchBuilder::build(int64_t base_offset) const {
  std::string out;
  out.reserve(kHeaderSize + records().size());
  out.resize(kHeaderSize);
  if (options_.compression == Compression::none) {
    out.append(records());
  } else {
    KD_ASSIGN(std::string packed, compress(options_.compression, records()));
    out.append(packed);
  }
  KD_TRY(finish(out, base_offset));
  return out;
}

Result<std::string> BatchBuilder::take(int64_t base_offset) {
  if (options_.compression != Compression::none) {
    auto built = build(base_offset);
    clear();
    return built;
  }
  std::string out = std::move(buffer_);
  if (out.empty()) out.resize(kHeaderSize);
  const Status finished = finish(out, base_offset);
  clear();
  if (!finished) return finished.error();
  return out;
}

Status BatchBuilder::finish(std::string& batch, int64_t base_offset) const {
  if (batch.size() - kLogOverhead > size_t(std::numeric_limits<int32_t>::max())) {
    return Error(Errc::too_large, "record batch over 2 GiB");
  }
  char* p = batch.data();
  uint16_t attributes = uint16_t(options_.compression);
  if (options_.transactional) attributes |= kTransactionalBit;
  if (options_.control) attributes |= kControlBit;
  put_be64(p + kBaseOffsetPos, uint64_t(base_offset));
  put_be32(p + kLengthPos, uint32_t(batch.size() - kLogOverhead));
  put_be32(p + kLeaderEpochPos, 0);
  p[kMagicPos] = kMagic;
  put_be16(p + kAttributesPos, attributes);
  put_be32(p + kLastOffsetDeltaPos, uint32_t(std::max(count_ - 1, 0)));
  put_be64(p + kBaseTimestampPos, uint64_t(base_timestamp_));
  put_be64(p + kMaxTimestampPos, uint64_t(max_timestamp_));
  put_be64(p + kProducerIdPos, uint64_t(options_.producer_id));
  put_be16(p + kProducerEpochPos, uint16_t(options_.producer_epoch));
  put_be32(p + kBaseSequencePos, uint32_t(options_.base_sequence));
  put_be32(p + kRecordCountPos, uint32_t(count_));
  put_be32(p + kCrcPos, crc32c(p + kCrcCoveredFrom, batch.size() - kCrcCoveredFrom));
  return {};
}

void BatchBuilder::clear() {
  buffer_.clear();
  count_ = 0;
  base_timestamp_ = kNoTimestamp;
  max_timestamp_ = kNoTimestamp;
}

namespace {

// Checks the batch is whole and its CRC right; returns the header.
Result<BatchHeader> checked_header(std::string_view batch) {
  KD_ASSIGN(BatchHeader h, parse_batch_header(batch));
  if (h.total_size() > batch.size()) return Error(Errc::corruption, "record batch truncated");
  if (!crc_matches(batch.substr(0, h.total_size()))) {
    return Error(Errc::corruption,
                 "record batch at offset " + std::to_string(h.base_offset) + " fails its CRC");
  }
  return h;
}

// The uncompressed record section of a batch; `storage` holds decompressed bytes when needed.
Result<std::string_view> record_section(const BatchHeader& h, std::string_view batch,
                                        size_t max_bytes, std::string& storage) {
  std::string_view raw = batch.substr(kRecordsPos, h.total_size() - kRecordsPos);
  if (h.compression() == Compression::none) return raw;
  if (int(h.compression()) > int(Compression::zstd)) {
    return Error(Errc::unsupported,
                 "unknown compression codec " + std::to_string(int(h.compression())));
  }
  KD_ASSIGN(storage, decompress(h.compression(), raw, max_bytes));
  return std::string_view(storage);
}

// Walks records, calling fn(ByteReader& at-key, timestamp_delta, offset_delta, where the offset
// delta starts) for each; the callback must consume key, value and headers.
template <typename Fn>
Status walk_records(const BatchHeader& h, std::string_view section, Fn&& fn) {
  ByteReader r(section);
  for (int32_t i = 0; i < h.record_count; ++i) {
    const int64_t length = r.varint();
    if (!r.ok() || length < 0 || size_t(length) > r.remaining()) {
      return Error(Errc::corruption, "record " + std::to_string(i) + " of batch at offset " +
                                         std::to_string(h.base_offset) + " has a bad length");
    }
    ByteReader body(r.bytes(size_t(length)));
    body.i8();  // attributes
    const int64_t timestamp_delta = body.varint();
    const char* offset_delta_at = body.position();
    const int32_t offset_delta = body.varint32();
    fn(body, timestamp_delta, offset_delta, offset_delta_at);
    if (!body.ok() || !body.empty()) {
      return Error(Errc::corruption, "record " + std::to_string(i) + " of batch at offset " +
                                         std::to_string(h.base_offset) + " is malformed");
    }
  }
  if (!r.empty()) {
    return Error(Errc::corruption, "batch at offset " + std::to_string(h.base_offset) +
                                       " has bytes after its last record");
  }
  return {};
}

void skip_nullable(ByteReader& r) {
  const int64_t n = r.varint();
  if (n >= 0) {
    if (size_t(n) > r.remaining()) {
      r.fail();
      return;
    }
    r.skip(size_t(n));
  } else if (n != -1) {
    r.fail();
  }
}

void skip_headers(ByteReader& r) {
  const int64_t count = r.varint();
  if (count < 0 || size_t(count) > r.remaining()) {
    r.fail();
    return;
  }
  for (int64_t i = 0; i < count && r.ok(); ++i) {
    skip_nullable(r);  // key (never null in practice)
    skip_nullable(r);
  }
}

// A nullable string (key, value, header value) as a view of the reader's bytes.
std::optional<std::string_view> read_nullable_view(ByteReader& r) {
  const int64_t n = r.varint();
  if (n < 0) {
    if (n != -1) r.fail();
    return std::nullopt;
  }
  if (size_t(n) > r.remaining()) {
    r.fail();
    return std::nullopt;
  }
  return r.bytes(size_t(n));
}

// Checks the batch, then calls fn(const RecordRef&) for each record; the views point into
// `batch`, or into `storage` when the batch is compressed.
template <typename Fn>
Status walk_record_refs(std::string_view batch, size_t max_bytes, std::string& storage, Fn&& fn) {
  KD_ASSIGN(BatchHeader h, checked_header(batch));
  KD_ASSIGN(std::string_view section, record_section(h, batch, max_bytes, storage));
  // Every record of a LogAppendTime batch carries the batch's append time.
  const bool append_time = h.log_append_time();
  RecordRef ref;
  ref.batch_records = h.record_count;
  return walk_records(
      h, section, [&](ByteReader& r, int64_t timestamp_delta, int32_t offset_delta, const char*) {
        ref.offset = wrapping_add(h.base_offset, offset_delta);
        ref.timestamp =
            append_time ? h.max_timestamp : wrapping_add(h.base_timestamp, timestamp_delta);
        ref.key = read_nullable_view(r);
        ref.value = read_nullable_view(r);
        const int64_t count = r.varint();
        if (count < 0 || size_t(count) > r.remaining()) {
          r.fail();
          return;
        }
        ref.headers.clear();  // reused: no allocation per record once it has grown
        for (int64_t i = 0; i < count && r.ok(); ++i) {
          HeaderRef header;
          header.key = read_nullable_view(r).value_or(std::string_view());
          header.value = read_nullable_view(r);
          ref.headers.push_back(header);
        }
        if (r.ok()) fn(ref);
      });
}

}  // namespace

Status validate_batch(std::string_view batch, bool check_records, size_t max_record_bytes) {
  KD_ASSIGN(BatchHeader h, checked_header(batch));
  if (h.total_size() != batch.size()) {
    return Error(Errc::corruption, "record batch length field disagrees with the bytes sent");
  }
  if (h.record_count > 0 && h.last_offset_delta != h.record_count - 1) {
    return Error(Errc::corruption,
                 "record batch last offset delta disagrees with its record count");
  }
  if (!check_records) return {};
  std::string storage;
  KD_ASSIGN(std::string_view section, record_section(h, batch, max_record_bytes, storage));
  int32_t expected_delta = 0;
  bool deltas_ok = true;
  KD_TRY(walk_records(h, section, [&](ByteReader& r, int64_t, int32_t offset_delta, const char*) {
    deltas_ok = deltas_ok && offset_delta == expected_delta++;
    skip_nullable(r);
    skip_nullable(r);
    skip_headers(r);
  }));
  if (!deltas_ok) return Error(Errc::corruption, "record offset deltas are not 0, 1, 2, ...");
  return {};
}

Result<std::vector<Record>> decode_batch(std::string_view batch, size_t max_bytes) {
  std::string storage;
  std::vector<Record> records;
  auto copy = [](std::optional<std::string_view> v) {
    return v ? std::optional<std::string>(*v) : std::nullopt;
  };
  KD_TRY(walk_record_refs(batch, max_bytes, storage, [&](const RecordRef& ref) {
    if (records.empty()) records.reserve(size_t(std::min<int32_t>(ref.batch_records, 1 << 16)));
    Record rec{ref.offset, ref.timestamp, copy(ref.key), copy(ref.value), {}};
    rec.headers.reserve(ref.headers.size());
    for (const auto& h : ref.headers) rec.headers.push_back({std::string(h.key), copy(h.value)});
    records.push_back(std::move(rec));
  }));
  return records;
}

Status for_each_record_ref(std::string_view batch, std::string& decompressed,
                           const std::function<void(const RecordRef&)>& visit, size_t max_bytes) {
  return walk_record_refs(batch, max_bytes, decompressed, visit);
}

Result<std::vector<RecordPosition>> record_positions(std::string_view batch, size_t max_bytes) {
  KD_ASSIGN(BatchHeader h, checked_header(batch));
  std::vector<RecordPosition> out;
  std::string storage;
  KD_ASSIGN(std::string_view section, record_section(h, batch, max_bytes, storage));
  // Offsets come from the records, never from counting: a compacted batch has gaps. Every record
  // of a LogAppendTime batch carries the batch's append time.
  KD_TRY(walk_records(
      h, section, [&](ByteReader& r, int64_t timestamp_delta, int32_t offset_delta, const char*) {
        out.push_back({wrapping_add(h.base_offset, offset_delta),
                       h.log_append_time() ? h.max_timestamp
                                           : wrapping_add(h.base_timestamp, timestamp_delta)});
        skip_nullable(r);
        skip_nullable(r);
        skip_headers(r);
      }));
  return out;
}

Status for_each_record(std::string_view batch, const std::function<void(const RecordView&)>& visit,
                       size_t max_bytes) {
  KD_ASSIGN(BatchHeader h, checked_header(batch));
  std::string storage;
  KD_ASSIGN(std::string_view section, record_section(h, batch, max_bytes, storage));
  return walk_records(
      h, section,
      [&](ByteReader& r, int64_t timestamp_delta, int32_t offset_delta, const char* after_ts) {
        RecordView view;
        view.offset = wrapping_add(h.base_offset, offset_delta);
        view.timestamp = wrapping_add(h.base_timestamp, timestamp_delta);
        view.offset_delta = offset_delta;
        const int64_t key_size = r.varint();
        if (key_size >= 0) {
          if (size_t(key_size) > r.remaining()) return r.fail();
          view.key = r.bytes(size_t(key_size));
        } else if (key_size != -1) {
          return r.fail();
        }
        const int64_t value_size = r.varint();
        view.null_value = value_size == -1;
        if (value_size >= 0) {
          if (size_t(value_size) > r.remaining()) return r.fail();
          r.skip(size_t(value_size));
        } else if (value_size != -1) {
          return r.fail();
        }
        skip_headers(r);
        if (!r.ok()) return;
        view.after_timestamp = std::string_view(after_ts, size_t(r.position() - after_ts));
        visit(view);
      });
}

std::optional<int64_t> delete_horizon(const BatchHeader& h) {
  if (!(h.attributes & kDeleteHorizonBit)) return std::nullopt;
  return h.base_timestamp;
}

Status validate_topic_name(std::string_view name) {
  if (name.empty()) return Error(Errc::invalid_argument, "topic name is empty");
  if (name.size() > 249) {
    return Error(Errc::invalid_argument, "topic name is longer than 249 characters");
  }
  if (name == "." || name == "..")
    return Error(Errc::invalid_argument, "topic name cannot be '.' or '..'");
  for (char c : name) {
    const bool legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '.' || c == '_' || c == '-';
    if (!legal) {
      return Error(Errc::invalid_argument,
                   "topic name '" + std::string(name) +
                       "' has an illegal character (allowed: a-z A-Z 0-9 . _ -)");
    }
  }
  return {};
}

Status for_each_batch(std::string_view batches,
                      const std::function<Status(const BatchHeader&, std::string_view)>& visit) {
  while (batches.size() >= batch_format::kHeaderSize) {
    KD_ASSIGN(const BatchHeader header, parse_batch_header(batches));
    if (header.total_size() > batches.size()) break;
    const std::string_view batch = batches.substr(0, header.total_size());
    batches.remove_prefix(header.total_size());
    KD_TRY(visit(header, batch));
  }
  return {};
}

}  // namespace kafka_do::model
