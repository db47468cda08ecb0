#include "coordinator/offset_record.hpp"

#include "base/coding.hpp"

namespace kafka_do::coordinator::offset_record {
namespace {

void put_name(ByteWriter& w, const std::string& s) {
  w.i16(int16_t(s.size()));
  w.bytes(s);
}

std::string get_name(ByteReader& r) {
  const int16_t n = r.i16();
  if (n < 0) {
    r.fail();
    return {};
  }
  return std::string(r.bytes(size_t(n)));
}

Error corrupt(const char* what) {
  return Error(Errc::corruption, std::string("offsets record: ") + what);
}

}  // namespace

std::string encode_offset_key(Type type, const std::string& group, const TopicPartition& tp) {
  std::string out;
  ByteWriter w(out);
  w.i16(int16_t(type));
  put_name(w, group);
  put_name(w, tp.topic);
  w.i32(tp.partition);
  return out;
}

std::string encode_offset_value(const CommittedOffset& offset) {
  std::string out;
  ByteWriter w(out);
  w.i16(kValueFormat);
  w.i64(offset.offset);
  w.i32(offset.leader_epoch);
  w.i64(offset.commit_timestamp);
  if (offset.metadata) {
    w.i32(int32_t(offset.metadata->size()));
    w.bytes(*offset.metadata);
  } else {
    w.i32(-1);
  }
  return out;
}

std::string encode_marker_key(Type type, int64_t snapshot_id) {
  std::string out;
  ByteWriter w(out);
  w.i16(int16_t(type));
  w.i64(snapshot_id);
  return out;
}

std::string encode_marker_value(const SnapshotMarker& marker) {
  std::string out;
  ByteWriter w(out);
  w.i16(kValueFormat);
  w.i64(marker.snapshot_id);
  w.i64(marker.entry_count);
  return out;
}

Result<DecodedKey> decode_key(std::string_view key) {
  ByteReader r(key);
  DecodedKey out;
  out.type = r.i16();
  if (!r.ok()) return corrupt("key shorter than its type");
  switch (Type(out.type)) {
    case Type::offset_commit:
    case Type::snapshot_entry:
      out.offset.group = get_name(r);
      out.offset.partition.topic = get_name(r);
      out.offset.partition.partition = r.i32();
      break;
    case Type::snapshot_begin:
    case Type::snapshot_end:
      out.snapshot_id = r.i64();
      break;
    default:
      return out;  // unknown type: the caller decides
  }
  if (!r.ok()) return corrupt("truncated key");
  if (!r.empty()) return corrupt("trailing bytes after key");
  return out;
}

Result<CommittedOffset> decode_offset_value(std::string_view value) {
  ByteReader r(value);
  const int16_t format = r.i16();
  if (!r.ok()) return corrupt("value shorter than its format");
  if (format != kValueFormat) {
    return Error(Errc::unsupported, "offsets record: value format " + std::to_string(format));
  }
  CommittedOffset out;
  out.offset = r.i64();
  out.leader_epoch = r.i32();
  out.commit_timestamp = r.i64();
  const int32_t n = r.i32();
  if (n >= 0) {
    out.metadata = std::string(r.bytes(size_t(n)));
  } else if (n != -1) {
    r.fail();
  }
  if (!r.ok()) return corrupt("truncated offset value");
  if (!r.empty()) return corrupt("trailing bytes after offset value");
  return out;
}

Result<SnapshotMarker> decode_marker_value(std::string_view value) {
  ByteReader r(value);
  const int16_t format = r.i16();
  if (!r.ok()) return corrupt("value shorter than its format");
  if (format != kValueFormat) {
    return Error(Errc::unsupported, "offsets record: marker format " + std::to_string(format));
  }
  SnapshotMarker out;
  out.snapshot_id = r.i64();
  out.entry_count = r.i64();
  if (!r.ok()) return corrupt("truncated snapshot marker");
  if (!r.empty()) return corrupt("trailing bytes after snapshot marker");
  return out;
}

}  // namespace kafka_do::coordinator::offset_record
