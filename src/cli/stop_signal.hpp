#pragma once
// Turns SIGINT/SIGTERM into an orderly stop request. Blocking reads and condition-variable waits
// are not reliably interrupted by a signal handler, so instead the signals are blocked in every
// thread and one watcher thread receives them with sigwait(). A stop request then shows up as a
// flag, as a callback (to wake a condition variable) and as a readable pipe (to wake poll()).
//
// Construct it before any other thread starts (in particular before LogManager::open): threads
// inherit the blocked mask, so only the watcher ever sees these signals. A second signal while
// a stop is under way exits at once with status 130.
//
// SIGHUP asks for a reload where a command set one up (on_reload: `kafkado serve` rereads its
// certificates and key file); elsewhere it stops, as a hangup would.

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

namespace kafka_do::cli {

class StopSignal {
 public:
  StopSignal();
  ~StopSignal();
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  bool requested() const { return requested_.load(std::memory_order_acquire); }
  // Becomes readable once a stop is requested; never read from it.
  int fd() const { return pipe_[0]; }
  // Runs `fn` (on the watcher thread) when a stop is requested; at once if one already was.
  void on_stop(std::function<void()> fn);
  // Runs `fn` (on the watcher thread) at each SIGHUP instead of stopping.
  void on_reload(std::function<void()> fn);

 private:
  void watch();

  int pipe_[2] = {-1, -1};
  std::atomic<bool> requested_{false};
  std::atomic<bool> exiting_{false};
  std::mutex mu_;
  std::function<void()> callback_;
  std::function<void()> reload_;
  std::thread watcher_;
};

}  // namespace kafka_do::cli
