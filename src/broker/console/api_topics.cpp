// GET /api/overview, GET|POST /api/topics, GET /api/topics/T, POST /api/topics/T/configs.
#include <map>

#include "broker/console/api.hpp"
#include "broker/handlers/handler.hpp"
#include "broker/metrics/broker_status.hpp"
#include "broker/metrics/group_lag.hpp"

namespace kafka_do::broker::console {
namespace {

json topic_summary(const Broker& broker, const std::string& name,
                   const std::map<std::string, BrokerMetrics::TopicCounters>& traffic) {
  auto description = broker.logs.describe_topic(name);
  if (!description) return nullptr;
  int64_t size = 0, records = 0;
  for (int32_t p = 0; p < description->partitions; ++p) {
    auto log = broker.logs.partition(name, p);
    if (!log) continue;
    size += int64_t((*log)->size_bytes());
    records += (*log)->high_watermark() - (*log)->log_start_offset();
  }
  json out{{"name", name},
           {"partitions", description->partitions},
           {"internal", handlers::is_internal_topic(broker, name)},
           {"size_bytes", size},
           {"records", records},
           {"cleanup_policy", description->config.cleanup_policy}};
  const auto t = traffic.find(name);
  const bool seen = t != traffic.end();
  out["bytes_in"] = seen ? t->second.bytes_in : 0;
  out["records_in"] = seen ? t->second.records_in : 0;
  out["bytes_out"] = seen ? t->second.bytes_out : 0;
  out["records_out"] = seen ? t->second.records_out : 0;
  return out;
}

json topics_json(const Broker& broker) {
  std::map<std::string, BrokerMetrics::TopicCounters> traffic;
  if (broker.metrics != nullptr) {
    for (auto& t : broker.metrics->topic_traffic()) traffic.emplace(t.topic, t);
  }
  json topics = json::array();
  for (const auto& name : broker.logs.topic_names()) {
    json summary = topic_summary(broker, name, traffic);
    if (!summary.is_null()) topics.push_back(std::move(summary));
  }
  return topics;
}

}  // namespace

HttpResponse overview(const Broker& broker) {
  const BrokerStatus s = broker_status(broker);
  json out;
  out["broker"] = {{"version", s.version},
                   {"node_id", broker.config.node_id},
                   {"address", s.address},
                   {"data_dir", s.data_dir},
                   {"uptime_seconds", s.uptime_seconds},
                   {"disk_free_bytes", s.disk_free_bytes},
                   {"disk_total_bytes", s.disk_total_bytes},
                   {"connections", s.open_connections},
                   {"rebalances", broker.groups ? broker.groups->rebalances() : 0},
                   {"auth_required", broker.keys != nullptr}};
  out["topics"] = topics_json(broker);
  out["groups"] = groups_json(broker);
  return json_response(200, out);
}

HttpResponse list_topics(const Broker& broker) {
  return json_response(200, json{{"topics", topics_json(broker)}});
}

HttpResponse create_topic(Broker& broker, const HttpRequest& request) {
  HttpResponse error;
  auto body = parse_body(request, error);
  if (!body) return error;
  const std::string name = body->value("name", "");
  const int partitions = body->value("partitions", broker.config.default_partitions);
  std::map<std::string, std::string> configs;
  if (auto it = body->find("configs"); it != body->end() && it->is_object()) {
    for (const auto& [k, v] : it->items()) {
      configs[k] = v.is_string() ? v.get<std::string>() : v.dump();
    }
  }
  if (partitions < 1) return error_response(400, "INVALID_PARTITIONS", "partitions must be >= 1");
  if (Status created = broker.logs.create_topic(name, partitions, configs); !created) {
    return engine_error(created.error());
  }
  return json_response(201, json{{"name", name}, {"partitions", partitions}});
}

HttpResponse describe_topic(const Broker& broker, const std::string& topic) {
  auto description = broker.logs.describe_topic(topic);
  if (!description) return engine_error(description.error());
  json partitions = json::array();
  for (int32_t p = 0; p < description->partitions; ++p) {
    auto log = broker.logs.partition(topic, p);
    if (!log) continue;
    partitions.push_back({{"partition", p},
                          {"log_start", (*log)->log_start_offset()},
                          {"high_watermark", (*log)->high_watermark()},
                          {"last_stable", (*log)->last_stable_offset()},
                          {"size_bytes", (*log)->size_bytes()},
                          {"segments", (*log)->segment_count()}});
  }
  json configs = json::array();
  for (const auto& key : storage::TopicConfig::keys()) {
    const std::string name(key.name);
    configs.push_back({{"name", name},
                       {"value", description->config.get(name).value_or("")},
                       {"override", description->config.overrides.count(name) != 0},
                       {"type", key.type},
                       {"doc", key.doc}});
  }
  return json_response(200, json{{"name", topic},
                                 {"internal", handlers::is_internal_topic(broker, topic)},
                                 {"partitions", std::move(partitions)},
                                 {"configs", std::move(configs)}});
}

// Body: {"set": {"retention.ms": "3600000"}, "reset": ["cleanup.policy"]}.
HttpResponse alter_topic_configs(Broker& broker, const std::string& topic,
                                 const HttpRequest& request) {
  HttpResponse error;
  auto body = parse_body(request, error);
  if (!body) return error;
  if (handlers::is_internal_topic(broker, topic)) {
    return error_response(400, "INVALID_TOPIC_EXCEPTION", "cannot alter internal topic " + topic);
  }
  std::map<std::string, std::optional<std::string>> changes;
  if (auto it = body->find("set"); it != body->end() && it->is_object()) {
    for (const auto& [k, v] : it->items())
      changes[k] = v.is_string() ? v.get<std::string>() : v.dump();
  }
  if (auto it = body->find("reset"); it != body->end() && it->is_array()) {
    for (const auto& k : *it) {
      if (k.is_string()) changes[k.get<std::string>()] = std::nullopt;
    }
  }
  if (changes.empty()) {
    return error_response(400, "INVALID_REQUEST", "nothing to change: give \"set\" or \"reset\"");
  }
  if (Status altered = broker.logs.alter_topic_config(topic, changes); !altered) {
    return engine_error(altered.error());
  }
  return describe_topic(broker, topic);
}

}  // namespace kafka_do::broker::console
