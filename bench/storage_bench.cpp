// storage_bench: how close the storage engine comes to what the machine can do, measured in one
// run on one filesystem so that the ratios mean something on a noisy machine.
//
//   1. reference figures: memcpy bandwidth, raw sequential write (+ one fdatasync), raw pread;
//   2. appends through LogManager/PartitionLog, FlushPolicy::interval, 100 B and 1 KiB values in
//      batches of 1, 100 and 1000 records (batches built before the clock starts);
//   3. the same with FlushPolicy::every_batch and several writers (group commit);
//   4. sequential PartitionLog::read, with and without decoding the batches;
//   5. peak RSS while appending several GiB (the engine must not buffer what it writes).
//
// A plain program rather than Google Benchmark: each figure is one long, fixed-work run and the
// interesting output is the table of ratios, which the benchmark library does not print.

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "model/record_batch.hpp"
#include "storage/log_manager.hpp"

namespace kafka_do::bench {
namespace {

struct Settings {
  bool quick = false;
  std::string dir;
  double rss_gib = 4;
  size_t reference_mib = 1024;
  size_t append_mib = 1024;
  size_t every_batch_mib = 512;
  double max_case_seconds = 5;
  int writer_threads = 4;
};

// Resets VmHWM to the current RSS (Linux >= 4.0), so the peak covers only what follows.
bool reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return bool(out);
}

std::string fill_pattern(size_t size, uint32_t seed) {
  std::string s(size, '\0');
  std::minstd_rand rng(seed);
  for (auto& c : s) c = char('a' + rng() % 26);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Reference figures.

struct Reference {
  double memcpy_mbps = 0;
  double write_mbps = 0;
  double read_cached_mbps = 0;
  double read_cold_mbps = 0;
  size_t bytes = 0;
};

double measure_memcpy(size_t total) {
  std::vector<char> src(total, 'x');
  std::vector<char> dst(total, 'y');
  auto pass = [&] {
    for (size_t at = 0; at < total; at += kMiB)
      std::memcpy(dst.data() + at, src.data() + at, std::min(kMiB, total - at));
    keep(dst.data());
  };
  pass();  // warm-up: faults every page in and settles the frequency
  const auto start = Clock::now();
  pass();
  return double(total) / kMB / seconds_since(start);
}

Reference measure_reference(const Settings& s) {
  Reference ref;
  ref.bytes = s.reference_mib * kMiB;
  ref.memcpy_mbps = measure_memcpy(ref.bytes);

  const std::string path = s.dir + "/raw-reference.bin";
  const std::string chunk = fill_pattern(kMiB, 7);
  {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) die("open " + path + ": " + std::strerror(errno));
    const auto start = Clock::now();
    for (size_t at = 0; at < ref.bytes; at += kMiB) {
      if (::write(fd, chunk.data(), kMiB) != ssize_t(kMiB))
        die("write: " + std::string(std::strerror(errno)));
    }
    if (::fdatasync(fd) != 0) die("fdatasync: " + std::string(std::strerror(errno)));
    ref.write_mbps = double(ref.bytes) / kMB / seconds_since(start);
    ::close(fd);
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) die("open " + path);
  std::vector<char> buf(kMiB);
  auto read_all = [&] {
    const auto start = Clock::now();
    for (size_t at = 0; at < ref.bytes; at += kMiB) {
      if (::pread(fd, buf.data(), kMiB, off_t(at)) != ssize_t(kMiB)) die("pread: short read");
      keep(buf.data());
    }
    return double(ref.bytes) / kMB / seconds_since(start);
  };
  // Right after writing the file is in the page cache, as the engine's partition is when the
  // read benchmark runs: that is the comparable figure.
  ref.read_cached_mbps = read_all();
  // The data was synced, so dropping its pages works without privileges.
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ref.read_cold_mbps = read_all();
  ::close(fd);
  std::filesystem::remove(path);
  return ref;
}

// ---------------------------------------------------------------------------------------------
// Engine appends.

struct BatchPool {
  std::vector<std::string> batches;
  size_t records_per_batch = 0;
  size_t value_size = 0;
  size_t batch_bytes() const { return batches.front().size(); }
};

// Distinct batches cycled through by the writer: enough of them that the copy into the page
// cache is not served from a hot cache line, few enough to stay small. Appending rewrites the
// base offset in place, which leaves the batch valid for the next round.
BatchPool build_pool(size_t value_size, size_t records_per_batch, size_t pool_bytes,
                     uint32_t seed) {
  BatchPool pool;
  pool.records_per_batch = records_per_batch;
  pool.value_size = value_size;
  const std::string values = fill_pattern(value_size + 4096, seed);
  const size_t per_batch = records_per_batch * (value_size + 8);
  const size_t count = std::max<size_t>(4, pool_bytes / per_batch);
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  for (size_t b = 0; b < count; ++b) {
    model::BatchBuilder builder;
    for (size_t r = 0; r < records_per_batch; ++r) {
      builder.add(now, std::nullopt,
                  std::string_view(values).substr((b * 131 + r * 17) % 4096, value_size));
    }
    pool.batches.push_back(check(builder.build(), "build batch"));
  }
  return pool;
}

struct AppendFigures {
  uint64_t records = 0;
  uint64_t log_bytes = 0;
  uint64_t payload_bytes = 0;
  double seconds = 0;
  double records_per_s() const { return double(records) / seconds; }
  double log_mbps() const { return double(log_bytes) / kMB / seconds; }
  double payload_mbps() const { return double(payload_bytes) / kMB / seconds; }
};

// `threads` writers append pools[i] to `log` until `target_bytes` were written or `max_seconds`
// passed; the clock includes a final flush so that the figure compares with the raw write's
// final fdatasync.
AppendFigures run_appends(storage::PartitionLog& log, std::vector<BatchPool>& pools,
                          uint64_t target_bytes, double max_seconds) {
  std::atomic<uint64_t> written{0};
  std::atomic<uint64_t> records{0};
  std::atomic<bool> stop{false};
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(max_seconds));
  auto writer = [&](BatchPool& pool) {
    uint64_t mine_bytes = 0;
    uint64_t mine_records = 0;
    for (size_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
      std::string& batch = pool.batches[i % pool.batches.size()];
      check(log.append(std::span<char>(batch.data(), batch.size()),
                       storage::AppendOptions{.validate_records = false}),
            "append");
      mine_bytes += batch.size();
      mine_records += pool.records_per_batch;
      const uint64_t total =
          written.fetch_add(batch.size(), std::memory_order_relaxed) + batch.size();
      if (total >= target_bytes || ((i & 15) == 0 && Clock::now() >= deadline)) stop.store(true);
    }
    records.fetch_add(mine_records);
    (void)mine_bytes;
  };
  std::vector<std::thread> threads;
  for (size_t t = 1; t < pools.size(); ++t) threads.emplace_back(writer, std::ref(pools[t]));
  writer(pools[0]);
  for (auto& t : threads) t.join();
  check(log.flush(), "flush");
  AppendFigures f;
  f.seconds = seconds_since(start);
  f.records = records.load();
  f.log_bytes = written.load();
  f.payload_bytes = f.records * pools[0].value_size;
  return f;
}

// ---------------------------------------------------------------------------------------------
// Engine reads.

struct ReadFigures {
  uint64_t bytes = 0;
  uint64_t records = 0;
  double seconds = 0;
  double mbps() const { return double(bytes) / kMB / seconds; }
  double records_per_s() const { return double(records) / seconds; }
};

ReadFigures read_partition(const storage::PartitionLog& log, bool decode) {
  ReadFigures f;
  int64_t offset = log.log_start_offset();
  const int64_t end = log.high_watermark();
  const auto start = Clock::now();
  while (offset < end) {
    auto read = check(log.read(offset, kMiB), "read");
    std::string_view rest = read.records;
    if (rest.empty()) die("read returned nothing below the high watermark");
    f.bytes += rest.size();
    while (!rest.empty()) {
      const auto h = check(model::parse_batch_header(rest), "parse batch header");
      if (decode) {
        auto records = check(model::decode_batch(rest.substr(0, h.total_size())), "decode");
        f.records += records.size();
        keep(records.data());
      } else {
        f.records += uint64_t(h.record_count);
      }
      offset = h.next_offset();
      rest.remove_prefix(h.total_size());
    }
  }
  f.seconds = seconds_since(start);
  return f;
}

// ---------------------------------------------------------------------------------------------
// Reporting.

std::string human_bytes(double b) {
  char buf[32];
  if (b >= double(1ull << 30)) {
    std::snprintf(buf, sizeof(buf), "%.2f GiB", b / double(1ull << 30));
  } else if (b >= double(kMiB)) {
    std::snprintf(buf, sizeof(buf), "%.1f MiB", b / double(kMiB));
  } else {
    std::snprintf(buf, sizeof(buf), "%.0f KiB", b / 1024);
  }
  return buf;
}

std::string value_label(size_t value_size) {
  return value_size >= 1024 ? "1 KiB" : std::to_string(value_size) + " B";
}

void print_append_header() {
  std::printf("  %-6s %6s %7s %11s %7s %12s %9s %9s %9s %9s\n", "value", "batch", "writers",
              "records", "secs", "records/s", "payld MB/s", "log MB/s", "vs write", "vs memcpy");
}

void print_append_row(size_t value_size, size_t batch, int writers, const AppendFigures& f,
                      const Reference& ref) {
  std::printf("  %-6s %6zu %7d %11llu %7.2f %12.0f %10.1f %9.1f %8.0f%% %8.1f%%\n",
              value_label(value_size).c_str(), batch, writers,
              static_cast<unsigned long long>(f.records), f.seconds, f.records_per_s(),
              f.payload_mbps(), f.log_mbps(), 100 * f.log_mbps() / ref.write_mbps,
              100 * f.log_mbps() / ref.memcpy_mbps);
}

// ---------------------------------------------------------------------------------------------

struct Results {
  Reference ref;
  AppendFigures interval[2][3];  // [100 B, 1 KiB][batch 1, 100, 1000]
};

int run(const Settings& s) {
  std::error_code ec;
  std::filesystem::create_directories(s.dir, ec);
  char pattern_buf[4096];
  std::snprintf(pattern_buf, sizeof(pattern_buf), "%s/storage-bench-XXXXXX", s.dir.c_str());
  if (::mkdtemp(pattern_buf) == nullptr) die("mkdtemp in " + s.dir + ": " + std::strerror(errno));
  const std::string root = pattern_buf;
  // Removes the scratch directory however the run ends (die() exits without unwinding, so it
  // also registers an atexit cleanup).
  static std::string cleanup_root;
  cleanup_root = root;
  std::atexit([] {
    std::error_code e;
    std::filesystem::remove_all(cleanup_root, e);
  });

  struct statvfs vfs {};
  ::statvfs(root.c_str(), &vfs);
  const double free_bytes = double(vfs.f_bavail) * double(vfs.f_frsize);

  char when[64];
  const std::time_t now = std::time(nullptr);
  std::strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", std::localtime(&now));
  std::printf("kafka-do storage_bench (%s run) %s\n", s.quick ? "quick" : "full", when);
  std::printf("  scratch dir %s (%s free), %u hardware threads\n", root.c_str(),
              human_bytes(free_bytes).c_str(), std::thread::hardware_concurrency());
  std::printf(
      "  MB = 10^6 bytes. Every figure is a single run: expect disk figures to vary 2-4x between "
      "runs.\n\n");
  std::fflush(stdout);

  // Peak RSS first, before the reference phase's large buffers raise the high-water mark.
  double rss_bytes = s.rss_gib * double(1ull << 30);
  bool rss_shrunk = false;
  if (rss_bytes + 2.0 * double(1ull << 30) > free_bytes && !s.quick) {
    rss_bytes = std::max(0.0, free_bytes - 2.0 * double(1ull << 30));
    rss_shrunk = true;
  }
  size_t rss_baseline = 0, rss_peak = 0, rss_index = 0;
  AppendFigures rss_run;
  bool hwm_reset = false;
  {
    BatchPool pool = build_pool(1024, 1000, 8 * kMiB, 99);
    std::vector<BatchPool> pools{std::move(pool)};
    auto logs = check(storage::LogManager::open(fs::posix_file_system(), root + "/rss"),
                      "open rss data dir");
    check(logs->create_topic("rss", 1, {{"max.message.bytes", "4194304"}}), "create topic");
    auto log = check(logs->partition("rss", 0), "partition");
    hwm_reset = reset_peak_rss();
    rss_baseline = proc_status_bytes("/proc/self/status", "VmRSS:");
    rss_run = run_appends(*log, pools, uint64_t(rss_bytes), 1e9);
    rss_peak = proc_status_bytes("/proc/self/status", "VmHWM:");
    rss_index = log->index_memory_bytes();
    log.reset();
    check(logs->delete_topic("rss"), "delete topic");
    check(logs->close(), "close");
  }

  Results r;
  r.ref = measure_reference(s);
  std::printf("Reference figures (%s each, same filesystem)\n",
              human_bytes(double(r.ref.bytes)).c_str());
  std::printf("  %-58s %9.0f MB/s\n", "memcpy, 1 MiB copies, after a warm-up pass",
              r.ref.memcpy_mbps);
  std::printf("  %-58s %9.0f MB/s\n", "raw write(), 1 MiB chunks + one final fdatasync",
              r.ref.write_mbps);
  std::printf("  %-58s %9.0f MB/s\n", "raw pread(), 1 MiB chunks, file in page cache",
              r.ref.read_cached_mbps);
  std::printf("  %-58s %9.0f MB/s\n\n", "raw pread(), 1 MiB chunks, cold (after fadvise DONTNEED)",
              r.ref.read_cold_mbps);
  std::fflush(stdout);

  const size_t value_sizes[2] = {100, 1024};
  const size_t batch_sizes[3] = {1, 100, 1000};
  std::vector<std::pair<std::string, ReadFigures>> reads;
  {
    std::printf(
        "Engine appends, FlushPolicy::interval, 1 partition (timed: appends + final flush;\n");
    std::printf("  up to %s or %.1f s per row; log MB/s counts batch bytes as stored)\n",
                human_bytes(double(s.append_mib * kMiB)).c_str(), s.max_case_seconds);
    print_append_header();
    auto logs = check(storage::LogManager::open(fs::posix_file_system(), root + "/interval"),
                      "open data dir");
    for (int v = 0; v < 2; ++v) {
      for (int b = 0; b < 3; ++b) {
        const std::string topic =
            "v" + std::to_string(value_sizes[v]) + "-b" + std::to_string(batch_sizes[b]);
        check(logs->create_topic(topic, 1, {{"max.message.bytes", "4194304"}}), "create topic");
        auto log = check(logs->partition(topic, 0), "partition");
        std::vector<BatchPool> pools;
        pools.push_back(build_pool(value_sizes[v], batch_sizes[b], 8 * kMiB, uint32_t(v * 10 + b)));
        r.interval[v][b] = run_appends(*log, pools, s.append_mib * kMiB, s.max_case_seconds);
        print_append_row(value_sizes[v], batch_sizes[b], 1, r.interval[v][b], r.ref);
        std::fflush(stdout);
        if (batch_sizes[b] == 1000) {
          reads.emplace_back(value_label(value_sizes[v]) + " x1000, no decode",
                             read_partition(*log, false));
          reads.emplace_back(value_label(value_sizes[v]) + " x1000, decode_batch",
                             read_partition(*log, true));
        }
        log.reset();
        check(logs->delete_topic(topic), "delete topic");
      }
    }
    check(logs->close(), "close");
  }

  {
    std::printf(
        "\nEngine appends, FlushPolicy::every_batch (fdatasync per append, shared by concurrent\n");
    std::printf("  writers: group commit), 1 partition, %d writer threads\n", s.writer_threads);
    print_append_header();
    storage::LogOptions options;
    options.flush_policy = storage::FlushPolicy::every_batch;
    auto logs = check(
        storage::LogManager::open(fs::posix_file_system(), root + "/every-batch", options), "open");
    for (int v = 0; v < 2; ++v) {
      for (int b = 1; b < 3; ++b) {
        const std::string topic =
            "v" + std::to_string(value_sizes[v]) + "-b" + std::to_string(batch_sizes[b]);
        check(logs->create_topic(topic, 1, {{"max.message.bytes", "4194304"}}), "create topic");
        auto log = check(logs->partition(topic, 0), "partition");
        std::vector<BatchPool> pools;
        for (int t = 0; t < s.writer_threads; ++t) {
          pools.push_back(build_pool(value_sizes[v], batch_sizes[b], 2 * kMiB, uint32_t(100 + t)));
        }
        const AppendFigures f =
            run_appends(*log, pools, s.every_batch_mib * kMiB, s.max_case_seconds);
        print_append_row(value_sizes[v], batch_sizes[b], s.writer_threads, f, r.ref);
        std::fflush(stdout);
        log.reset();
        check(logs->delete_topic(topic), "delete topic");
      }
    }
    check(logs->close(), "close");
  }

  std::printf(
      "\nEngine sequential reads, PartitionLog::read with 1 MiB max_bytes (partitions written "
      "above)\n");
  std::printf("  %-28s %10s %12s %12s %14s\n", "partition", "MB/s", "records/s", "vs raw read",
              "(vs cold read)");
  for (const auto& [label, f] : reads) {
    std::printf("  %-28s %10.0f %12.0f %11.0f%% %13.0f%%\n", label.c_str(), f.mbps(),
                f.records_per_s(), 100 * f.mbps() / r.ref.read_cached_mbps,
                100 * f.mbps() / r.ref.read_cold_mbps);
  }

  std::printf(
      "\nPeak RSS while appending %s of 1 KiB records in batches of 1000 (interval policy)\n",
      human_bytes(double(rss_run.log_bytes)).c_str());
  if (rss_shrunk) std::printf("  (run shrunk to fit the free disk space)\n");
  std::printf("  RSS before the run %s, peak during it (VmHWM%s) %s, growth %s\n",
              human_bytes(double(rss_baseline)).c_str(), hwm_reset ? ", reset before the run" : "",
              human_bytes(double(rss_peak)).c_str(),
              human_bytes(double(rss_peak > rss_baseline ? rss_peak - rss_baseline : 0)).c_str());
  std::printf("  append rate during the run %.0f MB/s; active-segment index memory at the end %s\n",
              rss_run.log_mbps(), human_bytes(double(rss_index)).c_str());

  const auto& kib1000 = r.interval[1][2];
  const auto& kib100 = r.interval[1][1];
  const auto& b100x1000 = r.interval[0][2];
  const auto& b100x100 = r.interval[0][1];
  const double kib_ratio = kib1000.log_mbps() / r.ref.write_mbps;
  std::printf("\nTargets (interval policy)\n");
  std::printf(
      "  1 KiB batched appends >= 50%% of raw write bandwidth: batch 1000 %.0f%%, batch 100 %.0f%% "
      " -> %s\n",
      100 * kib_ratio, 100 * kib100.log_mbps() / r.ref.write_mbps,
      kib_ratio >= 0.5 ? "MET" : "MISSED");
  std::printf(
      "  100 B batched appends >= 2,000,000 records/s: batch 1000 %.0f, batch 100 %.0f  -> %s\n",
      b100x1000.records_per_s(), b100x100.records_per_s(),
      b100x1000.records_per_s() >= 2e6 ? "MET" : "MISSED");
  if (s.quick) std::printf("  (quick run: sizes too small for the figures to mean anything)\n");
  return 0;
}

}  // namespace
}  // namespace kafka_do::bench

int main(int argc, char** argv) {
  kafka_do::bench::Settings s;
  const char* tmp = std::getenv("TMPDIR");
  s.dir = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  CLI::App app{
      "kafka-do storage benchmark: reference bandwidths, engine append/read throughput, peak RSS"};
  // scripts/run-bench passes defaults first; a user's own value later on the line wins.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_flag("--quick", s.quick, "Tiny sizes (a few seconds): a smoke run, not a measurement");
  app.add_option("--dir", s.dir, "Scratch directory parent (use the data directory's filesystem)")
      ->capture_default_str();
  auto* rss = app.add_option("--rss-gib", s.rss_gib, "GiB appended in the peak-RSS run")
                  ->capture_default_str();
  app.add_option("--reference-mib", s.reference_mib, "MiB per reference measurement")
      ->capture_default_str();
  app.add_option("--append-mib", s.append_mib, "Most MiB per interval append row")
      ->capture_default_str();
  app.add_option("--every-batch-mib", s.every_batch_mib, "Most MiB per every_batch append row")
      ->capture_default_str();
  app.add_option("--max-case-seconds", s.max_case_seconds, "Time limit per append row")
      ->capture_default_str();
  app.add_option("--writers", s.writer_threads, "Writer threads for the every_batch rows")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (s.quick) {
    if (rss->count() == 0) s.rss_gib = 32.0 / 1024;
    s.reference_mib = std::min<size_t>(s.reference_mib, 16);
    s.append_mib = std::min<size_t>(s.append_mib, 8);
    s.every_batch_mib = std::min<size_t>(s.every_batch_mib, 4);
    s.max_case_seconds = std::min(s.max_case_seconds, 0.5);
  }
  return kafka_do::bench::run(s);
}
