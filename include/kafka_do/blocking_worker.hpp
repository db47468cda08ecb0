#pragma once
// kafka::detail::BlockingWorker, the engine of kafka::coro::Transactions (coro.hpp) without any
// Asio type: one thread that runs blocking calls (a transaction's begin, sends and commit) in
// the order they were queued, and reports each one's outcome on that thread.

#include <exception>
#include <functional>
#include <memory>
#include <thread>

namespace kafka::detail {

class BlockingWorker {
 public:
  using Work = std::function<void()>;
  // The work's exception, or null; called on the worker's thread (coro.hpp posts it onward).
  using Done = std::function<void(std::exception_ptr)>;

  BlockingWorker();
  ~BlockingWorker();  // runs what is queued, then joins
  BlockingWorker(const BlockingWorker&) = delete;
  BlockingWorker& operator=(const BlockingWorker&) = delete;

  void run(Work work, Done done);

 private:
  struct State;
  std::shared_ptr<State> state_;
  std::thread thread_;
};

}  // namespace kafka::detail
