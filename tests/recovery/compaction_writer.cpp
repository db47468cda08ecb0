// Child process of the compaction crash test: updates and deletes keys of the compacted topic
// "table" and runs the cleaner after every few segments, for ever, so that a SIGKILL lands in
// the middle of an append or (most of the time) of a cleaning pass. Prints every acknowledged
// record on stdout, one line each, flushed: "<offset> <key> <value>" ("-" for a tombstone), and
// "cleaning" / "cleaned" around each cleaning pass.
//   compaction_writer DIR SEED
#include <unistd.h>

#include <cstdio>
#include <random>
#include <string>

#include "model/record_batch.hpp"
#include "storage/log_manager.hpp"

using namespace kafka_do;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: compaction_writer DIR SEED\n");
    return 2;
  }
  storage::LogOptions options;
  options.cleaner_enabled = false;       // driven below, so passes run back to back
  options.cleaner_map_bytes = 24 * 200;  // 180 keys a pass: several passes over 400 keys
  auto manager = storage::LogManager::open(fs::posix_file_system(), argv[1], options);
  if (!manager) {
    std::fprintf(stderr, "open: %s\n", manager.error().to_string().c_str());
    return 1;
  }
  auto& logs = **manager;
  if (!logs.has_topic("table")) {
    auto created = logs.create_topic("table", 1,
                                     {{"cleanup.policy", "compact"},
                                      {"segment.bytes", "16384"},
                                      {"min.cleanable.dirty.ratio", "0"},
                                      {"delete.retention.ms", "0"}});
    if (!created) return 1;
  }
  auto log = *logs.partition("table", 0);
  std::mt19937 rng(uint32_t(std::stoul(argv[2])));
  const std::string padding(64, 'p');
  for (uint64_t seq = 0;; ++seq) {
    model::BatchBuilder builder;
    std::vector<std::pair<std::string, std::string>> sent;
    const int n = 1 + int(rng() % 8);
    for (int i = 0; i < n; ++i) {
      const std::string key = "k" + std::to_string(rng() % 400);
      const bool tombstone = rng() % 10 == 0;
      const std::string value = key + "#" + std::to_string(seq) + "." + std::to_string(i);
      builder.add(1000, key,
                  tombstone ? std::nullopt : std::optional<std::string_view>(value + padding));
      sent.emplace_back(key, tombstone ? "-" : value);
    }
    auto batch = builder.build();
    if (!batch) return 1;
    auto appended = log->append(*batch);
    if (!appended) {
      std::fprintf(stderr, "append: %s\n", appended.error().to_string().c_str());
      return 1;
    }
    std::string lines;
    for (size_t i = 0; i < sent.size(); ++i) {
      lines += std::to_string(appended->base_offset + int64_t(i)) + " " + sent[i].first + " " +
               sent[i].second + "\n";
    }
    if (::write(STDOUT_FILENO, lines.data(), lines.size()) != ssize_t(lines.size())) return 1;
    if (seq % 64 == 63) {
      if (!log->roll()) return 1;
      if (::write(STDOUT_FILENO, "cleaning\n", 9) != 9) return 1;
      auto cleaned = logs.clean_due(1000 + int64_t(seq));
      if (!cleaned) {
        std::fprintf(stderr, "clean: %s\n", cleaned.error().to_string().c_str());
        return 1;
      }
      if (::write(STDOUT_FILENO, "cleaned\n", 8) != 8) return 1;
    }
  }
}
