// Seed README, "Consuming Messages / Batch Consumer": records handed over in batches of up to
// 100 (or whatever arrived within 5 s of a batch's first record), committed a batch at a time.

#include <iostream>
#include <kafka_do/kafka.hpp>
#include <string>

namespace {

double total = 0;

void process_order(const kafka::Json& order) { total += order.value("amount", 0.0); }

}  // namespace

int main() try {
  using namespace std::chrono_literals;
  kafka::Client kafka;

  kafka.producer("orders", [](kafka::Producer& p) {
    for (int i = 0; i < 300; ++i) p.send({{"order_id", std::to_string(600 + i)}, {"amount", 1.0}});
  });

  auto consumer = kafka.batch_consumer(
      "orders", {.group = "batch-processor", .offset = kafka::Offset::earliest},
      {.size = 100, .timeout = 5s});  // or "5s"

  // each_batch runs until stopped; this example stops after the 300 records it produced.
  int records = 0;
  int batches = 0;
  consumer.each_batch([&](kafka::Batch& batch) {
    for (const kafka::Record& record : batch) process_order(record.value());
    batch.commit();  // per partition, the offset after the batch's last record
    records += int(batch.size());
    std::cout << "Batch " << ++batches << ": " << batch.size() << " records, committed\n";
    if (records >= 300) consumer.stop();
  });
  std::cout << "Processed " << records << " records in " << batches << " batches (amount total "
            << total << ")\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "batch_consumer failed: " << e.what() << "\n";
  return 1;
}
