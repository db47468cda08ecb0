// Seed README, "Consuming Messages / Basic Consumer with Block": everything a record carries,
// then a commit once it is processed.

#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <kafka_do/kafka.hpp>
#include <ranges>
#include <string>

namespace {

// ISO 8601 in UTC with milliseconds; GCC 12's <chrono> has no formatter for time points yet.
std::string iso8601(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  const std::time_t seconds = std::time_t(ms.count() / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  const size_t n = std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof(text) - n, ".%03dZ", int(ms.count() % 1000));
  return text;
}

std::string describe(const kafka::Headers& headers) {
  std::string out = "{";
  for (const kafka::Header& h : headers) {
    if (out.size() > 1) out += ", ";
    out += h.key + "=" + h.value.value_or("(null)");
  }
  return out + "}";
}

void process_order(const kafka::Json& order) {
  std::cout << "Processing order " << order.value("order_id", "?") << "\n";
}

}  // namespace

int main() try {
  kafka::Client kafka;

  // Something to consume: one plain order and one with a key and a header.
  kafka.producer("orders", [](kafka::Producer& p) {
    p.send({{"order_id", "201"}, {"amount", 25.0}});
    p.send({{"order_id", "202"}, {"amount", 75.0}},
           {.key = "customer-456", .headers = {{"correlation-id", "abc-123"}}});
  });

  // Earliest, not the default latest: the group has no committed offset on a first run and would
  // otherwise start after the two orders above. Later runs resume from the group's commits.
  auto consumer =
      kafka.consumer("orders", {.group = "order-processor", .offset = kafka::Offset::earliest});
  for (kafka::Record& record : consumer | std::views::take(2)) {
    std::cout << "Topic: " << record.topic() << "\n"
              << "Partition: " << record.partition() << "\n"
              << "Offset: " << record.offset() << "\n"
              << "Key: " << (record.has_key() ? std::string(record.key()) : "(none)") << "\n"
              << "Value: " << record.value().dump() << "\n"
              << "Timestamp: " << iso8601(record.timestamp()) << "\n"
              << "Headers: " << describe(record.headers()) << "\n";

    process_order(record.value());
    record.commit();
    std::cout << "Committed " << record.describe() << "\n\n";
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "basic_consumer failed: " << e.what() << "\n";
  return 1;
}
