// cleaner_bench: log compaction throughput and memory.
//   1. For 1 KiB records with 10 % and with 90 % duplicate keys: one cleaning pass over a sealed
//      partition (MB of log cleaned per second), beside a raw sequential read + write + fdatasync
//      of the same bytes measured in the same run.
//   2. Peak RSS of a process that opens a partition of --rss-gib GiB holding --rss-keys distinct
//      keys and cleans it to the end (several passes, the map bounded by --map-mib): it should
//      stay within the map size plus a few MiB, whatever the partition's size.
// Usage: cleaner_bench --dir DIR [--mib N] [--rss-gib N] [--rss-keys N] [--map-mib N] [--quick]
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "model/record_batch.hpp"
#include "storage/log_cleaner.hpp"
#include "storage/partition_log.hpp"

using namespace kafka_do;
using namespace kafka_do::bench;

namespace {

struct Settings {
  std::string dir;
  size_t mib = 512;
  double rss_gib = 2;
  size_t rss_keys = 10'000'000;
  size_t map_mib = 16;
  bool skip_rss = false;
};

storage::TopicConfig compacted() {
  storage::TopicConfig config;
  check(config.set("cleanup.policy", "compact"), "config");
  config.segment_bytes = 128 << 20;
  config.min_cleanable_dirty_ratio = 0;
  return config;
}

std::shared_ptr<storage::PartitionLog> open_log(const std::string& dir) {
  return check(storage::PartitionLog::open(fs::posix_file_system(), dir, "bench", 0, compacted(),
                                           {.flush_policy = storage::FlushPolicy::os}, nullptr),
               "open partition");
}

// Writes `bytes` of records of `value_size` bytes; `key_of(i)` names record i's key.
template <typename KeyOf>
uint64_t fill(storage::PartitionLog& log, uint64_t bytes, size_t value_size, KeyOf key_of) {
  const std::string value(value_size, 'v');
  uint64_t written = 0;
  for (uint64_t i = 0; written < bytes;) {
    model::BatchBuilder builder;
    for (int r = 0; r < 16; ++r, ++i) builder.add(1'700'000'000'000, key_of(i), value);
    std::string batch = check(builder.build(), "build");
    check(log.append(batch, {.validate_records = false}), "append");
    written += batch.size();
  }
  check(log.roll(), "roll");
  check(log.flush(), "flush");
  return written;
}

// Raw sequential read of every segment file and write of the same bytes to one new file.
double raw_read_write_mbps(const std::string& dir) {
  const std::string out_path = dir + "/raw-copy.bin";
  const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (out < 0) die("open " + out_path);
  std::vector<char> buf(kMiB);
  uint64_t total = 0;
  const auto start = Clock::now();
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".log") continue;
    const int in = ::open(entry.path().c_str(), O_RDONLY);
    ssize_t n;
    while ((n = ::read(in, buf.data(), buf.size())) > 0) {
      if (::write(out, buf.data(), size_t(n)) != n) die("write");
      total += uint64_t(n);
    }
    ::close(in);
  }
  ::fdatasync(out);
  const double secs = seconds_since(start);
  ::close(out);
  std::filesystem::remove(out_path);
  return double(total) / kMB / secs;
}

void throughput_case(const Settings& s, int duplicate_percent) {
  const std::string dir = s.dir + "/dup" + std::to_string(duplicate_percent);
  std::filesystem::remove_all(dir);
  auto log = open_log(dir);
  // Records of ~1 KiB; a record is a duplicate (an earlier record's key) with the given odds.
  std::mt19937_64 rng(42);
  uint64_t distinct = 0;
  const uint64_t bytes = fill(*log, uint64_t(s.mib) * kMiB, 1000, [&](uint64_t) {
    if (distinct > 0 && int(rng() % 100) < duplicate_percent) {
      return "key-" + std::to_string(rng() % distinct);
    }
    return "key-" + std::to_string(distinct++);
  });
  const double raw = raw_read_write_mbps(dir);
  storage::LogCleaner cleaner(std::max<size_t>(s.map_mib, distinct * 24 * 2 / kMiB + 1) * kMiB);
  const auto start = Clock::now();
  auto result = check(cleaner.clean(*log, 1'700'000'000'000), "clean");
  const double secs = seconds_since(start);
  const double mbps = double(result.bytes_before) / kMB / secs;
  std::printf(
      "  %2d%% duplicate keys: %6.0f MiB -> %6.0f MiB in %5.2f s: %6.0f MB/s cleaned, "
      "raw read+write %6.0f MB/s, ratio %.2f\n",
      duplicate_percent, double(bytes) / kMiB, double(result.bytes_after) / kMiB, secs, mbps, raw,
      mbps / raw);
  check(log->close(), "close");
  std::filesystem::remove_all(dir);
}

void rss_case(const Settings& s) {
  const std::string dir = s.dir + "/rss";
  std::filesystem::remove_all(dir);
  const uint64_t bytes = uint64_t(s.rss_gib * double(1ull << 30));
  const size_t value_size = std::max<size_t>(bytes / s.rss_keys, 64) - 40;
  {
    auto log = open_log(dir);
    fill(*log, bytes, value_size, [](uint64_t i) { return "key-" + std::to_string(i); });
    check(log->close(), "close");
  }
  // The cleaning runs in a child so that its peak RSS is the cleaner's alone.
  std::fflush(stdout);  // or the child prints the parent's buffered lines again
  const pid_t pid = ::fork();
  if (pid == 0) {
    auto log = open_log(dir);
    storage::LogCleaner cleaner(s.map_mib * kMiB);
    int passes = 0;
    const auto start = Clock::now();
    for (;; ++passes) {
      auto result = check(cleaner.clean(*log, 1'700'000'000'000), "clean");
      if (!result.cleaned) break;
    }
    std::printf("  %.1f GiB, %zu distinct keys, map %zu MiB: %d passes in %.1f s\n", s.rss_gib,
                s.rss_keys, s.map_mib, passes, seconds_since(start));
    std::fflush(stdout);
    ::_exit(0);
  }
  int status = 0;
  rusage usage{};
  ::wait4(pid, &status, 0, &usage);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) die("cleaning child failed");
  const double rss_mib = double(usage.ru_maxrss) / 1024.0;
  std::printf("  cleaner process peak RSS %.1f MiB = map %zu MiB + %.1f MiB\n", rss_mib, s.map_mib,
              rss_mib - double(s.map_mib));
  std::filesystem::remove_all(dir);
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  bool quick = false;
  CLI::App app{"kafka-do cleaner benchmark: compaction throughput vs raw I/O, and peak RSS"};
  app.add_option("--dir", s.dir, "Scratch directory")->required();
  app.add_option("--mib", s.mib, "MiB of log per throughput case");
  app.add_option("--rss-gib", s.rss_gib, "GiB of log for the peak-RSS case");
  app.add_option("--rss-keys", s.rss_keys, "Distinct keys in the peak-RSS case");
  app.add_option("--map-mib", s.map_mib, "Cleaner map memory (MiB)");
  app.add_flag("--skip-rss", s.skip_rss, "Skip the peak-RSS case");
  app.add_flag("--quick", quick, "Tiny sizes (a smoke test)");
  CLI11_PARSE(app, argc, argv);
  if (quick) {
    s.mib = 8;
    s.rss_gib = 0.02;
    s.rss_keys = 100'000;
    s.map_mib = 1;
  }
  std::filesystem::create_directories(s.dir);
  std::printf("kafka-do cleaner benchmark (1 KiB records, one pass, page cache warm)\n");
  for (int dup : {10, 90}) throughput_case(s, dup);
  if (!s.skip_rss) rss_case(s);
  return 0;
}
