#include "client/finished_offsets.hpp"

#include <iterator>

namespace kafka_do::client {
namespace {

// Adds [start, end) to a set of disjoint, non-adjacent intervals, merging neighbours.
void insert(std::map<int64_t, int64_t>& intervals, int64_t start, int64_t end) {
  auto it = intervals.upper_bound(start);
  if (it != intervals.begin()) {
    auto prev = std::prev(it);
    if (prev->second >= start) {  // overlaps or touches the previous interval
      if (prev->second >= end) return;
      start = prev->first;
      it = intervals.erase(prev);
    }
  }
  while (it != intervals.end() && it->first <= end) {
    if (it->second > end) end = it->second;
    it = intervals.erase(it);
  }
  intervals.emplace(start, end);
}

}  // namespace

void FinishedOffsets::handed_out(int64_t offset) {
  if (low_ < 0 || offset < high_) {  // the first record, or the partition was re-read
    low_ = offset;
    finished_.clear();
    finished_any_ = false;
  } else if (offset > high_) {
    insert(finished_, high_, offset);  // offsets the log skipped: nothing to wait for
  }
  high_ = offset + 1;
  advance();
}

std::optional<int64_t> FinishedOffsets::finish(int64_t offset) {
  if (low_ < 0 || offset < low_ || offset >= high_) return std::nullopt;
  const int64_t before = low_;
  insert(finished_, offset, offset + 1);
  advance();
  if (low_ == before) return std::nullopt;
  finished_any_ = true;
  return low_;
}

void FinishedOffsets::finished_below(int64_t offset) {
  if (low_ < 0 || offset <= low_) return;
  if (offset > high_) high_ = offset;
  insert(finished_, low_, offset);
  advance();
}

void FinishedOffsets::advance() {
  auto first = finished_.begin();
  if (first == finished_.end() || first->first > low_) return;
  low_ = first->second;
  finished_.erase(first);
}

}  // namespace kafka_do::client
