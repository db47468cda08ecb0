#pragma once
// Small helpers shared by the benchmarks: fail loudly, unwrap Results, time, keep results alive.

#include <errno.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

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
