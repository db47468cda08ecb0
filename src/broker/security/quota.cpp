#include "broker/security/quota.hpp"

#include <algorithm>

namespace kafka_do::broker::security {

std::chrono::milliseconds Quotas::charge(std::string_view principal, QuotaDirection direction,
                                         int64_t bytes, int64_t bytes_per_second,
                                         Clock::time_point now) {
  if (bytes_per_second <= 0 || bytes <= 0) return std::chrono::milliseconds(0);
  const double rate = double(bytes_per_second);
  std::lock_guard lock(mu_);
  Bucket& bucket = buckets_[{std::string(principal), direction}];
  if (!bucket.started) {
    bucket.started = true;
    bucket.tokens = rate;  // a full second's worth to start with
    bucket.refilled = now;
  }
  const double elapsed = std::chrono::duration<double>(now - bucket.refilled).count();
  bucket.tokens = std::min(rate, bucket.tokens + elapsed * rate);
  bucket.refilled = now;
  bucket.tokens -= double(bytes);
  if (bucket.tokens >= 0) return std::chrono::milliseconds(0);
  // In debt: the time the bucket takes to refill to zero.
  return std::chrono::milliseconds(int64_t(-bucket.tokens / rate * 1000.0) + 1);
}

}  // namespace kafka_do::broker::security
