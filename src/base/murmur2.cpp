#include "base/murmur2.hpp"

namespace kafka_do {

int32_t murmur2(const void* data, size_t size) {
  // Arithmetic on uint32_t reproduces Java's wrapping int arithmetic; >>> becomes >> on unsigned.
  const auto* p = static_cast<const uint8_t*>(data);
  const uint32_t seed = 0x9747b28cu;
  const uint32_t m = 0x5bd1e995u;
  const int r = 24;
  const auto length = static_cast<uint32_t>(size);
  uint32_t h = seed ^ length;
  const uint32_t words = length / 4;
  for (uint32_t i = 0; i < words; ++i) {
    const uint32_t i4 = i * 4;
    uint32_t k = uint32_t(p[i4]) | (uint32_t(p[i4 + 1]) << 8) | (uint32_t(p[i4 + 2]) << 16) |
                 (uint32_t(p[i4 + 3]) << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  const uint32_t tail = words * 4;
  switch (length % 4) {
    case 3:
      h ^= uint32_t(p[tail + 2]) << 16;
      [[fallthrough]];
    case 2:
      h ^= uint32_t(p[tail + 1]) << 8;
      [[fallthrough]];
    case 1:
      h ^= uint32_t(p[tail]);
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

int32_t partition_for_key(std::string_view key, int32_t partitions) {
  const int32_t positive = murmur2(key.data(), key.size()) & 0x7fffffff;
  return positive % partitions;
}

}  // namespace kafka_do
