#include "broker/metrics/broker_metrics.hpp"

#include <algorithm>

namespace kafka_do::broker {

void Histogram::observe(double seconds) {
  const auto it = std::lower_bound(kBounds.begin(), kBounds.end(), seconds);
  buckets_[size_t(it - kBounds.begin())].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_nanos_.fetch_add(uint64_t(std::max(seconds, 0.0) * 1e9), std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot out;
  uint64_t running = 0;
  for (size_t i = 0; i < kBounds.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    out.cumulative[i] = running;
  }
  // The count includes +Inf; read after the buckets so it is never below their total.
  out.count = std::max(count_.load(std::memory_order_relaxed),
                       running + buckets_.back().load(std::memory_order_relaxed));
  out.sum = double(sum_nanos_.load(std::memory_order_relaxed)) / 1e9;
  return out;
}

BrokerMetrics::BrokerMetrics() : started_(std::chrono::system_clock::now()) {}

void BrokerMetrics::request_done(int16_t api_key, int16_t error_code,
                                 std::chrono::nanoseconds elapsed) {
  {
    std::lock_guard lock(requests_mu_);
    ++requests_[{api_key, error_code}];
  }
  if (api_key < 0 || size_t(api_key) >= kMaxApiKey) return;
  latencies_[size_t(api_key)].observe(std::chrono::duration<double>(elapsed).count());
  latency_seen_[size_t(api_key)].store(true, std::memory_order_relaxed);
}

void BrokerMetrics::connection_opened() {
  open_connections_.fetch_add(1);
  connections_accepted_.fetch_add(1);
}

void BrokerMetrics::connection_closed() { open_connections_.fetch_sub(1); }

TopicTraffic& BrokerMetrics::traffic(const std::string& topic) {
  {
    std::shared_lock lock(topics_mu_);
    if (auto it = topics_.find(topic); it != topics_.end()) return *it->second;
  }
  std::unique_lock lock(topics_mu_);
  auto& slot = topics_[topic];
  if (!slot) slot = std::make_unique<TopicTraffic>();
  return *slot;
}

void BrokerMetrics::produced(const std::string& topic, uint64_t bytes, uint64_t records,
                             std::chrono::nanoseconds append_time) {
  TopicTraffic& t = traffic(topic);
  t.bytes_in.fetch_add(bytes, std::memory_order_relaxed);
  t.records_in.fetch_add(records, std::memory_order_relaxed);
  append_latency_.observe(std::chrono::duration<double>(append_time).count());
}

void BrokerMetrics::fetched(const std::string& topic, uint64_t bytes, uint64_t records) {
  if (bytes == 0) return;
  TopicTraffic& t = traffic(topic);
  t.bytes_out.fetch_add(bytes, std::memory_order_relaxed);
  t.records_out.fetch_add(records, std::memory_order_relaxed);
}

void BrokerMetrics::authentication_failed() { authentication_failures_.fetch_add(1); }

std::vector<BrokerMetrics::RequestCount> BrokerMetrics::request_counts() const {
  std::lock_guard lock(requests_mu_);
  std::vector<RequestCount> out;
  out.reserve(requests_.size());
  for (const auto& [key, count] : requests_) out.push_back({key.first, key.second, count});
  return out;
}

std::vector<std::pair<int16_t, Histogram::Snapshot>> BrokerMetrics::request_latencies() const {
  std::vector<std::pair<int16_t, Histogram::Snapshot>> out;
  for (size_t i = 0; i < kMaxApiKey; ++i) {
    if (latency_seen_[i].load(std::memory_order_relaxed)) {
      out.emplace_back(int16_t(i), latencies_[i].snapshot());
    }
  }
  return out;
}

std::vector<BrokerMetrics::TopicCounters> BrokerMetrics::topic_traffic() const {
  std::shared_lock lock(topics_mu_);
  std::vector<TopicCounters> out;
  out.reserve(topics_.size());
  for (const auto& [name, t] : topics_) {
    out.push_back({name, t->bytes_in.load(), t->records_in.load(), t->bytes_out.load(),
                   t->records_out.load()});
  }
  return out;
}

}  // namespace kafka_do::broker
