#pragma once
// Pieces every kafkado command shares: global options, opening the data directory, the
// messages users see for common mistakes, and the throughput meter.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "base/result.hpp"
#include "storage/log_manager.hpp"

namespace kafka_do::cli {

inline constexpr const char* kDefaultDataDir = "./kafka-do-data";

struct GlobalOptions {
  std::string data_dir = kDefaultDataDir;
  storage::FlushPolicy flush_policy = storage::FlushPolicy::interval;
  bool quiet = false;
};

// Opens (creating if needed) the data directory. Anything recovery had to repair is reported on
// stderr: a user should know when a crash cost them a torn tail.
// `log_options` carries the engine settings a command wants beyond the global ones (the flush
// policy always comes from `options`).
Result<std::unique_ptr<storage::LogManager>> open_data_dir(const GlobalOptions& options,
                                                           storage::LogOptions log_options = {});

// "topic 'x' does not exist (create it with: kafkado topics create x)".
Error unknown_topic(const std::string& name);

// Fails with unknown_topic() unless the topic exists.
Status require_topic(const storage::LogManager& logs, const std::string& name);

// Splits "key=value" at the first '='.
Result<std::pair<std::string, std::string>> parse_config_entry(std::string_view entry);

int64_t wall_clock_ms();

// Counts records and payload bytes and reports throughput on stderr: a progress line about
// once per second while the run lasts, and a total at the end. Short non-interactive runs stay
// silent so scripts see nothing on stderr unless something went wrong.
class ThroughputMeter {
 public:
  // `verb` completes "<verb> N records", e.g. "produced".
  ThroughputMeter(std::string verb, bool enabled);

  void add(uint64_t records, uint64_t bytes) {
    records_ += records;
    bytes_ += bytes;
  }
  // Prints a progress line when a second has passed since the last one and records arrived.
  void maybe_report();
  // Prints the total (when the run took over a second or stderr is a terminal).
  void finish();

  uint64_t records() const { return records_; }

 private:
  using Clock = std::chrono::steady_clock;

  std::string verb_;
  bool enabled_;
  bool tty_;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_report_ = start_;
  uint64_t records_ = 0;
  uint64_t bytes_ = 0;
  uint64_t last_records_ = 0;
  uint64_t last_bytes_ = 0;
};

}  // namespace kafka_do::cli
