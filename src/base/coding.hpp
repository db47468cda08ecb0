#pragma once
// Byte coding shared by the on-disk format and the wire protocol: big-endian fixed-width integers,
// zigzag varints (record level) and unsigned varints (flexible protocol fields).
//
// ByteWriter appends to a std::string. ByteReader is a bounds-checked cursor: every read past the
// end sets a sticky failure flag and yields zero, so a decoder can read a whole structure and check
// ok() once, and a truncated or malicious input can never read out of bounds.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace kafka_do {

inline void put_be16(char* p, uint16_t v) {
  p[0] = char(v >> 8);
  p[1] = char(v);
}
inline void put_be32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = char(v >> (24 - 8 * i));
}
inline void put_be64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = char(v >> (56 - 8 * i));
}
inline uint16_t get_be16(const char* p) {
  return uint16_t((uint16_t(uint8_t(p[0])) << 8) | uint8_t(p[1]));
}
inline uint32_t get_be32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | uint8_t(p[i]);
  return v;
}
inline uint64_t get_be64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | uint8_t(p[i]);
  return v;
}

inline uint64_t zigzag_encode(int64_t v) { return (uint64_t(v) << 1) ^ uint64_t(v >> 63); }
inline int64_t zigzag_decode(uint64_t v) { return int64_t(v >> 1) ^ -int64_t(v & 1); }

// Number of bytes an unsigned varint takes.
inline size_t uvarint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}
inline size_t varint_size(int64_t v) { return uvarint_size(zigzag_encode(v)); }

class ByteWriter {
 public:
  explicit ByteWriter(std::string& out) : out_(out) {}

  void i8(int8_t v) { out_.push_back(char(v)); }
  void i16(int16_t v) {
    char b[2];
    put_be16(b, uint16_t(v));
    out_.append(b, 2);
  }
  void i32(int32_t v) {
    char b[4];
    put_be32(b, uint32_t(v));
    out_.append(b, 4);
  }
  void u32(uint32_t v) { i32(int32_t(v)); }
  void i64(int64_t v) {
    char b[8];
    put_be64(b, uint64_t(v));
    out_.append(b, 8);
  }
  void uvarint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(char((v & 0x7F) | 0x80));
      v >>= 7;
    }
    out_.push_back(char(v));
  }
  void varint(int64_t v) { uvarint(zigzag_encode(v)); }
  void bytes(std::string_view b) { out_.append(b); }
  size_t size() const { return out_.size(); }
  std::string& buffer() { return out_; }

 private:
  std::string& out_;
};

class ByteReader {
 public:
  ByteReader() = default;
  explicit ByteReader(std::string_view in) : p_(in.data()), end_(in.data() + in.size()) {}

  bool ok() const { return ok_; }
  size_t remaining() const { return size_t(end_ - p_); }
  bool empty() const { return p_ == end_; }
  const char* position() const { return p_; }
  void fail() {
    ok_ = false;
    p_ = end_;
  }

  int8_t i8() { return need(1) ? int8_t(*p_++) : 0; }
  int16_t i16() { return need(2) ? int16_t(get_be16(advance(2))) : 0; }
  int32_t i32() { return need(4) ? int32_t(get_be32(advance(4))) : 0; }
  uint32_t u32() { return uint32_t(i32()); }
  int64_t i64() { return need(8) ? int64_t(get_be64(advance(8))) : 0; }
  uint64_t uvarint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (!need(1)) return 0;
      const auto b = uint8_t(*p_++);
      v |= uint64_t(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
    fail();  // more than 10 bytes: malformed
    return 0;
  }
  int64_t varint() { return zigzag_decode(uvarint()); }
  // A 32-bit zigzag varint; values outside int32 mark the reader failed.
  int32_t varint32() {
    const int64_t v = varint();
    if (v < INT32_MIN || v > INT32_MAX) {
      fail();
      return 0;
    }
    return int32_t(v);
  }
  std::string_view bytes(size_t n) {
    if (!need(n)) return {};
    return {advance(n), n};
  }
  void skip(size_t n) { (void)bytes(n); }

 private:
  bool need(size_t n) {
    if (size_t(end_ - p_) < n) {
      fail();
      return false;
    }
    return true;
  }
  const char* advance(size_t n) {
    const char* at = p_;
    p_ += n;
    return at;
  }

  const char* p_ = nullptr;
  const char* end_ = nullptr;
  bool ok_ = true;
};

}  // namespace kafka_do
