// Seed README, "Stream Processing / Aggregations": a running total per customer. The result is a
// table; each() sees every update of a row. The totals live in a state store backed by a
// changelog topic, so a restarted application continues from them.

#include <iomanip>
#include <iostream>
#include <kafka_do/kafka.hpp>

using namespace std::chrono_literals;

int main() try {
  kafka::Client kafka;
  kafka.producer("orders", [](kafka::Producer& p) {
    p.send({{"customer_id", "c1"}, {"amount", 25.5}});
    p.send({{"customer_id", "c2"}, {"amount", 10.0}});
    p.send({{"customer_id", "c1"}, {"amount", 4.5}});
  });

  kafka.stream("orders", kafka::StreamOptions{.application_id = "totals", .until_caught_up = true})
      .group_by([](const kafka::Json& order) { return order["customer_id"]; })
      .reduce(0.0, [](double total,
                      const kafka::Json& order) { return total + order["amount"].get<double>(); })
      .each([](const kafka::Json& customer_id, double total) {
        std::cout << "Customer " << customer_id.get<std::string>() << " total: $" << std::fixed
                  << std::setprecision(2) << total << "\n";
      });
  return 0;
} catch (const std::exception& e) {
  std::cerr << "aggregations failed: " << e.what() << "\n";
  return 1;
}
