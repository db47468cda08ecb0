#pragma once
// Window arithmetic (docs/streams.md#windows), in ms since the epoch. Pure functions, so the
// known-answer tests can check them without a topology.

#include <cstdint>
#include <vector>

namespace kafka::detail {

// Tumbling (advance == size) and hopping windows: epoch-aligned [start, start + size), every
// start a multiple of `advance`, start >= 0. The starts of the windows holding `ts`, ascending.
std::vector<int64_t> time_window_starts(int64_t ts, int64_t size, int64_t advance);

// A sliding (or session) window, both ends inclusive.
struct ClosedWindow {
  int64_t start = 0;
  int64_t end = 0;
  auto operator<=>(const ClosedWindow&) const = default;
};

// Kafka Streams' sliding windows over the given record timestamps (any order, repeats allowed):
// for each record at t the window [t - difference, t], and [t + 1, t + 1 + difference] when a
// record falls in it. Distinct windows, ordered by end then start.
std::vector<ClosedWindow> sliding_windows(std::vector<int64_t> timestamps, int64_t difference);

}  // namespace kafka::detail
