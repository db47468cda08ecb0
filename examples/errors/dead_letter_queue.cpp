// Seed README, "Error Handling / Dead Letter Queue Pattern": a record that cannot be processed
// goes to orders-dlq, with headers saying where it came from, and the consumer moves on instead
// of stopping at it.

#include <chrono>
#include <ctime>
#include <iostream>
#include <kafka_do/kafka.hpp>
#include <ranges>
#include <stdexcept>
#include <string>

namespace {

// The application's own failure, as opposed to a kafka::Error.
class ProcessingError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

void process_order(const kafka::Json& order) {
  if (order.value("amount", 0.0) <= 0) throw ProcessingError("amount must be positive");
  std::cout << "Processed order " << order.value("order_id", "?") << "\n";
}

std::string now_iso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace

int main() try {
  kafka::Client kafka;

  // Two good orders, one the application rejects and one whose bytes are not JSON at all.
  kafka.producer("orders", [](kafka::Producer& p) {
    p.send({{"order_id", "1001"}, {"amount", 10.0}});
    p.send({{"order_id", "1002"}, {"amount", -5.0}});
    p.send_raw("{\"order_id\": \"1003\", \"amount\": 12.");  // truncated by a buggy producer
    p.send({{"order_id", "1004"}, {"amount", 20.0}});
  });

  auto consumer = kafka.consumer(
      "orders",
      {.group = "dlq-processor", .offset = kafka::Offset::earliest, .auto_commit = false});
  auto dlq_producer = kafka.producer("orders-dlq");

  int dead_lettered = 0;
  for (kafka::Record& record : consumer | std::views::take(4)) {
    std::string error;
    kafka::Json original;
    try {
      process_order(record.value());
    } catch (const ProcessingError& e) {
      error = e.what();
      original = record.value();
    } catch (const kafka::SerializationError& e) {
      // Not JSON: keep the bytes as they were.
      error = e.what();
      original = std::string(record.raw_value());
    }
    if (!error.empty()) {
      dlq_producer.send(
          {{"original_record", original}, {"error", error}, {"timestamp", now_iso8601()}},
          {.headers = {{"original-topic", record.topic()},
                       {"original-partition", std::to_string(record.partition())},
                       {"original-offset", std::to_string(record.offset())}}});
      std::cout << "Sent " << record.describe() << " to orders-dlq: " << error << "\n";
      ++dead_lettered;
    }
    // Committed either way: the record was handled, by processing or by dead-lettering it.
    record.commit();
  }
  dlq_producer.flush();  // so that the dead letters can be read back right away

  // What the dead-letter topic now holds (a triage tool would start here).
  auto inspector =
      kafka.consumer("orders-dlq", {.group = "dlq-inspector", .offset = kafka::Offset::earliest});
  for (kafka::Record& letter : inspector | std::views::take(dead_lettered)) {
    std::cout << "Dead letter from " << letter.headers().get("original-topic").value_or("?")
              << " partition " << letter.headers().get("original-partition").value_or("?")
              << " offset " << letter.headers().get("original-offset").value_or("?") << ": "
              << letter.value()["error"].get<std::string>() << "\n";
  }
  std::cout << dead_lettered << " of 4 orders went to orders-dlq\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "dead_letter_queue failed: " << e.what() << "\n";
  return 1;
}
