#pragma once
// Pieces every kafkado command shares: global options, the SDK client a command runs on (a data
// directory or a broker), the messages users see for common mistakes, and the throughput meter.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "base/result.hpp"
#include "kafka_do/client.hpp"
#include "storage/log_manager.hpp"

namespace kafka_do::cli {

inline constexpr const char* kDefaultDataDir = "./kafka-do-data";

// The file `kafkado serve` keeps in its data directory while it runs: the address clients reach
// it on, so that a command pointed at that directory can say which -b to use instead.
inline constexpr const char* kServingFile = "SERVING";

struct GlobalOptions {
  std::string data_dir = kDefaultDataDir;
  bool data_given = false;     // --data or KAFKA_DO_DATA named the directory
  std::string brokers;         // -b HOST:PORT; empty: not given
  std::string api_key;         // --api-key / KAFKA_DO_API_KEY ("user:secret")
  std::string sasl_mechanism;  // --sasl-mechanism / KAFKA_DO_SASL_MECHANISM ("" = PLAIN)
  std::string tls_ca_file;     // --tls-ca / KAFKA_DO_TLS_CA_FILE: TLS to the broker
  storage::FlushPolicy flush_policy = storage::FlushPolicy::interval;
  bool quiet = false;
};

// A command's usage mistake the parser could not see (exit code 2).
class UsageError : public kafka::Error {
 public:
  explicit UsageError(const std::string& m) : kafka::Error(kafka::ErrorCode::invalid_request, m) {}
};

// The SDK client a command runs on: a broker with -b (or KAFKA_DO_URL=kafka://...), else the data
// directory (--data, KAFKA_DO_DATA, ./kafka-do-data). Topics are never created implicitly. When a
// running broker holds the data directory, the error names the -b to use. Throws kafka::Error.
kafka::Client connect(const GlobalOptions& options);

// Opens (creating if needed) the data directory for `serve`, which owns the engine. Anything
// recovery had to repair is reported on stderr: a user should know when a crash cost them a torn
// tail. `log_options` carries the engine settings beyond the flush policy.
Result<std::unique_ptr<storage::LogManager>> open_data_dir(const GlobalOptions& options,
                                                           storage::LogOptions log_options = {});

// Splits "key=value" at the first '=' (UsageError otherwise); `what` names the flag.
std::pair<std::string, std::string> parse_key_value(std::string_view entry, std::string_view what);

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
