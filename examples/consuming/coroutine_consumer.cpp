// Seed README, "Consuming Messages / Consumer with Fibers (Async)": the consumer loop starts a
// lightweight task per record, which processes and commits it, all on one thread. The Ruby
// original uses the async gem's fibers; the C++ twin uses C++20 coroutines on Asio
// (<kafka_do/coro.hpp>).
//
// Every record gets a coroutine of its own that waits on (simulated) I/O, so hundreds are in
// flight at once on the single thread that runs the io_context. Commits come in whatever order
// the coroutines finish; the group's committed offset only advances to the contiguous low
// watermark of finished records, so a crash redelivers what was in flight and skips nothing.
//
// Producing is a coroutine too: `co_await producer.send(...)` completes with the record's
// DeliveryReport.

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <iostream>
#include <kafka_do/coro.hpp>
#include <kafka_do/kafka.hpp>
#include <set>
#include <string>
#include <thread>

namespace {

constexpr int kOrders = 500;

// Stands in for real asynchronous work (an HTTP call, a database write): a few milliseconds of
// waiting that does not hold the thread.
asio::awaitable<void> process_order(const kafka::Json& order) {
  const int id = std::stoi(order.value("order_id", "0"));
  asio::steady_timer io(co_await asio::this_coro::executor, std::chrono::milliseconds(1 + id % 7));
  co_await io.async_wait(asio::use_awaitable);
}

struct Tally {
  int produced = 0;
  int committed = 0;
  int running = 0;
  int most_running = 0;
  std::set<std::thread::id> threads;
};

// Ten senders at once, each awaiting its records' delivery reports one by one.
asio::awaitable<void> produce(kafka::Client& kafka, Tally& tally) {
  auto executor = co_await asio::this_coro::executor;
  kafka::coro::Producer orders(kafka, "orders");
  constexpr int kSenders = 10;
  int senders = kSenders;
  for (int s = 0; s < kSenders; ++s) {
    asio::co_spawn(
        executor,
        [&, s]() -> asio::awaitable<void> {
          for (int i = s; i < kOrders; i += kSenders) {
            const kafka::Json order = {{"order_id", std::to_string(900 + i)}};
            const kafka::DeliveryReport report = co_await orders.send(order);
            if (report.ok()) ++tally.produced;
          }
          --senders;
        },
        asio::detached);
  }
  asio::steady_timer wait(executor);  // `orders` must outlive its senders
  while (senders > 0) {
    wait.expires_after(std::chrono::milliseconds(1));
    co_await wait.async_wait(asio::use_awaitable);
  }
}

asio::awaitable<void> consume(kafka::Client& kafka, Tally& tally) {
  auto executor = co_await asio::this_coro::executor;
  kafka::coro::Consumer consumer(kafka, "orders",
                                 {.group = "async-processor", .offset = kafka::Offset::earliest});
  int started = 0;
  while (started < kOrders) {
    std::optional<kafka::Record> record = co_await consumer.next();
    if (!record) break;
    ++started;
    // `Async do ... end`: one coroutine per record.
    asio::co_spawn(
        executor,
        [&consumer, &tally, record = std::move(*record)]() -> asio::awaitable<void> {
          tally.most_running = std::max(tally.most_running, ++tally.running);
          tally.threads.insert(std::this_thread::get_id());
          co_await process_order(record.value());
          co_await consumer.commit(record);
          --tally.running;
          ++tally.committed;
        },
        asio::detached);
  }
  // The consumer must outlive the coroutines that commit through it.
  asio::steady_timer wait(executor);
  while (tally.committed < started) {
    wait.expires_after(std::chrono::milliseconds(1));
    co_await wait.async_wait(asio::use_awaitable);
  }
}

}  // namespace

int main() try {
  kafka::Client kafka;
  kafka.admin().create_topic("orders", {.if_not_exists = true});
  Tally tally;
  asio::io_context io;  // run by this thread alone
  std::exception_ptr failure;
  auto done = [&](std::exception_ptr e) {
    if (e && !failure) failure = e;
  };
  asio::co_spawn(io, produce(kafka, tally), done);
  io.run();
  io.restart();
  asio::co_spawn(io, consume(kafka, tally), done);
  io.run();
  if (failure) std::rethrow_exception(failure);

  const kafka::GroupDescription group = kafka.admin().describe_group("async-processor");
  std::cout << "Produced " << tally.produced << " orders with co_await send\n"
            << "Processed and committed " << tally.committed << " orders on "
            << tally.threads.size() << " thread, up to " << tally.most_running
            << " coroutines at once\n"
            << "Group async-processor: lag " << group.total_lag << "\n";
  return tally.committed == kOrders && group.total_lag == 0 ? 0 : 1;
} catch (const std::exception& e) {
  std::cerr << "coroutine_consumer failed: " << e.what() << "\n";
  return 1;
}
