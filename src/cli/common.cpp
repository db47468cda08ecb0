#include "cli/common.hpp"

#include <unistd.h>

#include <cstdio>

#include "base/file_system.hpp"

namespace kafka_do::cli {

Result<std::unique_ptr<storage::LogManager>> open_data_dir(const GlobalOptions& options,
                                                           storage::LogOptions log_options) {
  log_options.flush_policy = options.flush_policy;
  KD_ASSIGN(auto logs,
            storage::LogManager::open(fs::posix_file_system(), options.data_dir, log_options));
  for (const auto& line : logs->recovery_report()) {
    std::fprintf(stderr, "kafkado: recovery: %s\n", line.c_str());
  }
  return logs;
}

Error unknown_topic(const std::string& name) {
  return Error(
      Errc::not_found,
      "topic '" + name + "' does not exist (create it with: kafkado topics create " + name + ")");
}

Status require_topic(const storage::LogManager& logs, const std::string& name) {
  if (!logs.has_topic(name)) return unknown_topic(name);
  return {};
}

Result<std::pair<std::string, std::string>> parse_config_entry(std::string_view entry) {
  const auto eq = entry.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return Error(Errc::invalid_argument,
                 "config '" + std::string(entry) + "' is not of the form key=value");
  }
  return std::make_pair(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
}

int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

ThroughputMeter::ThroughputMeter(std::string verb, bool enabled)
    : verb_(std::move(verb)), enabled_(enabled), tty_(::isatty(STDERR_FILENO) == 1) {}

void ThroughputMeter::maybe_report() {
  if (!enabled_) return;
  const auto now = Clock::now();
  const double since_last = std::chrono::duration<double>(now - last_report_).count();
  if (since_last < 1.0) return;
  if (records_ != last_records_) {
    const double rate = double(records_ - last_records_) / since_last;
    const double mb = double(bytes_ - last_bytes_) / 1e6 / since_last;
    std::fprintf(stderr, "%s %llu records (%.0f rec/s, %.1f MB/s)\n", verb_.c_str(),
                 static_cast<unsigned long long>(records_), rate, mb);
  }
  last_report_ = now;
  last_records_ = records_;
  last_bytes_ = bytes_;
}

void ThroughputMeter::finish() {
  if (!enabled_) return;
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  if (elapsed < 1.0 && !tty_) return;
  const double seconds = elapsed > 0 ? elapsed : 1e-9;
  std::fprintf(stderr, "%s %llu records in %.2f s (%.0f rec/s, %.1f MB/s)\n", verb_.c_str(),
               static_cast<unsigned long long>(records_), elapsed, double(records_) / seconds,
               double(bytes_) / 1e6 / seconds);
}

}  // namespace kafka_do::cli
