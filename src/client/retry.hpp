#pragma once
// The SDK's one retry loop: a call that fails with a retriable kafka::Error is made again, after
// a pause that doubles up to a cap, until it succeeds, `retries` more attempts failed, or the
// next attempt would start past the deadline. Fatal and non-retriable errors are thrown at once.
// Used for ClientOptions::retries/timeout (admin calls, consumer commits) and for the embedded
// producer's ProducerOptions::retries/retry_backoff.

#include <algorithm>
#include <chrono>
#include <thread>

#include "kafka_do/client.hpp"
#include "kafka_do/error.hpp"

namespace kafka::detail {

struct RetryPolicy {
  int retries = 0;
  // No attempt starts after first attempt + deadline; zero or negative: no deadline.
  std::chrono::milliseconds deadline{0};
  std::chrono::milliseconds backoff{100};
  std::chrono::milliseconds max_backoff{1000};

  // ClientOptions::retries, bounded by ClientOptions::timeout.
  static RetryPolicy of(const ClientOptions& options) {
    return RetryPolicy{.retries = options.retries, .deadline = options.timeout.ms()};
  }
};

// Every retriable error is worth another attempt unless `worth_retrying` says otherwise.
inline bool any_retriable(const Error&) { return true; }

template <class Fn, class Filter = bool (*)(const Error&)>
decltype(auto) with_retries(const RetryPolicy& policy, Fn&& fn,
                            Filter worth_retrying = &any_retriable) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  auto pause = std::max(policy.backoff, std::chrono::milliseconds(0));
  for (int attempt = 0;; ++attempt) {
    try {
      return fn();
    } catch (const Error& e) {
      if (!e.retriable() || e.fatal() || attempt >= policy.retries || !worth_retrying(e)) throw;
      if (policy.deadline.count() > 0 && Clock::now() + pause > started + policy.deadline) throw;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::max(policy.max_backoff, policy.backoff));
  }
}

}  // namespace kafka::detail
