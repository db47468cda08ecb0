#pragma once
// GET /metrics: the broker in Prometheus' text exposition format (version 0.0.4).
//
// Two sets of names (docs/metrics.md lists them all):
// - kafka_do_*: the broker's own (requests by API and result code with latency histograms,
//   traffic per topic, connections, append latency, log sizes, disk, cleaner and retention,
//   rebalances, authentication failures, uptime, build info);
// - kafka_*: danielqsj/kafka_exporter's names (kafka_consumergroup_lag, kafka_topic_partitions,
//   …), computed from the broker's state, so dashboards and autoscalers (KEDA) written for
//   Kafka work unchanged.

#include <string>

#include "broker/broker.hpp"

namespace kafka_do::broker {

inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string render_prometheus(const Broker& broker);

}  // namespace kafka_do::broker
