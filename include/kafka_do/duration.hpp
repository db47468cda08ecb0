#pragma once
// kafka::Duration: what every time option takes. Built from any std::chrono duration
// (`5ms`, `30s`, `7 * 24h`) or, for parity with the seed, from a string: a number followed by
// ms, s, m, h or d ("250ms", "30s", "5m", "1h", "7d"). A malformed string throws
// kafka::ConfigError.

#include <chrono>
#include <string_view>

namespace kafka {

class Duration {
 public:
  constexpr Duration() = default;
  template <typename Rep, typename Period>
  constexpr Duration(std::chrono::duration<Rep, Period> d)  // NOLINT: implicit by design
      : ms_(std::chrono::duration_cast<std::chrono::milliseconds>(d)) {}
  Duration(const char* text) : Duration(std::string_view(text)) {}  // NOLINT
  Duration(std::string_view text);                                  // NOLINT

  constexpr std::chrono::milliseconds ms() const { return ms_; }
  constexpr int64_t count_ms() const { return ms_.count(); }
  constexpr operator std::chrono::milliseconds() const { return ms_; }  // NOLINT
  constexpr bool operator==(const Duration&) const = default;

 private:
  std::chrono::milliseconds ms_{0};
};

}  // namespace kafka
