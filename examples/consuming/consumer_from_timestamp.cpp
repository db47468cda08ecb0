// Seed README, "Consuming Messages / Consumer from Timestamp": a new group that starts at the
// first record written in the last 24 hours (kafka::Offset::at), to replay a day of orders.

#include <chrono>
#include <iostream>
#include <kafka_do/kafka.hpp>
#include <string>

int main() try {
  using namespace std::chrono_literals;
  using Clock = std::chrono::system_clock;
  kafka::Client kafka;

  // History to replay: records carry the time they were produced, which a producer may set.
  const auto now = Clock::now();
  kafka.producer("order-history", [&](kafka::Producer& p) {
    p.send({{"order_id", "501"}, {"placed", "48 hours ago"}}, {.timestamp = now - 48h});
    p.send({{"order_id", "502"}, {"placed", "12 hours ago"}}, {.timestamp = now - 12h});
    p.send({{"order_id", "503"}, {"placed", "1 hour ago"}}, {.timestamp = now - 1h});
  });

  const auto yesterday = now - 24h;
  // The start position only applies to a group without committed offsets: a fresh group name per
  // run makes every run a replay.
  const std::string group =
      "replay-" +
      std::to_string(
          std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  auto consumer =
      kafka.consumer("order-history", {.group = group, .offset = kafka::Offset::at(yesterday)});

  // Replay until caught up: a poll that stays empty for a second means there is nothing more.
  int replayed = 0;
  for (auto records = consumer.poll(1s); !records.empty(); records = consumer.poll(1s)) {
    for (const kafka::Record& record : records) {
      std::cout << "Replaying: " << record.value().dump() << "\n";
      ++replayed;
    }
  }
  std::cout << "Replayed " << replayed << " orders from the last 24 hours\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "consumer_from_timestamp failed: " << e.what() << "\n";
  return 1;
}
