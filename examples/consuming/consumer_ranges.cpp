// Seed README, "Consuming Messages / Consumer with Enumerable Methods": Ruby's select / map /
// take become std::views::filter / transform / take over the consumer, which is an input range.
//
// A consumer never ends by itself, so a pipeline over it must be bounded. Put take() before
// filter(): std::views::filter looks ahead for its next match whenever it is advanced, so
// `consumer | filter(f) | take(n)` would hand over its n-th match only once an (n+1)-th match
// arrived (or the consumer was stopped). `take(n) | filter(f)` looks at n records and ends.

#include <iostream>
#include <kafka_do/kafka.hpp>
#include <ranges>
#include <string>

namespace {

void process_high_value_order(const kafka::Json& order) {
  std::cout << "High-value order " << order.value("order_id", "?") << ": "
            << order.value("amount", 0.0) << "\n";
}

void process_order(const kafka::Json& order) {
  std::cout << "Order " << order.value("order_id", "?") << "\n";
}

}  // namespace

int main() try {
  kafka::Client kafka;

  // 30 orders, every fifth one over 100.
  kafka.producer("orders", [](kafka::Producer& p) {
    for (int i = 0; i < 30; ++i) {
      const double amount = i % 5 == 4 ? 150.0 + i : 20.0 + i;
      p.send({{"order_id", std::to_string(300 + i)}, {"amount", amount}});
    }
  });

  auto consumer =
      kafka.consumer("orders", {.group = "processor", .offset = kafka::Offset::earliest});

  // Select and process: the high-value orders among the next 20 records.
  // value("amount", 0.0) rather than ["amount"]: other producers' records may lack the field.
  auto high_value = [](kafka::Record& r) { return r.value().value("amount", 0.0) > 100; };
  auto to_value = [](kafka::Record& r) { return r.value(); };
  int selected = 0;
  for (const kafka::Json& order : consumer | std::views::take(20) | std::views::filter(high_value) |
                                      std::views::transform(to_value)) {
    process_high_value_order(order);
    ++selected;
  }
  std::cout << "Selected " << selected << " high-value orders out of 20\n";

  // Take a specific number: the next 10 records, committed one by one.
  int taken = 0;
  for (kafka::Record& record : consumer | std::views::take(10)) {
    process_order(record.value());
    record.commit();
    ++taken;
  }
  std::cout << "Processed and committed " << taken << " orders\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "consumer_ranges failed: " << e.what() << "\n";
  return 1;
}
