#pragma once
// C++20 coroutines on Asio: `co_await consumer.next()`, `co_await consumer.commit(record)` and
// `co_await producer.send(value)`, so thousands of concurrent handlers run on one thread.
//
//   asio::awaitable<void> billing(kafka::Client& kafka) {
//     kafka::coro::Consumer orders(kafka, "orders", {.group = "billing"});
//     while (auto record = co_await orders.next()) {
//       co_await charge(*record);
//       co_await orders.commit(*record);
//     }
//   }
//
// This header needs Asio (Debian's libasio-dev, standalone, header-only); the rest of the SDK
// does not. Completions run on the awaiting coroutine's executor (for other completion tokens,
// the handler's associated executor), never on the SDK's threads.
//
// - Consumer: a thread of its own polls a kafka::Consumer and buffers up to `buffer` records
//   ahead; next() hands them out in order. A record counts as done when it is committed
//   (commit() here, or Record::commit()), and each partition's committed offset only advances to
//   the contiguous low watermark of done records, so handlers may finish in any order and a crash
//   redelivers what was in flight. ConsumerOptions::auto_commit does not apply.
// - Cancellation: next() honours Asio's per-operation cancellation (a timeout with
//   asio::experimental::awaitable_operators, asio::cancel_after...). A cancelled next() takes no
//   record: one that was on its way goes back to the front of the buffer. The options' stop
//   token and stop() end iteration: next() then yields an empty optional.
// - Producer: send() queues the record and suspends until its DeliveryReport arrives. Made from
//   an AsyncProducer; with ProducerOptions::buffer_full = fail, a full buffer suspends the
//   coroutine until there is room instead of blocking its thread.
// - Transactions: run() is Client::transaction (begin, the sends of `fn`, commit) on a thread of
//   its own, and completes once the transaction committed, or with its exception (it aborted):
//     kafka::coro::Transactions txs(kafka);
//     co_await txs.run("invoices", {}, [&](kafka::Transaction& tx) { tx.send(invoice); });

#include <asio/associated_cancellation_slot.hpp>
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/awaitable.hpp>
#include <asio/cancellation_type.hpp>
#include <asio/error.hpp>
#include <asio/execution/outstanding_work.hpp>
#include <asio/post.hpp>
#include <asio/prefer.hpp>
#include <asio/steady_timer.hpp>
#include <asio/system_error.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "kafka_do/blocking_worker.hpp"
#include "kafka_do/client.hpp"
#include "kafka_do/consumer.hpp"
#include "kafka_do/producer.hpp"
#include "kafka_do/record.hpp"
#include "kafka_do/record_feed.hpp"

namespace kafka {
namespace detail {

// The executor a completion runs on, kept busy (an io_context does not run out of work) until the
// completion was posted.
template <class Handler>
auto tracked_executor(const Handler& handler) {
  return asio::prefer(asio::get_associated_executor(handler),
                      asio::execution::outstanding_work.tracked);
}

}  // namespace detail

namespace coro {

class Consumer {
 public:
  // A consumer of `topic` (options as for Client::consumer; auto_commit is ignored) whose
  // records are read ahead on a thread of its own, at most `buffer` of them.
  Consumer(Client& kafka, const std::string& topic, ConsumerOptions options, size_t buffer = 1000)
      : feed_(std::make_shared<detail::RecordFeed>(
            kafka.consumer(topic, without_auto_commit(options)), options.stop, buffer)) {}
  Consumer(Consumer&&) noexcept = default;
  Consumer& operator=(Consumer&&) noexcept = default;
  ~Consumer() = default;  // stops reading and closes the consumer

  // The next record, or nullopt once stopped. Completion signature
  // void(std::exception_ptr, std::optional<Record>); a cancelled wait completes with
  // asio::error::operation_aborted (as asio::system_error) and takes no record.
  template <class Token = asio::use_awaitable_t<>>
  auto next(Token&& token = {}) {
    return asio::async_initiate<Token, void(std::exception_ptr, std::optional<Record>)>(
        [feed = feed_](auto handler) { start_next(feed, std::move(handler)); }, token);
  }

  // Marks `record` done and commits what that makes contiguous, without blocking the caller's
  // thread. Completion signature void(std::exception_ptr): the commit's error, if any.
  template <class Token = asio::use_awaitable_t<>>
  auto commit(Record record, Token&& token = {}) {
    return asio::async_initiate<Token, void(std::exception_ptr)>(
        [feed = feed_](auto handler, Record r) {
          auto shared = std::make_shared<decltype(handler)>(std::move(handler));
          auto ex = detail::tracked_executor(*shared);
          feed->commit(std::move(r), [shared, ex](std::exception_ptr error) {
            asio::post(ex, [shared, error] { (*shared)(error); });
          });
        },
        token, std::move(record));
  }

  // Ends iteration (thread-safe): next() yields nullopt from now on.
  void stop() { feed_->stop(); }
  std::vector<TopicPartition> assignment() const { return feed_->assignment(); }

 private:
  static ConsumerOptions without_auto_commit(ConsumerOptions options) {
    options.auto_commit = false;
    return options;
  }
  template <class Handler>
  static void start_next(const std::shared_ptr<detail::RecordFeed>& feed, Handler handler);

  std::shared_ptr<detail::RecordFeed> feed_;
};

template <class Handler>
void Consumer::start_next(const std::shared_ptr<detail::RecordFeed>& feed, Handler handler) {
  // One wait: the handler, whether cancellation was asked for, and the feed's id for it.
  struct Wait {
    explicit Wait(Handler h) : handler(std::move(h)) {}
    Handler handler;
    std::atomic<bool> cancelled{false};
    std::atomic<uint64_t> id{0};
  };
  auto wait = std::make_shared<Wait>(std::move(handler));
  auto ex = detail::tracked_executor(wait->handler);
  auto slot = asio::get_associated_cancellation_slot(wait->handler);
  // Weak: a delivery waiting in the feed must not keep the feed (and its thread) alive.
  std::weak_ptr<detail::RecordFeed> weak = feed;
  auto complete = [wait, weak, ex](std::exception_ptr error, std::optional<Record> record) {
    asio::post(ex, [wait, weak, error, record = std::move(record)]() mutable {
      asio::get_associated_cancellation_slot(wait->handler).clear();
      if (record && wait->cancelled.load()) {
        // Cancelled while the record was on its way: it stays unread.
        if (auto feed = weak.lock()) feed->give_back(std::move(*record));
        record.reset();
        error = std::make_exception_ptr(asio::system_error(asio::error::operation_aborted));
      }
      wait->handler(error, std::move(record));
    });
  };
  if (slot.is_connected()) {
    slot.assign([wait, weak, complete](asio::cancellation_type type) {
      if (type == asio::cancellation_type::none) return;
      wait->cancelled.store(true);
      auto feed = weak.lock();
      if (feed && feed->cancel(wait->id.load())) {
        complete(std::make_exception_ptr(asio::system_error(asio::error::operation_aborted)),
                 std::nullopt);
      }
    });
  }
  wait->id.store(feed->next(complete));
}

class Producer {
 public:
  // A producer of `topic` (options as for Client::async_producer) whose sends suspend while
  // the buffer is full: buffer_full is always BufferFull::fail underneath, whatever `options`
  // say, so a full buffer never blocks the executor's thread.
  Producer(Client& kafka, const std::string& topic, ProducerOptions options = {})
      : producer_(kafka.async_producer(topic, never_block(std::move(options)))) {}
  // Over an AsyncProducer made elsewhere. Make it with BufferFull::fail: with BufferFull::block
  // a send that finds the buffer full blocks the executor's thread (up to max_block).
  explicit Producer(AsyncProducer producer) : producer_(std::move(producer)) {}

  // Queues `value` and completes with its DeliveryReport (a failed delivery is a report with
  // error(), not an exception). Throws what AsyncProducer::send throws at once (record too
  // large, closed, not serializable).
  // (Inside: no temporary lives across a co_await, which GCC 12 gets wrong.)
  asio::awaitable<DeliveryReport> send(Json value, SendOptions options = {}) {
    const std::function<void(AsyncProducer::DeliveryCallback)> submit =
        [&](AsyncProducer::DeliveryCallback done) {
          producer_.send(value, options, std::move(done));
        };
    DeliveryReport report = co_await queue(submit);
    co_return report;
  }
  asio::awaitable<DeliveryReport> send_raw(std::string value, SendOptions options = {}) {
    const std::function<void(AsyncProducer::DeliveryCallback)> submit =
        [&](AsyncProducer::DeliveryCallback done) {
          producer_.send_raw(value, options, std::move(done));
        };
    DeliveryReport report = co_await queue(submit);
    co_return report;
  }
  // Waits for every queued record's report, blocking the caller's thread (AsyncProducer::deliver).
  void deliver() { producer_.deliver(); }
  void close() { producer_.close(); }
  // How often a send found the buffer full and waited for room (back-pressure felt so far).
  uint64_t full_buffer_waits() const { return full_buffer_waits_; }

 private:
  // Runs `submit` (one AsyncProducer send with the given callback) until the buffer has room,
  // then waits for the record's report.
  asio::awaitable<DeliveryReport> queue(
      const std::function<void(AsyncProducer::DeliveryCallback)>& submit) {
    auto pause = std::chrono::milliseconds(1);
    for (;;) {
      // nullopt: the buffer was full (BufferFull::fail); try again after a pause.
      auto attempt = asio::async_initiate<decltype(asio::use_awaitable),
                                          void(std::exception_ptr, std::optional<DeliveryReport>)>(
          [&submit](auto handler) {
            auto shared = std::make_shared<decltype(handler)>(std::move(handler));
            auto ex = detail::tracked_executor(*shared);
            auto complete = [shared, ex](std::exception_ptr e, std::optional<DeliveryReport> r) {
              asio::post(ex,
                         [shared, e, r = std::move(r)]() mutable { (*shared)(e, std::move(r)); });
            };
            try {
              submit([complete](const DeliveryReport& r) { complete(nullptr, r); });
            } catch (const QuotaExceededError&) {
              complete(nullptr, std::nullopt);
            } catch (...) {
              complete(std::current_exception(), std::nullopt);
            }
          },
          asio::use_awaitable);
      std::optional<DeliveryReport> report = co_await std::move(attempt);
      if (report) co_return std::move(*report);
      ++full_buffer_waits_;
      const auto executor = co_await asio::this_coro::executor;
      asio::steady_timer timer(executor, pause);
      co_await timer.async_wait(asio::use_awaitable);
      pause = std::min(pause * 2, std::chrono::milliseconds(50));
    }
  }

  static ProducerOptions never_block(ProducerOptions options) {
    options.buffer_full = BufferFull::fail;
    return options;
  }

  AsyncProducer producer_;
  uint64_t full_buffer_waits_ = 0;  // sends run on their coroutines' executors
};

// Transactions whose blocking parts (begin, the commit's flush and round trips) run on a thread
// of their own, so a coroutine awaits the commit instead of blocking its executor's thread.
// Transactions run one after another, in the order run() was called. Destruction waits for the
// transactions queued.
class Transactions {
 public:
  explicit Transactions(Client& kafka)
      : kafka_(&kafka), worker_(std::make_shared<detail::BlockingWorker>()) {}

  // Client::transaction(topic, options, fn) on the transactions' thread: `fn` runs there (so
  // whatever it touches must be safe to touch from another thread until run() completes; it
  // sends, it does not co_await). Completion signature void(std::exception_ptr): null once
  // committed; what Client::transaction throws otherwise (fn's exception after an abort,
  // ProducerFencedError, TransactionAbortedError).
  template <class Token = asio::use_awaitable_t<>>
  auto run(std::string topic, TransactionOptions options, std::function<void(Transaction&)> fn,
           Token&& token = {}) {
    return asio::async_initiate<Token, void(std::exception_ptr)>(
        [kafka = kafka_, worker = worker_](auto handler, std::string t, TransactionOptions o,
                                           std::function<void(Transaction&)> f) {
          auto shared = std::make_shared<decltype(handler)>(std::move(handler));
          auto ex = detail::tracked_executor(*shared);
          worker->run([kafka, t = std::move(t), o = std::move(o),
                       f = std::move(f)] { kafka->transaction(t, o, f); },
                      [shared, ex](std::exception_ptr error) {
                        asio::post(ex, [shared, error] { (*shared)(error); });
                      });
        },
        token, std::move(topic), std::move(options), std::move(fn));
  }

 private:
  Client* kafka_;
  std::shared_ptr<detail::BlockingWorker> worker_;
};

}  // namespace coro
}  // namespace kafka
