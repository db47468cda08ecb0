#include "streams/windows.hpp"

#include <algorithm>
#include <set>

namespace kafka::detail {

std::vector<int64_t> time_window_starts(int64_t ts, int64_t size, int64_t advance) {
  std::vector<int64_t> starts;
  if (ts < 0) return starts;
  // The last window holding ts starts at the largest multiple of advance <= ts; earlier ones
  // follow every `advance` while they still reach past ts.
  const int64_t last = ts - ts % advance;
  for (int64_t start = last; start >= 0 && start + size > ts; start -= advance) {
    starts.push_back(start);
  }
  std::reverse(starts.begin(), starts.end());
  return starts;
}

std::vector<ClosedWindow> sliding_windows(std::vector<int64_t> timestamps, int64_t difference) {
  std::sort(timestamps.begin(), timestamps.end());
  timestamps.erase(std::unique(timestamps.begin(), timestamps.end()), timestamps.end());
  auto by_end = [](const ClosedWindow& a, const ClosedWindow& b) {
    return a.end != b.end ? a.end < b.end : a.start < b.start;
  };
  std::set<ClosedWindow, decltype(by_end)> windows(by_end);
  for (size_t i = 0; i < timestamps.size(); ++i) {
    const int64_t t = timestamps[i];
    windows.insert({t - difference, t});
    // The window starting just after t exists when a later record falls in it.
    if (i + 1 < timestamps.size() && timestamps[i + 1] <= t + 1 + difference) {
      windows.insert({t + 1, t + 1 + difference});
    }
  }
  return {windows.begin(), windows.end()};
}

}  // namespace kafka::detail
