// Seed README, "Consuming Messages / Parallel Consumer with Thread Pool": the consumer loop hands
// each record to a fixed pool of worker threads, which process and commit it.
//
// Record::commit() is safe from any thread and in any order: it says "this record is done", and
// the group's committed offset only advances to the contiguous low watermark of finished records.
// A worker that commits offset 10 while offset 5 is still being processed commits nothing past 5,
// so a crash redelivers 5 instead of skipping it. (auto_commit is off: it would commit what the
// loop moved past, which here is not what the workers finished.)
//
// consuming/parallel_consumer.cpp does the same with kafka::ParallelConsumer, which also bounds
// the records in flight and keeps per-key order.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <iostream>
#include <kafka_do/kafka.hpp>
#include <mutex>
#include <ranges>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

// The seed's Concurrent::FixedThreadPool, reduced to what the example needs.
class FixedThreadPool {
 public:
  explicit FixedThreadPool(int threads) {
    for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { run(); });
  }
  ~FixedThreadPool() { shutdown(); }

  void post(std::function<void()> task) {
    {
      std::lock_guard lock(mu_);
      tasks_.push_back(std::move(task));
    }
    cv_.notify_one();
  }

  // Runs everything posted so far, then ends the workers (shutdown + wait_for_termination).
  void shutdown() {
    {
      std::lock_guard lock(mu_);
      shutting_down_ = true;
    }
    cv_.notify_all();
    for (std::jthread& worker : workers_) {
      if (worker.joinable()) worker.join();
    }
  }

 private:
  void run() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return !tasks_.empty() || shutting_down_; });
        if (tasks_.empty()) return;  // shutting down and drained
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool shutting_down_ = false;
  std::vector<std::jthread> workers_;  // last: joined before the queue they use goes away
};

// Stands in for real work (a database write, an HTTP call): long enough for the pool to spread
// the records over its threads.
void process_order(const kafka::Json& order) {
  (void)order.value("order_id", "");
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

}  // namespace

int main() try {
  kafka::Client kafka;
  constexpr int kOrders = 100;
  constexpr int kThreads = 4;

  kafka.producer("orders", [](kafka::Producer& p) {
    for (int i = 0; i < kOrders; ++i) p.send({{"order_id", std::to_string(700 + i)}});
  });

  FixedThreadPool pool(kThreads);
  auto consumer = kafka.consumer(
      "orders",
      {.group = "parallel-processor", .offset = kafka::Offset::earliest, .auto_commit = false});

  std::atomic<int> committed{0};
  std::atomic<int> failed{0};
  std::mutex threads_mu;
  std::set<std::thread::id> threads_used;
  for (kafka::Record& record : consumer | std::views::take(kOrders)) {
    // Capture a copy: the loop's record is recycled once the loop moves on.
    pool.post([record, &committed, &failed, &threads_mu, &threads_used] {
      try {
        process_order(record.value());
        record.commit();
        ++committed;
        std::lock_guard lock(threads_mu);
        threads_used.insert(std::this_thread::get_id());
      } catch (const kafka::Error& e) {  // e.g. the partition moved to another group member
        std::cerr << "could not process " << record.describe() << ": " << e.what() << "\n";
        ++failed;
      }
    });
  }
  pool.shutdown();  // every record committed by its worker: the group is at the end

  const kafka::GroupDescription group = kafka.admin().describe_group("parallel-processor");
  std::cout << "Processed and committed " << committed << " orders on " << kThreads
            << " worker threads (" << threads_used.size() << " of them did work, " << failed
            << " failed)\n"
            << "Group parallel-processor: lag " << group.total_lag << "\n";
  return failed == 0 && committed == kOrders ? 0 : 1;
} catch (const std::exception& e) {
  std::cerr << "thread_pool_consumer failed: " << e.what() << "\n";
  return 1;
}
