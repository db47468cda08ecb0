// Seed README, "Error Handling / Retry with Exponential Backoff": the seed's with_retry as a C++
// function template. A retriable kafka::Error is tried again after base_delay, 2 x base_delay,
// 4 x base_delay... plus up to 10 % random jitter (so that many clients failing together do not
// retry in lockstep); anything else, or the last failure, propagates.

#include <chrono>
#include <concepts>
#include <iostream>
#include <kafka_do/kafka.hpp>
#include <random>
#include <string>
#include <thread>
#include <type_traits>

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct RetryOptions {
  int max_attempts = 3;
  std::chrono::milliseconds base_delay = 1s;
};

template <std::invocable Fn>
std::invoke_result_t<Fn> with_retry(Fn&& fn, RetryOptions options = {}) {
  thread_local std::mt19937 random{std::random_device{}()};
  for (int attempts = 1;; ++attempts) {
    try {
      return fn();
    } catch (const kafka::Error& e) {
      if (!e.retriable() || attempts >= options.max_attempts) throw;
      const auto delay = options.base_delay * (1 << (attempts - 1));
      std::uniform_real_distribution<double> jitter(0.0, 0.1);
      std::this_thread::sleep_for(
          delay + std::chrono::duration_cast<std::chrono::milliseconds>(delay * jitter(random)));
    }
  }
}

long long ms_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

}  // namespace

int main() try {
  kafka::Client kafka;
  const kafka::Json order = {{"order_id", "123"}, {"amount", 99.99}};

  // The seed's usage: a send that succeeds needs no retry.
  kafka.producer("orders",
                 [&](kafka::Producer& producer) { with_retry([&] { producer.send(order); }); });
  std::cout << "Sent order 123 (first attempt)\n";

  // The examples below use a 50 ms base delay instead of 1 s to finish quickly. A transient
  // failure (simulated: the first two attempts time out) succeeds on the third attempt.
  const RetryOptions quick{.max_attempts = 3, .base_delay = 50ms};
  auto start = Clock::now();
  int attempts = 0;
  const std::string result = with_retry(
      [&] {
        ++attempts;
        std::cout << "  attempt " << attempts << " at " << ms_since(start) << " ms\n";
        if (attempts < 3) throw kafka::TimeoutError("simulated: request timed out");
        return std::string("delivered");
      },
      quick);
  std::cout << "Transient failure: " << result << " after " << attempts << " attempts\n";

  // A failure that does not go away: retried until max_attempts, then it propagates.
  attempts = 0;
  start = Clock::now();
  try {
    with_retry(
        [&] {
          ++attempts;
          std::cout << "  attempt " << attempts << " at " << ms_since(start) << " ms\n";
          throw kafka::DisconnectedError("simulated: connection refused");
        },
        quick);
  } catch (const kafka::DisconnectedError& e) {
    std::cout << "Persistent failure: gave up after " << attempts << " attempts: " << e.what()
              << "\n";
  }

  // A failure that is not retriable propagates at once: repeating it cannot help.
  attempts = 0;
  try {
    kafka.producer("orders", [&](kafka::Producer& producer) {
      with_retry(
          [&] {
            ++attempts;
            producer.send({{"order_id", "124"}, {"notes", std::string(2'000'000, 'x')}});
          },
          quick);
    });
  } catch (const kafka::MessageTooLargeError& e) {
    std::cout << "Not retriable: gave up after " << attempts << " attempt: " << e.what() << "\n";
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "retry_backoff failed: " << e.what() << "\n";
  return 1;
}
