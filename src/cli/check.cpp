// `kafkado check`: offline verification of a data directory (storage/data_dir_check.hpp).

#include <cstdio>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "storage/data_dir_check.hpp"

namespace kafka_do::cli {

int check(const GlobalOptions& global, bool json) {
  if (!global.brokers.empty()) {
    throw UsageError("check reads a data directory itself: give --data DIR (and stop the broker)");
  }
  auto result = storage::check_data_dir(*fs::posix_file_system(), global.data_dir);
  if (!result) {
    std::string message = result.error().message();
    if (result.error().code() == Errc::locked) message += "; stop the broker before checking";
    throw kafka::Error(kafka::ErrorCode::kafka_storage_error, message);
  }
  const auto& r = *result;
  if (json) {
    print_json({{"data_dir", global.data_dir},
                {"topics", r.topics},
                {"partitions", r.partitions},
                {"segments", r.segments},
                {"batches", r.batches},
                {"records", r.records},
                {"bytes", r.bytes},
                {"torn_tails", r.torn_tails},
                {"damage", r.damage},
                {"ok", r.damage.empty()}});
  } else {
    for (const auto& line : r.torn_tails) std::printf("torn tail: %s\n", line.c_str());
    for (const auto& line : r.damage) std::printf("DAMAGE: %s\n", line.c_str());
    std::printf(
        "%s: %llu topics, %llu partitions, %llu segments, %llu batches, %llu records, "
        "%llu bytes: %s\n",
        global.data_dir.c_str(), static_cast<unsigned long long>(r.topics),
        static_cast<unsigned long long>(r.partitions), static_cast<unsigned long long>(r.segments),
        static_cast<unsigned long long>(r.batches), static_cast<unsigned long long>(r.records),
        static_cast<unsigned long long>(r.bytes),
        r.damage.empty() ? "ok" : (std::to_string(r.damage.size()) + " problems found").c_str());
  }
  return r.damage.empty() ? 0 : 3;
}

}  // namespace kafka_do::cli
