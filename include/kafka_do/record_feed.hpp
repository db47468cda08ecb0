#pragma once
// kafka::detail::RecordFeed, the engine of kafka::coro::Consumer (coro.hpp) without any Asio
// type, so the compiled library needs no Asio: a thread that polls a Consumer, buffers records
// ahead, hands them to waiters and runs commits.

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <thread>
#include <vector>

#include "kafka_do/consumer.hpp"
#include "kafka_do/record.hpp"

namespace kafka::detail {

// The thread behind coro::Consumer: polls, buffers, hands records to waiters and runs commits,
// so no Asio type reaches the compiled library. Thread-safe.
class RecordFeed {
 public:
  // Called once: a record, or nullopt when iteration ended, or the consumer's error.
  using Delivery = std::function<void(std::exception_ptr, std::optional<Record>)>;
  using Done = std::function<void(std::exception_ptr)>;

  RecordFeed(Consumer consumer, std::stop_token stop, size_t buffer);
  ~RecordFeed();  // stops the thread and closes the consumer
  RecordFeed(const RecordFeed&) = delete;
  RecordFeed& operator=(const RecordFeed&) = delete;

  // Calls `deliver` with the next record: at once on this thread when one is buffered, else
  // from the feed's thread. Returns an id for cancel().
  uint64_t next(Delivery deliver);
  // Takes back a waiting next(): true when it was still waiting (and is now forgotten), false
  // when its delivery was already made.
  bool cancel(uint64_t id);
  // Puts a record handed out by next() back at the front (a cancelled next() that raced with
  // its delivery).
  void give_back(Record record);
  // Runs record.commit() on the feed's thread, then calls `done` from there.
  void commit(Record record, Done done);
  // Ends iteration: waiting and later next() get nullopt. Thread-safe, idempotent.
  void stop();
  std::vector<TopicPartition> assignment() const;

 private:
  struct State;
  void run();
  std::shared_ptr<State> state_;
  std::thread thread_;
};

}  // namespace kafka::detail
