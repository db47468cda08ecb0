// Beyond the seed README: a running count of orders per customer, exactly once, answering "how
// many orders has customer X placed?" from its own state while it runs (interactive queries),
// the way a web handler beside the stream would.

#include <iostream>
#include <kafka_do/kafka.hpp>
#include <thread>

using namespace std::chrono_literals;

int main() try {
  kafka::Client kafka;
  kafka::Topology app;
  app.stream("orders")
      .group_by([](const kafka::Json& order) { return order["customer_id"]; })
      .count({.name = "orders-per-customer"})
      .to("order-counts");  // read_committed consumers see every count exactly once
  std::thread run([&] {
    app.run(kafka, {.application_id = "order-counts",
                    .commit_interval = 100ms,
                    .processing_guarantee = kafka::ProcessingGuarantee::exactly_once});
  });

  kafka.producer("orders", [](kafka::Producer& p) {
    for (const char* customer : {"c1", "c2", "c1", "c3", "c1"}) p.send({{"customer_id", customer}});
  });

  // The store answers from the first restored state on; until then it is unavailable.
  const kafka::ReadOnlyStore counts = app.store("orders-per-customer");
  auto count_of = [&](const std::string& customer) -> int64_t {
    try {
      const auto n = counts.get(customer);
      return n ? n->get<int64_t>() : 0;
    } catch (const kafka::StoreUnavailableError&) {
      return -1;
    }
  };
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (count_of("c1") < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  for (const auto& row : counts.all()) {
    std::cout << "Customer " << row.key.get<std::string>() << ": " << row.value << " orders\n";
  }
  app.close();
  run.join();
  return count_of("c1") == -1 ? 0 : 1;  // unavailable again once the run ended
} catch (const std::exception& e) {
  std::cerr << "interactive_queries failed: " << e.what() << "\n";
  return 1;
}
