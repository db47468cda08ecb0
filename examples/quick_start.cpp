// Seed README, "Quick Start": produce one order, then consume it as a member of a consumer group
// and commit it.
//
// Like every example here it runs against the embedded engine: no server, data in
// ./kafka-do-data (or $KAFKA_DO_DATA).

#include <iostream>
#include <kafka_do/kafka.hpp>
#include <ranges>

int main() try {
  kafka::Client kafka;

  // Produce. The lambda form flushes and closes the producer when the lambda returns, as the
  // seed's block does.
  kafka.producer("orders", [](kafka::Producer& producer) {
    producer.send({{"order_id", "123"}, {"amount", 99.99}});
  });
  std::cout << "Produced order 123 to 'orders'\n";

  // Consume. A group with no committed offset starts at `offset`; the default (latest, as in
  // Kafka) would skip the order produced a moment ago, so start at the earliest record. Once the
  // group has committed, a second run resumes after what this run committed.
  auto consumer =
      kafka.consumer("orders", {.group = "my-processor", .offset = kafka::Offset::earliest});
  // A consumer is an endless stream; take(1) ends the loop after one record instead of waiting
  // for more.
  for (kafka::Record& record : consumer | std::views::take(1)) {
    std::cout << "Received: " << record.value().dump() << "\n";
    record.commit();
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "quick_start failed: " << e.what() << "\n";
  return 1;
}
