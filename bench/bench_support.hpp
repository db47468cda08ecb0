#pragma once
// Small helpers shared by the benchmarks: fail loudly, unwrap Results, time, keep results alive.

#include <errno.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace kafka_do::bench {

using Clock = std::chrono::steady_clock;
inline constexpr size_t kMiB = 1 << 20;
inline constexpr double kMB = 1e6;

[[noreturn]] inline void die(const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", program_invocation_short_name, what.c_str());
  std::exit(1);
}

template <typename T>
T check(Result<T> r, const char* what) {
  if (!r) die(std::string(what) + ": " + r.error().message());
  return std::move(r).value();
}

inline void check(const Status& s, const char* what) {
  if (!s) die(std::string(what) + ": " + s.error().message());
}

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The steady clock in nanoseconds, to stamp records whose latency another thread measures.
inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// Latency percentiles of samples in nanoseconds, in milliseconds.
struct Latency {
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
};

inline Latency percentiles(std::vector<int64_t> ns) {
  Latency l;
  if (ns.empty()) return l;
  auto at = [&](double q) {
    const size_t k = std::min(ns.size() - 1, size_t(q * double(ns.size())));
    std::nth_element(ns.begin(), ns.begin() + ptrdiff_t(k), ns.end());
    return double(ns[k]) / 1e6;
  };
  l.p50_ms = at(0.50);
  l.p99_ms = at(0.99);
  l.max_ms = double(*std::max_element(ns.begin(), ns.end())) / 1e6;
  return l;
}

// Keeps the compiler from dropping work whose result is never read.
inline void keep(const void* p) { asm volatile("" : : "r"(p) : "memory"); }

// A field of a /proc/<pid>/status file (VmRSS:, VmHWM:), in bytes; 0 when the file is gone.
inline size_t proc_status_bytes(const std::string& status_file, const char* field) {
  std::ifstream in(status_file);
  std::string line;
  const size_t n = std::strlen(field);
  while (std::getline(in, line)) {
    if (line.compare(0, n, field) == 0)
      return size_t(std::strtoull(line.c_str() + n + 1, nullptr, 10)) * 1024;
  }
  return 0;
}

}  // namespace kafka_do::bench
