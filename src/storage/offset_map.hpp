#pragma once
// The cleaner's key -> latest offset map, in a fixed amount of memory (Kafka's dedupe buffer).
//
// A key is stored as a 128-bit hash plus the offset: 24 bytes an entry, open addressing, filled
// to at most 90 %. The hash is keyed with a fresh random seed for every cleaning pass, so keys
// chosen to collide cannot be prepared in advance; an accidental collision of two live keys
// (about n^2 / 2^129 for n keys) is the only way a latest value could be dropped.
//
// The map never grows: the cleaner asks `has_room(n)` before indexing a batch of n records and
// ends the pass's dirty range there when it says no.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace kafka_do::storage {

class OffsetMap {
 public:
  static constexpr size_t kEntryBytes = 24;
  static constexpr double kMaxLoad = 0.9;

  // `memory_bytes` is the whole budget; at least 1 entry.
  explicit OffsetMap(size_t memory_bytes);

  // Empties the map and draws a new hash seed.
  void clear();
  bool has_room(size_t more_keys) const { return size_ + more_keys <= max_entries_; }
  // Records `offset` for `key`, keeping the larger when the key is present.
  // REQUIRES: has_room(1) or the key is present.
  void put(std::string_view key, int64_t offset);
  std::optional<int64_t> get(std::string_view key) const;

  size_t size() const { return size_; }
  size_t capacity() const { return max_entries_; }
  size_t memory_bytes() const { return slots_.size() * kEntryBytes; }

 private:
  struct Slot {
    uint64_t hash_a = 0;
    uint64_t hash_b = 0;
    int64_t offset = -1;  // -1: empty
  };
  static_assert(sizeof(Slot) == kEntryBytes);
  struct Hash {
    uint64_t a, b;
  };
  Hash hash(std::string_view key) const;
  size_t find_slot(const Hash& h) const;

  std::vector<Slot> slots_;
  size_t max_entries_ = 0;
  size_t size_ = 0;
  uint64_t seed_ = 0;
};

}  // namespace kafka_do::storage
