// Seed README, "Producing Messages / Batch Producer": send_batch with plain values, and with
// key/value messages.

#include <iostream>
#include <kafka_do/kafka.hpp>

int main() try {
  kafka::Client kafka;

  kafka.producer("orders", [](kafka::Producer& producer) {
    // Send batch: a vector of JSON values.
    producer.send_batch({
        {{"order_id", "124"}, {"amount", 49.99}},
        {{"order_id", "125"}, {"amount", 149.99}},
        {{"order_id", "126"}, {"amount", 29.99}},
    });
    std::cout << "Sent a batch of 3 orders\n";

    // Send batch with keys: kafka::Message carries a key (and optionally headers or an explicit
    // partition) next to the value.
    producer.send_batch({
        kafka::Message{.key = "cust-1", .value = {{"order_id", "124"}}},
        kafka::Message{.key = "cust-2", .value = {{"order_id", "125"}}},
    });
    std::cout << "Sent a batch of 2 keyed orders (cust-1, cust-2)\n";
  });
  std::cout << "Producer flushed and closed\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "batch_producer failed: " << e.what() << "\n";
  return 1;
}
