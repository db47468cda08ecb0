// Seed README, "Producing Messages / Simple Producer": a plain value, a value with a key (which
// picks the partition), and a value with a key and headers.

#include <iostream>
#include <kafka_do/kafka.hpp>

int main() try {
  kafka::Client kafka;

  kafka.producer("orders", [](kafka::Producer& producer) {
    // Send a single message: the value is JSON (kafka::Json, i.e. nlohmann::json).
    producer.send({{"order_id", "123"}, {"amount", 99.99}});
    std::cout << "Sent order 123\n";

    // Send with a key for partitioning: records with the same key land on the same partition
    // (murmur2, exactly as Kafka's Java client computes it), so they stay in order.
    producer.send({{"order_id", "123"}, {"amount", 99.99}}, {.key = "customer-456"});
    std::cout << "Sent order 123 with key customer-456\n";

    // Send with headers: metadata that travels beside the value.
    producer.send({{"order_id", "123"}},
                  {.key = "customer-456", .headers = {{"correlation-id", "abc-123"}}});
    std::cout << "Sent order 123 with key customer-456 and header correlation-id=abc-123\n";
  });
  // The lambda returned: everything above is flushed and acknowledged by now.
  std::cout << "Producer flushed and closed\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "simple_producer failed: " << e.what() << "\n";
  return 1;
}
