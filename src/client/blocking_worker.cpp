// kafka::detail::BlockingWorker (include/kafka_do/blocking_worker.hpp).
#include "kafka_do/blocking_worker.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <utility>

namespace kafka::detail {

struct BlockingWorker::State {
  std::mutex mu;
  std::condition_variable wake;
  std::deque<std::pair<Work, Done>> queue;
  bool closing = false;
};

BlockingWorker::BlockingWorker()
    : state_(std::make_shared<State>()), thread_([state = state_] {
        std::unique_lock lock(state->mu);
        for (;;) {
          state->wake.wait(lock, [&] { return state->closing || !state->queue.empty(); });
          if (state->queue.empty()) return;  // closing, and nothing left
          auto [work, done] = std::move(state->queue.front());
          state->queue.pop_front();
          lock.unlock();
          std::exception_ptr error;
          try {
            work();
          } catch (...) {
            error = std::current_exception();
          }
          done(error);
          lock.lock();
        }
      }) {}

BlockingWorker::~BlockingWorker() {
  {
    std::lock_guard lock(state_->mu);
    state_->closing = true;
  }
  state_->wake.notify_all();
  thread_.join();
}

void BlockingWorker::run(Work work, Done done) {
  {
    std::lock_guard lock(state_->mu);
    state_->queue.emplace_back(std::move(work), std::move(done));
  }
  state_->wake.notify_one();
}

}  // namespace kafka::detail
