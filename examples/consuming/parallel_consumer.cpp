// The thread-pool consumer of consuming/thread_pool_consumer.cpp, the SDK's way:
// kafka::ParallelConsumer runs the handler on worker threads, keeps each customer's orders in
// order (Ordering::key), holds at most max_in_flight records handed out and uncommitted, and
// commits a partition only up to the first record that is still being processed, so a crash
// redelivers what was in flight and never skips an order.

#include <atomic>
#include <chrono>
#include <iostream>
#include <kafka_do/kafka.hpp>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

int main() try {
  kafka::Client kafka;
  constexpr int kOrders = 120;
  constexpr int kCustomers = 6;

  kafka.admin().create_topic("orders", {.partitions = 3, .if_not_exists = true});
  kafka.producer("orders", [](kafka::Producer& p) {
    for (int i = 0; i < kOrders; ++i) {
      p.send({{"order_id", std::to_string(900 + i)}, {"sequence", i / kCustomers}},
             {.key = "cust-" + std::to_string(i % kCustomers)});
    }
  });

  auto consumer = kafka.parallel_consumer(
      "orders", {.group = "parallel-orders", .offset = kafka::Offset::earliest},
      {.concurrency = 4, .ordering = kafka::Ordering::key, .max_in_flight = 32});

  std::mutex mu;
  std::map<std::string, int> next_sequence;  // per customer: orders arrive in their order
  std::set<std::thread::id> threads;
  int processed = 0;
  int out_of_order = 0;
  consumer.each([&](kafka::Record& record) {
    const kafka::Json order = record.value();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // the work: a database write, ...
    std::lock_guard lock(mu);
    int& expected = next_sequence[std::string(record.key())];
    if (order["sequence"].get<int>() != expected) ++out_of_order;
    expected = order["sequence"].get<int>() + 1;
    threads.insert(std::this_thread::get_id());
    if (++processed == kOrders) consumer.stop();  // a real service runs until it is stopped
  });

  std::cout << "Processed " << processed << " orders of " << next_sequence.size()
            << " customers on " << threads.size() << " threads, " << out_of_order
            << " out of customer order\n"
            << "Group parallel-orders: lag "
            << kafka.admin().describe_group("parallel-orders").total_lag << "\n";
  return processed == kOrders && out_of_order == 0 ? 0 : 1;
} catch (const std::exception& e) {
  std::cerr << "parallel_consumer failed: " << e.what() << "\n";
  return 1;
}
