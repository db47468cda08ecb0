// Seed README, "Configuration / Consumer Configuration": every consumer option the seed lists,
// with manual commits and the poll() interface.

#include <chrono>
#include <iostream>
#include <kafka_do/kafka.hpp>
#include <string>

int main() try {
  using namespace std::chrono_literals;
  kafka::Client kafka;

  auto consumer = kafka.consumer("orders", {.group = "configured-processor",
                                            .offset = kafka::Offset::latest,
                                            .auto_commit = false,
                                            .max_poll_records = 500,
                                            .session_timeout = 30s,  // or "30s"
                                            .heartbeat_interval = 3s,
                                            .fetch_min_bytes = 1,
                                            .fetch_max_wait = 500ms});

  // `latest` means "from the end of the partition when this member is assigned it", which
  // happens once the consumer has joined its group, during its polls. Only what is produced
  // after that is seen (unless the group already committed an offset, which then wins), so
  // poll until the partitions are assigned before producing.
  size_t waiting = 0;
  const auto join_deadline = std::chrono::steady_clock::now() + 10s;
  while (consumer.assignment().empty() && std::chrono::steady_clock::now() < join_deadline) {
    waiting += consumer.poll(100ms).size();
  }
  std::cout << "Joined group configured-processor with " << consumer.assignment().size()
            << " partition(s); " << waiting << " records waiting from an earlier run's commits\n";

  kafka.producer("orders", [](kafka::Producer& p) {
    for (int i = 0; i < 3; ++i) p.send({{"order_id", std::to_string(800 + i)}, {"amount", 80.0}});
  });

  // poll() returns up to max_poll_records records, waiting up to the timeout for the first.
  size_t received = 0;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (received < 3 && std::chrono::steady_clock::now() < deadline) {
    for (const kafka::Record& record : consumer.poll(1s)) {
      std::cout << "Received " << record.value().dump() << " at " << record.describe() << "\n";
      ++received;
    }
  }
  // auto_commit is off: nothing is committed until the application says so.
  consumer.commit();
  std::cout << "Committed after " << received << " records\n";
  return received >= 3 ? 0 : 1;
} catch (const std::exception& e) {
  std::cerr << "consumer_configuration failed: " << e.what() << "\n";
  return 1;
}
