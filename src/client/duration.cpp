#include "kafka_do/duration.hpp"

#include <charconv>
#include <string>

#include "kafka_do/error.hpp"

namespace kafka {

Duration::Duration(std::string_view text) {
  int64_t n = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  const auto [rest, ec] = std::from_chars(begin, end, n);
  const std::string_view unit(rest, size_t(end - rest));
  if (ec != std::errc() || rest == begin || n < 0) {
    throw ConfigError("duration '" + std::string(text) + "' must be a number followed by ms, s, m, h or d");
  }
  if (unit == "ms") {
    ms_ = std::chrono::milliseconds(n);
  } else if (unit == "s") {
    ms_ = std::chrono::seconds(n);
  } else if (unit == "m" || unit == "min") {
    ms_ = std::chrono::minutes(n);
  } else if (unit == "h") {
    ms_ = std::chrono::hours(n);
  } else if (unit == "d") {
    ms_ = std::chrono::hours(24 * n);
  } else {
    throw ConfigError("duration '" + std::string(text) + "' has unknown unit '" + std::string(unit) +
                      "' (use ms, s, m, h or d)");
  }
}

}  // namespace kafka
