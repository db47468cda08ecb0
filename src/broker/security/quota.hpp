#pragma once
// Byte-rate quotas per key, for produce (request bytes) and fetch (response bytes), enforced as
// Kafka does: a request that takes a key past its rate is still served, but its response
// carries throttle_time_ms and the connection reads nothing more until that time has passed, so
// a client that keeps pushing is held to the rate (librdkafka and kafkajs also back off by it).
//
// The rate is a token bucket per key and direction: it refills at the quota and holds at most
// one second of it, so bursts are bounded by a second's worth and the long-run rate by the
// quota. Thread-safe.

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace kafka_do::broker::security {

enum class QuotaDirection { produce, fetch };

class Quotas {
 public:
  using Clock = std::chrono::steady_clock;

  // Charges `bytes` to `principal`'s bucket for `direction`, with `bytes_per_second` as its
  // quota (0: none, nothing charged). Returns how long its connection must wait: 0 while the key
  // is within its rate.
  std::chrono::milliseconds charge(std::string_view principal, QuotaDirection direction,
                                   int64_t bytes, int64_t bytes_per_second,
                                   Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point refilled;
    bool started = false;
  };
  std::mutex mu_;
  std::map<std::pair<std::string, QuotaDirection>, Bucket, std::less<>> buckets_;
};

}  // namespace kafka_do::broker::security
