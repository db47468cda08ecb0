// Seed README, "Consuming Messages / Consumer with Options": start at the earliest record,
// auto-commit, at most 100 records per poll, a 30 s session timeout.

#include <iostream>
#include <kafka_do/kafka.hpp>
#include <string>

namespace {

void process_order(const kafka::Json& order) {
  std::cout << "Processing order " << order.value("order_id", "?") << "\n";
}

}  // namespace

int main() try {
  using namespace std::chrono_literals;
  kafka::Client kafka;

  kafka.producer("orders", [](kafka::Producer& p) {
    for (int i = 0; i < 5; ++i) p.send({{"order_id", std::to_string(400 + i)}, {"amount", 40.0}});
  });

  auto consumer = kafka.consumer("orders", {.group = "options-processor",
                                            .offset = kafka::Offset::earliest,
                                            .auto_commit = true,
                                            .max_poll_records = 100,
                                            .session_timeout = 30s});  // or "30s"

  // each() runs until the consumer is stopped or closed; this example stops it after five
  // records so that it ends (records already fetched may still be handed over after stop()).
  int processed = 0;
  consumer.each([&](kafka::Record& record) {
    process_order(record.value());
    // No commit here: auto_commit commits what the loop moved past, every
    // auto_commit_interval and when the consumer closes.
    if (++processed >= 5) consumer.stop();
  });
  consumer.close();  // leaves the group and makes the final auto-commit
  std::cout << "Processed " << processed << " orders\n";

  // What the group committed, as the admin API sees it.
  const kafka::GroupDescription group = kafka.admin().describe_group("options-processor");
  for (const kafka::PartitionLag& p : group.partitions) {
    std::cout << "Committed offset of " << p.topic << "/" << p.partition << ": " << p.committed
              << " (lag " << p.lag << ")\n";
  }
  return processed >= 5 ? 0 : 1;
} catch (const std::exception& e) {
  std::cerr << "consumer_options failed: " << e.what() << "\n";
  return 1;
}
