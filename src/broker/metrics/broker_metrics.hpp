#pragma once
// What the broker counts while it runs, for /metrics and the console: requests by API and result
// code with latency histograms, bytes and records in and out per topic, connections, append
// latency, authentication failures. Counters only go up (Prometheus computes rates); gauges
// derived from the engine's state (log sizes, lag, …) are read at scrape time instead
// (metrics/prometheus.cpp), so nothing here has to be kept in step with topics or groups.
//
// Thread safety: every method may be called from any thread. The hot paths (one call per request,
// per produced or fetched partition) take a short uncontended lock or touch atomics only.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

namespace kafka_do::broker {

// A cumulative histogram with fixed upper bounds in seconds (Prometheus' le buckets).
class Histogram {
 public:
  // Upper bounds: 0.1 ms .. 10 s, roughly ×2.5 apart; what request and fsync latencies span.
  static constexpr std::array<double, 16> kBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                     0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                                     1.0,    2.5,     5.0,    10.0};
  void observe(double seconds);

  struct Snapshot {
    std::array<uint64_t, kBounds.size()> cumulative{};  // observations <= each bound
    uint64_t count = 0;
    double sum = 0;
  };
  Snapshot snapshot() const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};  // the last is +Inf
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_nanos_{0};
};

struct TopicTraffic {
  std::atomic<uint64_t> bytes_in{0};
  std::atomic<uint64_t> records_in{0};
  std::atomic<uint64_t> bytes_out{0};
  std::atomic<uint64_t> records_out{0};
};

class BrokerMetrics {
 public:
  static constexpr size_t kMaxApiKey = 80;
  // The result of a request that was not answered: a malformed frame, or one before
  // authentication; the connection was closed.
  static constexpr int16_t kClosed = -2;

  BrokerMetrics();

  // One answered request (or kClosed), with the first error code its response carries (0 for
  // none) and how long it took from decoding to the response.
  void request_done(int16_t api_key, int16_t error_code, std::chrono::nanoseconds elapsed);
  void connection_opened();
  void connection_closed();
  // A batch appended to `topic` (Produce) and how long the append took: with --flush every-batch
  // that includes the fdatasync, so it is the produce-to-durable latency.
  void produced(const std::string& topic, uint64_t bytes, uint64_t records,
                std::chrono::nanoseconds append_time);
  void fetched(const std::string& topic, uint64_t bytes, uint64_t records);
  void authentication_failed();

  // ---- reading (scrapes, the console) ----
  struct RequestCount {
    int16_t api_key;
    int16_t error_code;
    uint64_t count;
  };
  std::vector<RequestCount> request_counts() const;
  // The latency histogram of each API that has seen a request.
  std::vector<std::pair<int16_t, Histogram::Snapshot>> request_latencies() const;
  Histogram::Snapshot append_latency() const { return append_latency_.snapshot(); }
  struct TopicCounters {
    std::string topic;
    uint64_t bytes_in, records_in, bytes_out, records_out;
  };
  std::vector<TopicCounters> topic_traffic() const;
  int64_t open_connections() const { return open_connections_.load(); }
  uint64_t connections_accepted() const { return connections_accepted_.load(); }
  uint64_t authentication_failures() const { return authentication_failures_.load(); }
  std::chrono::system_clock::time_point started() const { return started_; }

 private:
  TopicTraffic& traffic(const std::string& topic);

  const std::chrono::system_clock::time_point started_;
  mutable std::mutex requests_mu_;
  std::map<std::pair<int16_t, int16_t>, uint64_t> requests_;  // (api key, error code) -> count
  std::array<Histogram, kMaxApiKey> latencies_;
  std::array<std::atomic<bool>, kMaxApiKey> latency_seen_{};
  Histogram append_latency_;
  mutable std::shared_mutex topics_mu_;
  std::map<std::string, std::unique_ptr<TopicTraffic>, std::less<>> topics_;
  std::atomic<int64_t> open_connections_{0};
  std::atomic<uint64_t> connections_accepted_{0};
  std::atomic<uint64_t> authentication_failures_{0};
};

}  // namespace kafka_do::broker
