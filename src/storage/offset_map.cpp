#include "storage/offset_map.hpp"

#include <algorithm>
#include <cstring>
#include <random>

namespace kafka_do::storage {

namespace {
// A 64-bit keyed hash over 8-byte words (multiply-xorshift mixing, as in splitmix64's finaliser).
// Two seeds give the two independent halves of the 128-bit key hash.
uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

uint64_t hash64(std::string_view key, uint64_t seed) {
  uint64_t h = mix(seed ^ (key.size() * 0x9e3779b97f4a7c15ULL));
  size_t i = 0;
  for (; i + 8 <= key.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, key.data() + i, 8);
    h = mix(h ^ w) + 0x9e3779b97f4a7c15ULL;
  }
  uint64_t tail = 0;
  if (key.size() > i) std::memcpy(&tail, key.data() + i, key.size() - i);
  return mix(h ^ tail ^ (uint64_t(key.size() - i) << 56));
}
}  // namespace

OffsetMap::OffsetMap(size_t memory_bytes)
    : slots_(std::max<size_t>(memory_bytes / kEntryBytes, 2)) {
  max_entries_ = std::max<size_t>(size_t(double(slots_.size()) * kMaxLoad), 1);
  clear();
}

void OffsetMap::clear() {
  std::fill(slots_.begin(), slots_.end(), Slot{});
  size_ = 0;
  std::random_device rd;
  seed_ = (uint64_t(rd()) << 32) ^ rd();
}

OffsetMap::Hash OffsetMap::hash(std::string_view key) const {
  return {hash64(key, seed_), hash64(key, ~seed_ * 0xff51afd7ed558ccdULL)};
}

size_t OffsetMap::find_slot(const Hash& h) const {
  size_t i = size_t(h.a % slots_.size());
  while (slots_[i].offset >= 0 && (slots_[i].hash_a != h.a || slots_[i].hash_b != h.b)) {
    i = i + 1 == slots_.size() ? 0 : i + 1;
  }
  return i;
}

void OffsetMap::put(std::string_view key, int64_t offset) {
  const Hash h = hash(key);
  Slot& slot = slots_[find_slot(h)];
  if (slot.offset < 0) {
    slot = Slot{h.a, h.b, offset};
    ++size_;
  } else {
    slot.offset = std::max(slot.offset, offset);
  }
}

std::optional<int64_t> OffsetMap::get(std::string_view key) const {
  const Slot& slot = slots_[find_slot(hash(key))];
  if (slot.offset < 0) return std::nullopt;
  return slot.offset;
}

}  // namespace kafka_do::storage
