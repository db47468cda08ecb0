#include "broker/metrics/prometheus.hpp"

#include <cinttypes>
#include <cstdio>
#include <map>

#include "broker/metrics/broker_status.hpp"
#include "broker/metrics/group_lag.hpp"
#include "protocol/gen/api_keys.hpp"

namespace kafka_do::broker {
namespace {

const char* api_name(int16_t key) {
  for (const auto& api : protocol::kApis) {
    if (int16_t(api.key) == key) return api.name;
  }
  return "Unknown";
}

// Writes metric families: HELP and TYPE once per name, then its samples.
class Exposition {
 public:
  void family(const char* name, const char* type, const char* help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  // `labels` is already rendered ("a=\"x\",b=\"y\"") or empty.
  void sample(const char* name, const std::string& labels, double value) {
    char number[32];
    std::snprintf(number, sizeof number, "%.17g", value);
    sample_text(name, labels, number);
  }
  void sample(const char* name, const std::string& labels, int64_t value) {
    sample_text(name, labels, std::to_string(value));
  }
  void sample(const char* name, const std::string& labels, uint64_t value) {
    sample_text(name, labels, std::to_string(value));
  }
  void histogram(const char* name, const std::string& labels, const Histogram::Snapshot& h) {
    const std::string bucket = std::string(name) + "_bucket";
    const std::string sep = labels.empty() ? "" : ",";
    for (size_t i = 0; i < Histogram::kBounds.size(); ++i) {
      char le[32];
      std::snprintf(le, sizeof le, "%g", Histogram::kBounds[i]);
      sample(bucket.c_str(), labels + sep + "le=\"" + le + "\"", h.cumulative[i]);
    }
    sample(bucket.c_str(), labels + sep + "le=\"+Inf\"", h.count);
    sample((std::string(name) + "_sum").c_str(), labels, h.sum);
    sample((std::string(name) + "_count").c_str(), labels, h.count);
  }
  std::string take() { return std::move(out_); }

 private:
  void sample_text(const char* name, const std::string& labels, const std::string& value) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      out_ += labels;
      out_ += '}';
    }
    out_ += ' ';
    out_ += value;
    out_ += '\n';
  }
  std::string out_;
};

// A label pair with the value escaped as the format requires (backslash, quote, newline).
std::string label(const char* name, std::string_view value) {
  std::string out = name;
  out += "=\"";
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

std::string labels(std::initializer_list<std::string> parts) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += ',';
    out += p;
  }
  return out;
}

void broker_families(Exposition& x, const Broker& broker) {
  const BrokerStatus status = broker_status(broker);
  x.family("kafka_do_build_info", "gauge", "kafka-do's version; always 1.");
  x.sample("kafka_do_build_info", label("version", status.version), int64_t(1));
  x.family("kafka_do_uptime_seconds", "gauge", "Seconds since the broker started.");
  x.sample("kafka_do_uptime_seconds", "", status.uptime_seconds);
  x.family("process_start_time_seconds", "gauge", "Start time of the process (Unix seconds).");
  x.sample("process_start_time_seconds", "", status.started_unix_seconds);
  x.family("kafka_do_disk_free_bytes", "gauge",
           "Bytes available to the broker on the data directory's file system.");
  x.sample("kafka_do_disk_free_bytes", "", status.disk_free_bytes);
  x.family("kafka_do_disk_total_bytes", "gauge", "Size of the data directory's file system.");
  x.sample("kafka_do_disk_total_bytes", "", status.disk_total_bytes);
  x.family("kafka_brokers", "gauge", "Brokers in the cluster (kafka_exporter's name).");
  x.sample("kafka_brokers", "", int64_t(1));
}

void request_families(Exposition& x, const BrokerMetrics& m) {
  x.family("kafka_do_requests_total", "counter",
           "Kafka requests handled, by API and the first error code of the response (\"closed\": "
           "malformed or refused, the connection was closed).");
  for (const auto& r : m.request_counts()) {
    const std::string code =
        r.error_code == BrokerMetrics::kClosed ? "closed" : std::to_string(r.error_code);
    x.sample("kafka_do_requests_total",
             labels({label("api", api_name(r.api_key)), label("code", code)}), r.count);
  }
  x.family("kafka_do_request_duration_seconds", "histogram",
           "Time from a decoded request to its response, by API (Fetch includes its long-poll).");
  for (const auto& [key, h] : m.request_latencies()) {
    x.histogram("kafka_do_request_duration_seconds", label("api", api_name(key)), h);
  }
  x.family("kafka_do_produce_append_duration_seconds", "histogram",
           "Time to append one produced batch; with --flush every-batch it includes the fdatasync "
           "(produce to durable).");
  x.histogram("kafka_do_produce_append_duration_seconds", "", m.append_latency());
  x.family("kafka_do_connections", "gauge", "Open Kafka client connections.");
  x.sample("kafka_do_connections", "", m.open_connections());
  x.family("kafka_do_connections_accepted_total", "counter", "Kafka client connections accepted.");
  x.sample("kafka_do_connections_accepted_total", "", m.connections_accepted());
  x.family("kafka_do_authentication_failures_total", "counter",
           "SASL authentications that failed (bad token or credentials).");
  x.sample("kafka_do_authentication_failures_total", "", m.authentication_failures());
}

void topic_families(Exposition& x, const Broker& broker) {
  struct PartitionState {
    int32_t partition;
    int64_t log_start, hwm;
    uint64_t size;
    size_t segments;
  };
  std::map<std::string, std::vector<PartitionState>> topics;
  for (const auto& name : broker.logs.topic_names()) {
    auto description = broker.logs.describe_topic(name);
    if (!description) continue;  // deleted meanwhile
    auto& parts = topics[name];
    for (int32_t p = 0; p < description->partitions; ++p) {
      auto log = broker.logs.partition(name, p);
      if (!log) continue;
      parts.push_back({p, (*log)->log_start_offset(), (*log)->high_watermark(),
                       (*log)->size_bytes(), (*log)->segment_count()});
    }
  }
  x.family("kafka_topic_partitions", "gauge", "Partitions of a topic (kafka_exporter's name).");
  for (const auto& [t, parts] : topics) {
    x.sample("kafka_topic_partitions", label("topic", t), int64_t(parts.size()));
  }
  // One gauge per partition each; kafka_exporter's names first.
  struct PartitionFamily {
    const char* name;
    const char* help;
    int64_t (*value)(const PartitionState&);
  };
  for (const PartitionFamily& f : {
           PartitionFamily{"kafka_topic_partition_current_offset",
                           "High watermark of a partition (kafka_exporter's name).",
                           [](const PartitionState& p) { return int64_t(p.hwm); }},
           PartitionFamily{"kafka_topic_partition_oldest_offset",
                           "Log start offset of a partition (kafka_exporter's name).",
                           [](const PartitionState& p) { return int64_t(p.log_start); }},
           PartitionFamily{"kafka_do_log_size_bytes", "Bytes of a partition's segments on disk.",
                           [](const PartitionState& p) { return int64_t(p.size); }},
           PartitionFamily{"kafka_do_log_segments", "Segments of a partition.",
                           [](const PartitionState& p) { return int64_t(p.segments); }},
       }) {
    x.family(f.name, "gauge", f.help);
    for (const auto& [t, parts] : topics) {
      for (const auto& p : parts) {
        x.sample(f.name,
                 labels({label("topic", t), label("partition", std::to_string(p.partition))}),
                 f.value(p));
      }
    }
  }
  if (broker.metrics == nullptr) return;
  const auto traffic = broker.metrics->topic_traffic();
  struct Family {
    const char* name;
    const char* help;
    uint64_t BrokerMetrics::TopicCounters::*field;
  };
  for (const Family& f : {
           Family{"kafka_do_topic_bytes_in_total", "Bytes produced to a topic (record batches).",
                  &BrokerMetrics::TopicCounters::bytes_in},
           Family{"kafka_do_topic_records_in_total", "Records produced to a topic.",
                  &BrokerMetrics::TopicCounters::records_in},
           Family{"kafka_do_topic_bytes_out_total", "Bytes fetched from a topic by consumers.",
                  &BrokerMetrics::TopicCounters::bytes_out},
           Family{"kafka_do_topic_records_out_total",
                  "Records fetched from a topic (whole batches, as sent).",
                  &BrokerMetrics::TopicCounters::records_out},
       }) {
    x.family(f.name, "counter", f.help);
    for (const auto& t : traffic) {
      if (topics.count(t.topic) != 0) x.sample(f.name, label("topic", t.topic), t.*f.field);
    }
  }
}

void group_families(Exposition& x, const Broker& broker) {
  if (broker.groups == nullptr) return;
  struct GroupState {
    std::string id;
    size_t members;
    std::vector<PartitionLag> lags;
  };
  std::vector<GroupState> groups;
  for (const auto& listed : broker.groups->list_groups()) {
    const auto description = broker.groups->describe_group(listed.group_id);
    groups.push_back(
        {listed.group_id, description.members.size(), group_lag(broker, listed.group_id)});
  }
  x.family("kafka_consumergroup_members", "gauge", "Members of a consumer group.");
  for (const auto& g : groups) {
    x.sample("kafka_consumergroup_members", label("consumergroup", g.id), uint64_t(g.members));
  }
  x.family("kafka_consumergroup_current_offset", "gauge",
           "Committed offset of a group on a partition.");
  for (const auto& g : groups) {
    for (const auto& l : g.lags) {
      x.sample("kafka_consumergroup_current_offset",
               labels({label("consumergroup", g.id), label("topic", l.topic),
                       label("partition", std::to_string(l.partition))}),
               l.committed);
    }
  }
  x.family("kafka_consumergroup_lag", "gauge",
           "High watermark minus the group's committed offset, per partition.");
  for (const auto& g : groups) {
    for (const auto& l : g.lags) {
      x.sample("kafka_consumergroup_lag",
               labels({label("consumergroup", g.id), label("topic", l.topic),
                       label("partition", std::to_string(l.partition))}),
               l.lag);
    }
  }
  // Untyped, not gauges as kafka_exporter declares them: Prometheus' lint (promtool check
  // metrics) reserves the _sum suffix for histograms and summaries except on untyped metrics, and
  // queries treat the two alike.
  struct TopicSum {
    std::string labels;
    int64_t committed = 0, lag = 0;
  };
  std::vector<TopicSum> sums;
  for (const auto& g : groups) {
    std::map<std::string, TopicSum> by_topic;
    for (const auto& l : g.lags) {
      TopicSum& sum = by_topic[l.topic];
      sum.committed += l.committed;
      sum.lag += l.lag;
    }
    for (auto& [topic, sum] : by_topic) {
      sum.labels = labels({label("consumergroup", g.id), label("topic", topic)});
      sums.push_back(std::move(sum));
    }
  }
  x.family("kafka_consumergroup_current_offset_sum", "untyped",
           "Sum of a group's committed offsets over a topic's partitions.");
  for (const auto& sum : sums) {
    x.sample("kafka_consumergroup_current_offset_sum", sum.labels, sum.committed);
  }
  x.family("kafka_consumergroup_lag_sum", "untyped", "Lag of a group summed over a topic.");
  for (const auto& sum : sums) x.sample("kafka_consumergroup_lag_sum", sum.labels, sum.lag);
  x.family("kafka_do_group_rebalances_total", "counter",
           "Rebalances completed (all groups) since the broker started.");
  x.sample("kafka_do_group_rebalances_total", "", broker.groups->rebalances());
}

void maintenance_families(Exposition& x, const Broker& broker) {
  const auto cleaner = broker.logs.cleaner_stats();
  x.family("kafka_do_cleaner_passes_total", "counter", "Partitions the log cleaner compacted.");
  x.sample("kafka_do_cleaner_passes_total", "", cleaner.passes);
  x.family("kafka_do_cleaner_bytes_read_total", "counter", "Bytes the log cleaner read.");
  x.sample("kafka_do_cleaner_bytes_read_total", "", cleaner.bytes_read);
  x.family("kafka_do_cleaner_bytes_written_total", "counter", "Bytes the log cleaner wrote.");
  x.sample("kafka_do_cleaner_bytes_written_total", "", cleaner.bytes_written);
  x.family("kafka_do_cleaner_records_removed_total", "counter",
           "Records compaction removed (superseded values and expired tombstones).");
  x.sample("kafka_do_cleaner_records_removed_total", "", cleaner.records_removed);
  x.family("kafka_do_cleaner_errors_total", "counter", "Cleaner passes that failed.");
  x.sample("kafka_do_cleaner_errors_total", "", cleaner.errors);
  x.family("kafka_do_retention_segments_deleted_total", "counter",
           "Segments deleted by time or size retention.");
  x.sample("kafka_do_retention_segments_deleted_total", "",
           broker.logs.retention_segments_deleted());
}

}  // namespace

std::string render_prometheus(const Broker& broker) {
  Exposition x;
  broker_families(x, broker);
  if (broker.metrics != nullptr) request_families(x, *broker.metrics);
  topic_families(x, broker);
  group_families(x, broker);
  maintenance_families(x, broker);
  return x.take();
}

}  // namespace kafka_do::broker
