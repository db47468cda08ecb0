#include "protocol/wire.hpp"

#include <limits>

namespace kafka_do::protocol::wire {

void write_length(ByteWriter& w, int64_t length, bool compact, bool wide) {
  if (compact) {
    w.uvarint(uint64_t(length + 1));
  } else if (wide) {
    w.i32(int32_t(length));
  } else {
    w.i16(int16_t(length));
  }
}

int64_t read_length(ByteReader& r, bool compact, bool wide, size_t min_element_size) {
  int64_t length;
  if (compact) {
    const uint64_t v = r.uvarint();
    if (v > uint64_t(std::numeric_limits<int32_t>::max()) + 1) return -2;
    length = int64_t(v) - 1;
  } else {
    length = wide ? r.i32() : r.i16();
  }
  if (!r.ok() || length < -1) return -2;
  if (length >= 0 && uint64_t(length) > r.remaining() / std::max<size_t>(min_element_size, 1)) {
    return -2;
  }
  return length;
}

void write_string(ByteWriter& w, std::string_view s, bool compact) {
  write_length(w, int64_t(s.size()), compact, /*wide=*/false);
  w.bytes(s);
}

void write_nullable_string(ByteWriter& w, const std::optional<std::string>& s, bool compact,
                           bool nullable) {
  if (!s) {
    write_length(w, nullable ? -1 : 0, compact, /*wide=*/false);
    return;
  }
  write_string(w, *s, compact);
}

bool read_string(ByteReader& r, std::string& out, bool compact) {
  const int64_t length = read_length(r, compact, /*wide=*/false, 1);
  if (length < 0) return false;
  out.assign(r.bytes(size_t(length)));
  return r.ok();
}

bool read_nullable_string(ByteReader& r, std::optional<std::string>& out, bool compact,
                          bool nullable) {
  const int64_t length = read_length(r, compact, /*wide=*/false, 1);
  if (length == -1 && nullable) {
    out.reset();
    return true;
  }
  if (length < 0) return false;
  out.emplace(r.bytes(size_t(length)));
  return r.ok();
}

void write_bytes(ByteWriter& w, std::string_view b, bool compact) {
  write_length(w, int64_t(b.size()), compact, /*wide=*/true);
  w.bytes(b);
}

void write_nullable_bytes(ByteWriter& w, const std::optional<std::string>& b, bool compact,
                          bool nullable) {
  if (!b) {
    write_length(w, nullable ? -1 : 0, compact, /*wide=*/true);
    return;
  }
  write_bytes(w, *b, compact);
}

bool read_bytes(ByteReader& r, std::string& out, bool compact) {
  const int64_t length = read_length(r, compact, /*wide=*/true, 1);
  if (length < 0) return false;
  out.assign(r.bytes(size_t(length)));
  return r.ok();
}

bool read_nullable_bytes(ByteReader& r, std::optional<std::string>& out, bool compact,
                         bool nullable) {
  const int64_t length = read_length(r, compact, /*wide=*/true, 1);
  if (length == -1 && nullable) {
    out.reset();
    return true;
  }
  if (length < 0) return false;
  out.emplace(r.bytes(size_t(length)));
  return r.ok();
}

}  // namespace kafka_do::protocol::wire
