// Child process of the crash test: appends numbered records to topic "crash" as fast as it can
// and prints the last offset of every acknowledged append on stdout, one line each, flushed.
// Each record's value is its own offset (plus padding), so the parent can tell a correct record
// from garbage after recovery.
//   crash_writer DIR POLICY(os|interval|every_batch) SEED
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "model/record_batch.hpp"
#include "storage/log_manager.hpp"

using namespace kafka_do;

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: crash_writer DIR POLICY SEED\n");
    return 2;
  }
  storage::LogOptions options;
  const std::string policy = argv[2];
  options.flush_policy = policy == "every_batch" ? storage::FlushPolicy::every_batch
                         : policy == "os"        ? storage::FlushPolicy::os
                                                 : storage::FlushPolicy::interval;
  options.flush_interval = std::chrono::milliseconds(5);
  auto manager = storage::LogManager::open(fs::posix_file_system(), argv[1], options);
  if (!manager) {
    std::fprintf(stderr, "open: %s\n", manager.error().to_string().c_str());
    return 1;
  }
  if (!(*manager)->has_topic("crash")) {
    auto created = (*manager)->create_topic("crash", 1, {{"segment.bytes", "65536"}});
    if (!created) {
      std::fprintf(stderr, "create: %s\n", created.error().to_string().c_str());
      return 1;
    }
  }
  auto log = *(*manager)->partition("crash", 0);
  std::mt19937 rng(uint32_t(std::strtoul(argv[3], nullptr, 10)));
  int64_t next = log->high_watermark();
  for (;;) {
    const int records = 1 + int(rng() % 20);
    model::BatchBuilder builder(
        {.compression = rng() % 4 == 0 ? model::Compression::lz4 : model::Compression::none});
    for (int i = 0; i < records; ++i) {
      builder.add(next + i, std::nullopt,
                  std::to_string(next + i) + ":" + std::string(rng() % 600, 'p'));
    }
    std::string batch = *builder.build();
    auto r = log->append(batch);
    if (!r) {
      std::fprintf(stderr, "append: %s\n", r.error().to_string().c_str());
      return 1;
    }
    next = r->last_offset + 1;
    std::printf("%lld\n", static_cast<long long>(r->last_offset));
    std::fflush(stdout);
  }
}
