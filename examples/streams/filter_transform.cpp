// Seed README, "Stream Processing / Filter and Transform": orders over 100 become premium and go
// to high-value-orders. The run stops once it has caught up with the input (a batch job); without
// until_caught_up it would keep running on new orders.

#include <iostream>
#include <kafka_do/kafka.hpp>

using namespace std::chrono_literals;

int main() try {
  kafka::Client kafka;
  kafka.producer("orders", [](kafka::Producer& p) {
    p.send({{"order_id", "1"}, {"amount", 50}});
    p.send({{"order_id", "2"}, {"amount", 150}});
    p.send({{"order_id", "3"}, {"amount", 300}});
  });

  kafka.stream("orders", kafka::StreamOptions{.application_id = "premium", .until_caught_up = true})
      .filter([](const kafka::Json& order) { return order["amount"].get<double>() > 100; })
      .map([](kafka::Json order) {
        order["tier"] = "premium";
        return order;
      })
      .to("high-value-orders");

  auto consumer =
      kafka.consumer("high-value-orders", {.group = "audit", .offset = kafka::Offset::earliest});
  for (int i = 0; i < 2; ++i)
    std::cout << "High value: " << consumer.first(10s).value().dump() << "\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "filter_transform failed: " << e.what() << "\n";
  return 1;
}
