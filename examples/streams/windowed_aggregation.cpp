// Seed README, "Stream Processing / Windowed Aggregations": orders per customer in 5-minute
// tumbling windows. Each window is reported once, with its final count, when stream time (the
// latest order's timestamp) passes its end, or when the run ends having caught up.

#include <ctime>
#include <iostream>
#include <kafka_do/kafka.hpp>
#include <string>

// "10:05" for a time point (UTC).
std::string clock_time(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char text[8];
  std::strftime(text, sizeof text, "%H:%M", &tm);
  return text;
}

using namespace std::chrono_literals;

int main() try {
  kafka::Client kafka;
  // Orders at fixed times on 2024-01-01 from 10:00 UTC, so the output is the same on every run.
  const auto ten = std::chrono::sys_days{std::chrono::year{2024} / 1 / 1} + 10h;
  kafka.producer("orders", [&](kafka::Producer& p) {
    p.send({{"customer_id", "alice"}}, {.timestamp = ten + 1min});
    p.send({{"customer_id", "bob"}}, {.timestamp = ten + 2min});
    p.send({{"customer_id", "alice"}}, {.timestamp = ten + 4min});
    p.send({{"customer_id", "alice"}}, {.timestamp = ten + 6min});
  });

  kafka
      .stream("orders", kafka::StreamOptions{.application_id = "orders-per-customer",
                                             .until_caught_up = true})
      .window(kafka::tumbling(5min))
      .group_by([](const kafka::Json& order) { return order["customer_id"]; })
      .count()
      .each([](const kafka::Json& key, const kafka::Window& window) {
        std::cout << "Customer " << key.get<std::string>() << ": " << window.value()
                  << " orders in " << clock_time(window.start()) << "-" << clock_time(window.end())
                  << "\n";
      });
  return 0;
} catch (const std::exception& e) {
  std::cerr << "windowed_aggregation failed: " << e.what() << "\n";
  return 1;
}
