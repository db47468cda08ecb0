// Seed README, "Stream Processing / Joins": orders joined with customers whose event times are
// within an hour of each other. Both sides trigger the join, and records of the two topics are
// processed in timestamp order, so it does not matter which topic was written first.

#include <iostream>
#include <kafka_do/kafka.hpp>

using namespace std::chrono_literals;

int main() try {
  kafka::Client kafka;
  const auto noon = std::chrono::sys_days{std::chrono::year{2024} / 1 / 1} + 12h;
  kafka.producer("orders", [&](kafka::Producer& p) {
    p.send({{"order_id", "1"}, {"customer_id", "c1"}}, {.timestamp = noon + 10min});
    p.send({{"order_id", "2"}, {"customer_id", "c2"}}, {.timestamp = noon + 20min});
    p.send({{"order_id", "3"}, {"customer_id", "c1"}}, {.timestamp = noon + 3h});  // too late
  });
  kafka.producer("customers", [&](kafka::Producer& p) {
    p.send({{"id", "c1"}, {"name", "Ada"}}, {.timestamp = noon});
    p.send({{"id", "c2"}, {"name", "Grace"}}, {.timestamp = noon + 30min});
  });

  auto orders = kafka.stream(
      "orders", kafka::StreamOptions{.application_id = "order-names", .until_caught_up = true});
  auto customers = kafka.stream("customers");
  orders
      .join(customers, {.on =
                            [](const kafka::Json& order, const kafka::Json& customer) {
                              return order["customer_id"] == customer["id"];
                            },
                        .window = 1h})
      .each([](const kafka::Json& order, const kafka::Json& customer) {
        std::cout << "Order " << order["order_id"].get<std::string>() << " by "
                  << customer["name"].get<std::string>() << "\n";
      });
  return 0;
} catch (const std::exception& e) {
  std::cerr << "joins failed: " << e.what() << "\n";
  return 1;
}
