#pragma once
// Age arithmetic on record timestamps (ms since the epoch) that never overflows, whatever a
// producer put in a timestamp or a user in a config: retention and compaction lags use it.

#include <cstdint>

namespace kafka_do::storage {

// True when `timestamp` is more than `age_ms` before `now_ms` (false when the cutoff would
// overflow, i.e. for ages beyond the epoch: nothing is that old).
inline bool older_than(int64_t timestamp, int64_t now_ms, int64_t age_ms) {
  int64_t cutoff = 0;
  if (__builtin_sub_overflow(now_ms, age_ms, &cutoff)) return false;
  return timestamp < cutoff;
}

// now + age, saturating at INT64_MAX ("never").
inline int64_t time_after(int64_t now_ms, int64_t age_ms) {
  int64_t out = 0;
  return __builtin_add_overflow(now_ms, age_ms, &out) ? INT64_MAX : out;
}

}  // namespace kafka_do::storage
