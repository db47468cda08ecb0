// Seed README, "Producing Messages / Transactional Producer": two records that become visible
// together when the lambda returns, and a transaction that throws and so leaves nothing behind.

#include <iostream>
#include <kafka_do/kafka.hpp>
#include <ranges>
#include <stdexcept>

int main() try {
  kafka::Client kafka;

  kafka.transaction("orders", [](kafka::Transaction& tx) {
    tx.send({{"order_id", "123"}, {"status", "created"}});
    tx.send({{"order_id", "123"}, {"status", "validated"}});
    // Automatically commits on success, aborts on exception.
  });
  std::cout << "Committed 2 records for order 123\n";

  try {
    kafka.transaction("orders", [](kafka::Transaction& tx) {
      tx.send({{"order_id", "124"}, {"status", "created"}});
      throw std::runtime_error("payment declined");
    });
  } catch (const std::runtime_error& e) {
    std::cout << "Aborted order 124: " << e.what() << "\n";
  }

  // A consumer (read_committed by default) sees the committed records only.
  auto consumer = kafka.consumer("orders", {.group = "audit", .offset = kafka::Offset::earliest});
  for (kafka::Record& record : consumer | std::views::take(2)) {
    std::cout << "Read: " << record.value().dump() << "\n";
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "transactional_producer failed: " << e.what() << "\n";
  return 1;
}
