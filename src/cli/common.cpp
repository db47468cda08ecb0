#include "cli/common.hpp"

#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>

#include "base/file_system.hpp"
#include "cli/commands.hpp"

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

kafka::Client connect(const GlobalOptions& options) {
  kafka::ClientOptions client;
  client.auto_create_topics = false;
  client.api_key = options.api_key;
  client.sasl_mechanism = options.sasl_mechanism;
  client.tls.ca_file = options.tls_ca_file;
  client.durability =
      options.flush_policy == storage::FlushPolicy::every_batch ? kafka::Durability::every_batch
      : options.flush_policy == storage::FlushPolicy::os        ? kafka::Durability::os
                                                                : kafka::Durability::interval;
  if (!options.brokers.empty()) {
    const std::string scheme = options.tls_ca_file.empty() ? "kafka://" : "kafka+ssl://";
    client.url = options.brokers.find("://") == std::string::npos ? scheme + options.brokers
                                                                  : options.brokers;
  } else if (options.data_given || std::getenv("KAFKA_DO_URL") == nullptr) {
    client.url = "file:" + options.data_dir;
  }  // else: KAFKA_DO_URL names the backend
  try {
    return kafka::Client(client);
  } catch (const kafka::Error& e) {
    const std::string message = e.what();
    if (message.find("is in use by another process") == std::string::npos) throw;
    std::string hint = "; if a kafkado serve runs on it, reach that with -b HOST:PORT";
    std::ifstream serving(options.data_dir + "/" + kServingFile);
    std::string address;
    if (serving && std::getline(serving, address) && !address.empty()) {
      hint = "; a kafkado serve runs on it: use -b " + address + " instead of --data";
    }
    throw kafka::Error(e.code(), message + hint);
  }
}

std::pair<std::string, std::string> parse_key_value(std::string_view entry, std::string_view what) {
  const auto eq = entry.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    throw UsageError(std::string(what) + " '" + std::string(entry) +
                     "' is not of the form name=value");
  }
  return {std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1))};
}

int64_t parse_time(const std::string& text) {
  const auto bad = [&] {
    return UsageError("time '" + text +
                      "' is neither ISO-8601 (2026-12-01T10:00:00Z, 2026-12-01T10:00:00.250+01:00, "
                      "2026-12-01) nor epoch milliseconds");
  };
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    if (text.size() > 15) throw bad();
    return std::stoll(text);
  }
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, used = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &year, &month, &day, &used) != 3) throw bad();
  size_t pos = size_t(used);
  int64_t millis = 0;
  int64_t zone_seconds = 0;
  if (pos < text.size() && (text[pos] == 'T' || text[pos] == ' ')) {
    used = 0;
    if (std::sscanf(text.c_str() + pos + 1, "%2d:%2d%n", &hour, &minute, &used) != 2) throw bad();
    pos += 1 + size_t(used);
    if (pos < text.size() && text[pos] == ':') {
      used = 0;
      if (std::sscanf(text.c_str() + pos + 1, "%2d%n", &second, &used) != 1) throw bad();
      pos += 1 + size_t(used);
    }
    if (pos < text.size() && text[pos] == '.') {
      int64_t scale = 100;
      for (++pos; pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])); ++pos) {
        millis += (text[pos] - '0') * scale;
        scale /= 10;
      }
    }
    if (pos < text.size() && text[pos] == 'Z') {
      ++pos;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      int zh = 0, zm = 0;
      used = 0;
      if (std::sscanf(text.c_str() + pos + 1, "%2d:%2d%n", &zh, &zm, &used) != 2) throw bad();
      zone_seconds = (text[pos] == '+' ? 1 : -1) * (int64_t(zh) * 3600 + zm * 60);
      pos += 1 + size_t(used);
    }
  }
  if (pos != text.size() || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 ||
      minute > 59 || second > 60) {
    throw bad();
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return (int64_t(::timegm(&tm)) - zone_seconds) * 1000 + millis;
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
