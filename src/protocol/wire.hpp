#pragma once
// Primitive encodings of the Kafka protocol, shared by the generated message codecs in gen/.
//
// Classic ("non-flexible") versions use int16-length strings, int32-length bytes and int32-count
// arrays, with -1 meaning null. Flexible versions use the compact forms: an unsigned varint of
// length + 1 (0 = null), and every struct ends with a tagged-field section (uvarint count, then
// uvarint tag, uvarint size, data per field). Every read is bounds-checked through ByteReader and
// returns false on malformed input; array counts are bounded by the bytes left, so a hostile
// length cannot make a decoder allocate more than the frame can describe.

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "base/coding.hpp"

namespace kafka_do::protocol {

// The schema type `uuid`: 16 raw bytes, most significant byte first (Kafka's Uuid writes the
// high then the low 64 bits, both big-endian).
using Uuid = std::array<uint8_t, 16>;

namespace wire {

// ---- fixed-width values without a ByteWriter/ByteReader primitive ----

inline void write_float64(ByteWriter& w, double v) { w.i64(std::bit_cast<int64_t>(v)); }
inline double read_float64(ByteReader& r) { return std::bit_cast<double>(r.i64()); }

inline void write_uuid(ByteWriter& w, const Uuid& v) {
  w.bytes(std::string_view(reinterpret_cast<const char*>(v.data()), v.size()));
}
inline void read_uuid(ByteReader& r, Uuid& v) {
  const std::string_view b = r.bytes(v.size());
  if (b.size() == v.size()) std::copy(b.begin(), b.end(), v.begin());
}

// ---- lengths ----

// Writes the length prefix of a string (int16), bytes or array (int32) or its compact form.
// `length` -1 writes null.
void write_length(ByteWriter& w, int64_t length, bool compact, bool wide);
// Reads a length prefix written by write_length. Returns -1 for null, -2 when malformed or
// larger than the bytes left could hold at `min_element_size` bytes per element.
int64_t read_length(ByteReader& r, bool compact, bool wide, size_t min_element_size);

// ---- strings (int16 length) and bytes (int32 length) ----

void write_string(ByteWriter& w, std::string_view s, bool compact);
// Writes null when `s` is empty-optional and `nullable`; an empty string when not nullable.
void write_nullable_string(ByteWriter& w, const std::optional<std::string>& s, bool compact,
                           bool nullable);
// Reads a non-null string; a null one is malformed.
bool read_string(ByteReader& r, std::string& out, bool compact);
// Reads a string that may be null if `nullable`.
bool read_nullable_string(ByteReader& r, std::optional<std::string>& out, bool compact,
                          bool nullable);

void write_bytes(ByteWriter& w, std::string_view b, bool compact);
void write_nullable_bytes(ByteWriter& w, const std::optional<std::string>& b, bool compact,
                          bool nullable);
bool read_bytes(ByteReader& r, std::string& out, bool compact);
bool read_nullable_bytes(ByteReader& r, std::optional<std::string>& out, bool compact,
                         bool nullable);

// ---- array elements: primitives by C++ type, generated structs through their own codec ----

inline void write_element(ByteWriter& w, int8_t v, bool, int16_t) { w.i8(v); }
inline void write_element(ByteWriter& w, int16_t v, bool, int16_t) { w.i16(v); }
inline void write_element(ByteWriter& w, int32_t v, bool, int16_t) { w.i32(v); }
inline void write_element(ByteWriter& w, int64_t v, bool, int16_t) { w.i64(v); }
inline void write_element(ByteWriter& w, const Uuid& v, bool, int16_t) { write_uuid(w, v); }
inline void write_element(ByteWriter& w, const std::string& v, bool compact, int16_t) {
  write_string(w, v, compact);
}
template <typename T>
void write_element(ByteWriter& w, const T& v, bool, int16_t version) {
  v.encode(w, version);
}

inline bool read_element(ByteReader& r, int8_t& v, bool, int16_t) {
  v = r.i8();
  return r.ok();
}
inline bool read_element(ByteReader& r, int16_t& v, bool, int16_t) {
  v = r.i16();
  return r.ok();
}
inline bool read_element(ByteReader& r, int32_t& v, bool, int16_t) {
  v = r.i32();
  return r.ok();
}
inline bool read_element(ByteReader& r, int64_t& v, bool, int16_t) {
  v = r.i64();
  return r.ok();
}
inline bool read_element(ByteReader& r, Uuid& v, bool, int16_t) {
  read_uuid(r, v);
  return r.ok();
}
inline bool read_element(ByteReader& r, std::string& v, bool compact, int16_t) {
  return read_string(r, v, compact);
}
template <typename T>
bool read_element(ByteReader& r, T& v, bool, int16_t version) {
  return v.decode(r, version);
}

// The fewest bytes one encoded element can take; generated structs state theirs as kMinSize.
template <typename T>
constexpr size_t min_element_size() {
  if constexpr (std::is_arithmetic_v<T>) {
    return sizeof(T);
  } else if constexpr (std::is_same_v<T, Uuid>) {
    return 16;
  } else if constexpr (std::is_same_v<T, std::string>) {
    return 1;
  } else {
    return std::max<size_t>(T::kMinSize, 1);
  }
}

// ---- arrays ----

template <typename T>
void write_array(ByteWriter& w, const std::vector<T>& v, bool compact, int16_t version) {
  write_length(w, int64_t(v.size()), compact, /*wide=*/true);
  for (const T& e : v) write_element(w, e, compact, version);
}

template <typename T>
void write_nullable_array(ByteWriter& w, const std::optional<std::vector<T>>& v, bool compact,
                          bool nullable, int16_t version) {
  if (!v) {
    write_length(w, nullable ? -1 : 0, compact, /*wide=*/true);
    return;
  }
  write_array(w, *v, compact, version);
}

// Reads `count` elements into `out` (cleared first).
template <typename T>
bool read_elements(ByteReader& r, std::vector<T>& out, int64_t count, bool compact,
                   int16_t version) {
  out.clear();
  // The count is already bounded by the bytes left; still, grow gradually past a modest start so
  // that element types much larger in memory than on the wire cannot be over-reserved.
  out.reserve(size_t(std::min<int64_t>(count, 1024)));
  for (int64_t i = 0; i < count; ++i) {
    out.emplace_back();
    if (!read_element(r, out.back(), compact, version)) return false;
  }
  return r.ok();
}

template <typename T>
bool read_array(ByteReader& r, std::vector<T>& out, bool compact, int16_t version) {
  const int64_t count = read_length(r, compact, /*wide=*/true, min_element_size<T>());
  if (count < 0) return false;
  return read_elements(r, out, count, compact, version);
}

template <typename T>
bool read_nullable_array(ByteReader& r, std::optional<std::vector<T>>& out, bool compact,
                         bool nullable, int16_t version) {
  const int64_t count = read_length(r, compact, /*wide=*/true, min_element_size<T>());
  if (count == -1 && nullable) {
    out.reset();
    return true;
  }
  if (count < 0) return false;
  out.emplace();
  return read_elements(r, *out, count, compact, version);
}

// ---- tagged fields ----

// Collects the tagged fields of one struct, then writes the section in ascending tag order
// (generated code adds them in that order).
class TaggedFields {
 public:
  // Starts field `tag`; write its value through the returned writer before the next add().
  ByteWriter add(uint32_t tag) {
    fields_.emplace_back(tag, std::string());
    return ByteWriter(fields_.back().second);
  }
  void write(ByteWriter& w) const {
    w.uvarint(fields_.size());
    for (const auto& [tag, data] : fields_) {
      w.uvarint(tag);
      w.uvarint(data.size());
      w.bytes(data);
    }
  }

 private:
  std::vector<std::pair<uint32_t, std::string>> fields_;
};

// Reads a tagged-field section, handing each field's tag and bytes to `on_field(tag, reader)`,
// which returns false when a known field is malformed and true otherwise (unknown tags: true,
// without reading — they are skipped).
template <typename OnField>
bool read_tagged_fields(ByteReader& r, OnField&& on_field) {
  const uint64_t count = r.uvarint();
  for (uint64_t i = 0; i < count && r.ok(); ++i) {
    const uint64_t tag = r.uvarint();
    const uint64_t size = r.uvarint();
    if (!r.ok() || size > r.remaining()) return false;
    ByteReader field(r.bytes(size_t(size)));
    if (!on_field(tag, field)) return false;
  }
  return r.ok();
}

// Skips a tagged-field section whose fields are all unknown to this struct and version.
inline bool skip_tagged_fields(ByteReader& r) {
  return read_tagged_fields(r, [](uint64_t, ByteReader&) { return true; });
}

}  // namespace wire
}  // namespace kafka_do::protocol
