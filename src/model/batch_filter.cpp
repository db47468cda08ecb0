#include "model/batch_filter.hpp"

#include <vector>

#include "base/coding.hpp"
#include "base/crc32c.hpp"
#include "model/compression.hpp"

namespace kafka_do::model {

using namespace batch_format;

Result<FilteredBatch> filter_batch(std::string_view batch,
                                   const std::function<bool(const RecordView&)>& keep,
                                   std::optional<int64_t> horizon) {
  KD_ASSIGN(const BatchHeader h, parse_batch_header(batch));
  const std::optional<int64_t> current = model::delete_horizon(h);
  if (!horizon) horizon = current;
  const int64_t base_timestamp = horizon ? *horizon : h.base_timestamp;

  FilteredBatch out;
  std::string records;
  KD_TRY(for_each_record(batch.substr(0, h.total_size()), [&](const RecordView& r) {
    if (!keep(r)) {
      ++out.removed;
      return;
    }
    ++out.kept;
    const int64_t timestamp_delta = int64_t(uint64_t(r.timestamp) - uint64_t(base_timestamp));
    const size_t body = 1 + varint_size(timestamp_delta) + r.after_timestamp.size();
    ByteWriter w(records);
    w.varint(int64_t(body));
    w.i8(0);  // record attributes: unused
    w.varint(timestamp_delta);
    w.bytes(r.after_timestamp);
  }));
  if (out.removed == 0 && horizon == current) {
    out.unchanged = true;
    return out;
  }
  if (out.kept == 0) return out;

  std::string& bytes = out.bytes;
  bytes.assign(batch.substr(0, kHeaderSize));
  if (h.compression() == Compression::none) {
    bytes.append(records);
  } else {
    KD_ASSIGN(std::string packed, compress(h.compression(), records));
    bytes.append(packed);
  }
  char* p = bytes.data();
  uint16_t attributes = h.attributes;
  if (horizon) attributes |= kDeleteHorizonBit;
  put_be32(p + kLengthPos, uint32_t(bytes.size() - kLogOverhead));
  put_be16(p + kAttributesPos, attributes);
  put_be64(p + kBaseTimestampPos, uint64_t(base_timestamp));
  put_be32(p + kRecordCountPos, uint32_t(out.kept));
  put_be32(p + kCrcPos, crc32c(p + kCrcCoveredFrom, bytes.size() - kCrcCoveredFrom));
  return out;
}

}  // namespace kafka_do::model
