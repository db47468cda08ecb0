// kafka::coro (C++20 coroutines on Asio) on every backend: thousands of handlers on one thread
// see every record once and commit them all in any order; a cancelled next() takes no record,
// even when it races with a delivery; stop ends iteration; co_await send() reports offsets, and a
// full buffer suspends the sender instead of failing it.
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <future>
#include <kafka_do/coro.hpp>
#include <random>
#include <set>
#include <variant>

#include "sdk_fixture.hpp"

namespace kafka_do::sdk_test {
namespace {

using namespace asio::experimental::awaitable_operators;

class CoroTest : public SdkTest {
 protected:
  void produce(const std::string& topic, int partitions, int count) {
    client().admin().create_topic(topic, {.partitions = partitions, .if_not_exists = true});
    client().producer(topic, [&](kafka::Producer& p) {
      for (int i = 0; i < count; ++i) p.send(i, {.key = "k" + std::to_string(i % 64)});
    });
  }
  int64_t lag(const std::string& group) { return client().admin().describe_group(group).total_lag; }

  // Runs `body` as a coroutine on a fresh io_context on this thread until everything it started
  // is over; rethrows its exception.
  void run(std::function<asio::awaitable<void>(asio::io_context&)> body) {
    asio::io_context io;
    std::exception_ptr failure;
    asio::co_spawn(io, body(io), [&](std::exception_ptr e) { failure = e; });
    io.run();
    if (failure) std::rethrow_exception(failure);
  }
};

asio::awaitable<void> pause(std::chrono::microseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(asio::use_awaitable);
}

TEST_P(CoroTest, ThousandsOfHandlersOnOneThreadProcessAndCommitEveryRecord) {
  constexpr int kRecords = 4000;
  // The first kOverlap handlers wait at a gate until all of them are running, so next() must
  // keep delivering while hundreds of handlers are suspended on the same thread (a condition,
  // not a timing: a next() that waited for earlier handlers would leave the gate shut until the
  // deadline and fail the test).
  constexpr int kOverlap = 300;
  produce("orders", 4, kRecords);
  std::set<std::pair<int32_t, int64_t>> seen;
  int duplicates = 0, running = 0, most_running = 0, committed = 0, failed_commits = 0;
  std::set<std::thread::id> threads;
  run([&](asio::io_context& io) -> asio::awaitable<void> {
    kafka::coro::Consumer orders(client(), "orders",
                                 {.group = "async", .offset = kafka::Offset::earliest});
    asio::steady_timer gate(io, std::chrono::steady_clock::time_point::max());
    bool gate_open = false;
    auto open_gate = [&] {
      gate_open = true;
      gate.cancel();
    };
    asio::steady_timer gate_deadline(io, std::chrono::seconds(60));
    gate_deadline.async_wait([&](std::error_code e) {
      if (!e) open_gate();
    });
    std::mt19937 rng(7);
    int handed_out = 0;
    while (handed_out < kRecords) {
      auto record = co_await orders.next();
      if (!record) break;
      ++handed_out;
      const auto delay = std::chrono::microseconds(rng() % 20000);
      asio::co_spawn(
          io,
          [&, record = std::move(*record), delay]() -> asio::awaitable<void> {
            ++running;
            most_running = std::max(most_running, running);
            threads.insert(std::this_thread::get_id());
            if (!seen.insert({record.partition(), record.offset()}).second) ++duplicates;
            if (running >= kOverlap) open_gate();
            if (!gate_open) {
              co_await gate.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
            }
            co_await pause(delay);  // finishes in any order
            try {
              co_await orders.commit(record);
            } catch (const kafka::Error& e) {
              ++failed_commits;
              ADD_FAILURE() << "commit of " << record.partition() << "@" << record.offset()
                            << " failed: " << e.what();
            }
            ++committed;
            --running;
          },
          asio::detached);
    }
    open_gate();
    gate_deadline.cancel();
    // The handlers still running hold `orders`: wait for them before it goes.
    while (committed < handed_out) co_await pause(std::chrono::milliseconds(1));
  });
  EXPECT_EQ(seen.size(), size_t(kRecords)) << duplicates << " duplicates";
  EXPECT_EQ(duplicates, 0);
  EXPECT_EQ(failed_commits, 0);
  EXPECT_EQ(threads.size(), 1u);
  EXPECT_GE(most_running, kOverlap) << "next() stopped delivering while handlers were suspended";
  EXPECT_EQ(lag("async"), 0);
}

TEST_P(CoroTest, CommitsNeverPassARecordStillBeingProcessed) {
  produce("jobs", 1, 10);
  run([&](asio::io_context&) -> asio::awaitable<void> {
    kafka::coro::Consumer jobs(client(), "jobs", {.group = "g", .offset = kafka::Offset::earliest});
    std::vector<kafka::Record> records;
    for (int i = 0; i < 10; ++i) records.push_back(*co_await jobs.next());
    for (int i = 9; i >= 1; --i) co_await jobs.commit(records[i]);
    EXPECT_EQ(lag("g"), 10) << "offset 0 is unfinished: nothing may be committed";
    co_await jobs.commit(records[0]);
    EXPECT_EQ(lag("g"), 0);
  });
}

TEST_P(CoroTest, ACancelledNextTakesNoRecord) {
  client().admin().create_topic("quiet", {.partitions = 1});
  run([&](asio::io_context&) -> asio::awaitable<void> {
    kafka::coro::Consumer quiet(client(), "quiet",
                                {.group = "g", .offset = kafka::Offset::earliest});
    auto first = co_await (quiet.next() || pause(std::chrono::milliseconds(100)));
    EXPECT_EQ(first.index(), 1u) << "nothing to read: the timer wins";
    // Timeouts racing with deliveries: records arrive one at a time while next() waits with
    // short timeouts; every record still arrives once, in order.
    std::jthread writer([&] {
      auto producer = client().producer("quiet", {.linger = std::chrono::milliseconds(0)});
      std::mt19937 pace(5);
      for (int i = 0; i < 300; ++i) {
        producer.send(i);
        producer.flush();
        std::this_thread::sleep_for(std::chrono::microseconds(pace() % 2000));
      }
    });
    std::mt19937 rng(3);
    int64_t expected = 0;
    int cancelled = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (expected < 300 && std::chrono::steady_clock::now() < deadline) {
      auto got = co_await (quiet.next() || pause(std::chrono::microseconds(rng() % 300)));
      if (got.index() == 1) {
        ++cancelled;
        continue;
      }
      auto& record = std::get<0>(got);
      EXPECT_TRUE(record.has_value());
      if (!record) break;
      EXPECT_EQ(record->offset(), expected);
      expected = record->offset() + 1;
    }
    EXPECT_EQ(expected, 300);
    std::cerr << "[coro] " << cancelled << " next() cancelled while reading 300 records\n";
  });
}

TEST_P(CoroTest, StopEndsIteration) {
  client().admin().create_topic("idle", {.partitions = 1});
  std::stop_source stop;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    stop.request_stop();
  });
  run([&](asio::io_context&) -> asio::awaitable<void> {
    kafka::coro::Consumer idle(client(), "idle", {.group = "g", .stop = stop.get_token()});
    EXPECT_FALSE(co_await idle.next()) << "a stop token ends a waiting next()";
    kafka::coro::Consumer other(client(), "idle", {.group = "h"});
    other.stop();
    EXPECT_FALSE(co_await other.next()) << "stop() ends iteration";
  });
}

TEST_P(CoroTest, SendReportsEveryOffsetAndAFullBufferSuspendsTheSender) {
  client().admin().create_topic("out", {.partitions = 3});
  // A buffer of a few records (1 KiB is librdkafka's smallest): most sends find it full and
  // wait for room.
  // buffer_full is left at its default (block): coro::Producer must suspend, not block.
  kafka::coro::Producer out(client(), "out",
                            {.linger = std::chrono::milliseconds(1), .buffer_memory = 1024});
  std::set<std::pair<int32_t, int64_t>> offsets;
  int failed = 0;
  run([&](asio::io_context& io) -> asio::awaitable<void> {
    int senders = 20;
    for (int s = 0; s < 20; ++s) {
      asio::co_spawn(
          io,
          [&, s]() -> asio::awaitable<void> {
            for (int i = 0; i < 50; ++i) {
              // Built before the co_await: GCC 12 mishandles temporaries inside one.
              kafka::Json value = {{"sender", s}, {"i", i}, {"pad", std::string(200, 'x')}};
              kafka::SendOptions options{.key = "s" + std::to_string(s)};
              auto report = co_await out.send(value, options);
              if (!report.ok()) ++failed;
              offsets.insert({report.partition(), report.offset()});
            }
            --senders;
          },
          asio::detached);
    }
    while (senders > 0) co_await pause(std::chrono::milliseconds(1));
  });
  EXPECT_EQ(failed, 0);
  EXPECT_GT(out.full_buffer_waits(), 0u) << "the buffer never filled: the test proves nothing";
  EXPECT_EQ(offsets.size(), 1000u);
  int64_t total = 0;
  for (const auto& p : client().admin().describe_topic("out").partition_info)
    total += p.high_watermark;
  EXPECT_EQ(total, 1000);
}

// co_await txs.run(): the transaction's blocking parts run off the coroutine's thread. Its fn
// waits for a coroutine on that same thread to open a gate, which could never happen if run()
// blocked the thread. A failed transaction aborts and rethrows into the awaiting coroutine; a
// committed one is visible.
TEST_P(CoroTest, TransactionsRunOffTheCoroutinesThreadCommitOrAbortAndRethrow) {
  client().admin().create_topic("invoices", {.partitions = 1, .if_not_exists = true});
  std::promise<void> open_gate;
  std::shared_future<void> gate = open_gate.get_future().share();
  std::string aborted_with;
  std::thread::id coroutine_thread, transaction_thread;
  run([&](asio::io_context& io) -> asio::awaitable<void> {
    coroutine_thread = std::this_thread::get_id();
    kafka::coro::Transactions txs(client());
    // GCC 12 mishandles temporaries inside a co_await expression: every argument is built first.
    const std::string topic = "invoices";
    const kafka::TransactionOptions options;
    const std::function<void(kafka::Transaction&)> declined = [&](kafka::Transaction& tx) {
      tx.send(99);  // aborted: a read_committed consumer never sees it
      throw std::runtime_error("declined");
    };
    const std::function<void(kafka::Transaction&)> ten = [&](kafka::Transaction& tx) {
      transaction_thread = std::this_thread::get_id();
      if (gate.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
        throw std::runtime_error("the coroutine's thread was blocked by run()");
      }
      for (int i = 0; i < 10; ++i) tx.send(i);
    };
    try {
      co_await txs.run(topic, options, declined);
    } catch (const std::runtime_error& e) {
      aborted_with = e.what();
    }
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          co_await pause(std::chrono::microseconds(100));
          open_gate.set_value();  // on the coroutine's thread, while the transaction runs
        },
        asio::detached);
    co_await txs.run(topic, options, ten);
  });
  EXPECT_EQ(aborted_with, "declined");
  EXPECT_NE(transaction_thread, coroutine_thread);
  // The aborted record comes first in the partition: had it been visible, it would come first.
  auto consumer =
      client().consumer("invoices", {.group = "check", .offset = kafka::Offset::earliest});
  std::vector<int> values;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (values.size() < 10 && std::chrono::steady_clock::now() < deadline) {
    for (auto& r : consumer.poll(std::chrono::milliseconds(200))) values.push_back(r.value<int>());
  }
  EXPECT_EQ(values, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

INSTANTIATE_TEST_SUITE_P(Backends, CoroTest,
                         ::testing::Values(Backend::memory, Backend::file, Backend::kafka),
                         backend_name);

}  // namespace
}  // namespace kafka_do::sdk_test
