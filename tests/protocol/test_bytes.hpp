#pragma once
// Helpers for tests that spell out wire bytes by hand.

#include <cstdint>
#include <initializer_list>
#include <string>

#include "base/coding.hpp"

namespace kafka_do::protocol {

// Bytes from a list of values 0..255, so expected frames read like a hex dump.
inline std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(char(uint8_t(v)));
  return out;
}

template <typename T>
std::string encoded(const T& message, int16_t version) {
  std::string out;
  ByteWriter w(out);
  message.encode(w, version);
  return out;
}

// Decodes `data` as a T at `version`, requiring every byte to be used.
template <typename T>
bool decode_all(std::string_view data, int16_t version, T& out) {
  ByteReader r(data);
  return out.decode(r, version) && r.empty();
}

}  // namespace kafka_do::protocol
