// Seed README, "Configuration / Producer Configuration": batching, compression, acks and retries.

#include <iostream>
#include <kafka_do/kafka.hpp>
#include <string>

int main() try {
  using namespace std::chrono_literals;
  kafka::Client kafka;

  const kafka::ProducerOptions options{
      .batch_size = 16'384,  // bytes of records per partition batch
      .linger = 5ms,         // how long a batch may wait to fill up; "5ms" works too
      .compression = kafka::Compression::gzip,
      .acks = kafka::Acks::all,
      .retries = 3,  // retriable failures only (timeouts, leadership changes...)
      .retry_backoff = 100ms,
  };

  int sent = 0;
  kafka.producer("orders", options, [&](kafka::Producer& producer) {
    // Many small records: they leave in a few gzip-compressed batches, not one write each.
    for (int i = 0; i < 100; ++i) {
      producer.send({{"order_id", std::to_string(1000 + i)}, {"amount", 10.0 + i}});
      ++sent;
    }
  });
  std::cout << "Sent " << sent << " orders: batch_size " << options.batch_size << " bytes, linger "
            << options.linger.count_ms() << " ms, gzip, acks=all, retries " << options.retries
            << ", retry_backoff " << options.retry_backoff.count_ms() << " ms\n";

  // Seed-style durations are accepted as strings; a malformed one is a kafka::ConfigError.
  auto producer = kafka.producer("orders", {.linger = "5ms", .retry_backoff = "100ms"});
  producer.send({{"order_id", "1100"}, {"amount", 5.0}});
  producer.close();
  std::cout << "Sent 1 more order with linger \"5ms\" and retry_backoff \"100ms\"\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "producer_configuration failed: " << e.what() << "\n";
  return 1;
}
