// GET /api/groups, GET /api/groups/G, POST /api/groups/G/reset.
#include <set>

#include "broker/console/api.hpp"
#include "broker/metrics/group_lag.hpp"
#include "coordinator/consumer_protocol.hpp"

namespace kafka_do::broker::console {
namespace {

json lag_json(const std::vector<PartitionLag>& lags) {
  json out = json::array();
  for (const auto& l : lags) {
    out.push_back({{"topic", l.topic},
                   {"partition", l.partition},
                   {"committed", l.committed},
                   {"end", l.end},
                   {"lag", l.lag}});
  }
  return out;
}

// The consumer protocol's assignment bytes as {"topic": [partitions]}; null when they are not
// a consumer assignment (another protocol type) or empty.
json assignment_json(const std::string& bytes) {
  const auto assigned = coordinator::decode_assignment(bytes);
  if (!assigned) return nullptr;
  json out = json::array();
  for (const auto& tp : *assigned) {  // grouped by topic, in the order the leader wrote them
    if (out.empty() || out.back()["topic"] != tp.topic) {
      out.push_back({{"topic", tp.topic}, {"partitions", json::array()}});
    }
    out.back()["partitions"].push_back(tp.partition);
  }
  return out;
}

HttpResponse no_coordinator() {
  return error_response(503, "COORDINATOR_NOT_AVAILABLE", "this broker runs without groups");
}

}  // namespace

json groups_json(const Broker& broker) {
  json groups = json::array();
  if (broker.groups == nullptr) return groups;
  for (const auto& listed : broker.groups->list_groups()) {
    const auto description = broker.groups->describe_group(listed.group_id);
    const auto lags = group_lag(broker, listed.group_id);
    groups.push_back({{"id", listed.group_id},
                      {"state", description.state},
                      {"protocol_type", listed.protocol_type},
                      {"members", description.members.size()},
                      {"lag", total_lag(lags)},
                      {"partitions", lags.size()}});
  }
  return groups;
}

HttpResponse list_groups(const Broker& broker) {
  return json_response(200, json{{"groups", groups_json(broker)}});
}

HttpResponse describe_group(const Broker& broker, const std::string& group) {
  if (broker.groups == nullptr) return no_coordinator();
  const auto description = broker.groups->describe_group(group);
  const auto lags = group_lag(broker, group);
  if (description.state == "Dead" && lags.empty()) {
    return error_response(404, "GROUP_ID_NOT_FOUND", "no group " + group);
  }
  json members = json::array();
  for (const auto& m : description.members) {
    members.push_back(
        {{"member_id", m.member_id},
         {"instance_id", m.group_instance_id ? json(*m.group_instance_id) : json()},
         {"client_id", m.client_id},
         {"client_host", m.client_host},
         {"assignment",
          description.protocol_type == "consumer" ? assignment_json(m.assignment) : json()}});
  }
  return json_response(200, json{{"id", group},
                                 {"state", description.state},
                                 {"protocol_type", description.protocol_type},
                                 {"protocol", description.protocol},
                                 {"members", std::move(members)},
                                 {"offsets", lag_json(lags)},
                                 {"lag", total_lag(lags)}});
}

// Body: {"to": "earliest" | "latest" | "timestamp" | "offset", "timestamp": ms, "offset": n,
// "topic": only this topic (else every topic the group has committed to), "dry_run": bool}.
// Like kafka-consumer-groups --reset-offsets, only for a group without active members.
HttpResponse reset_group_offsets(Broker& broker, const std::string& group,
                                 const HttpRequest& request) {
  if (broker.groups == nullptr) return no_coordinator();
  HttpResponse error;
  auto body = parse_body(request, error);
  if (!body) return error;
  const std::string to = body->value("to", "");
  if (to != "earliest" && to != "latest" && to != "timestamp" && to != "offset") {
    return error_response(400, "INVALID_REQUEST",
                          "\"to\" must be earliest, latest, timestamp or offset");
  }
  const int64_t timestamp = body->value("timestamp", int64_t(-1));
  const int64_t offset = body->value("offset", int64_t(-1));
  if ((to == "timestamp" && timestamp < 0) || (to == "offset" && offset < 0)) {
    return error_response(400, "INVALID_REQUEST", "give a \"" + to + "\" >= 0");
  }
  const std::string only_topic = body->value("topic", "");
  const bool dry_run = body->value("dry_run", false);

  const auto description = broker.groups->describe_group(group);
  if (!description.members.empty()) {
    return error_response(409, "NON_EMPTY_GROUP",
                          "group " + group + " has " + std::to_string(description.members.size()) +
                              " active member(s); stop them before resetting its offsets");
  }
  std::set<std::pair<std::string, int32_t>> targets;
  std::map<std::pair<std::string, int32_t>, int64_t> current;
  for (const auto& l : group_lag(broker, group)) {
    if (!only_topic.empty() && l.topic != only_topic) continue;
    targets.insert({l.topic, l.partition});
    current[{l.topic, l.partition}] = l.committed;
  }
  if (!only_topic.empty()) {
    auto described = broker.logs.describe_topic(only_topic);
    if (!described) return engine_error(described.error());
    for (int32_t p = 0; p < described->partitions; ++p) targets.insert({only_topic, p});
  }
  if (targets.empty()) {
    return error_response(400, "INVALID_REQUEST",
                          "group " + group + " has no committed offsets; name a \"topic\"");
  }
  coordinator::OffsetCommitRequest commit;
  commit.group_id = group;
  json plan = json::array();
  for (const auto& [topic, partition] : targets) {
    auto log = broker.logs.partition(topic, partition);
    if (!log) return engine_error(log.error());
    const int64_t start = (*log)->log_start_offset(), end = (*log)->high_watermark();
    int64_t target = to == "earliest" ? start : end;
    if (to == "offset") target = std::clamp(offset, start, end);
    if (to == "timestamp") {
      auto found = (*log)->offset_for_timestamp(timestamp);
      if (!found) return engine_error(found.error());
      target = found->value_or(end);
    }
    const auto was = current.find({topic, partition});
    plan.push_back({{"topic", topic},
                    {"partition", partition},
                    {"from", was == current.end() ? json() : json(was->second)},
                    {"to", target}});
    commit.offsets.push_back({topic, partition, target, -1, std::nullopt});
  }
  if (!dry_run) {
    for (const auto& result : broker.groups->commit_offsets(commit)) {
      if (result.error != model::ErrorCode::none) {
        return error_response(
            409, model::error_name(result.error),
            "committing " + result.topic + "-" + std::to_string(result.partition) + " failed");
      }
    }
  }
  return json_response(200, json{{"group", group}, {"dry_run", dry_run}, {"changes", plan}});
}

}  // namespace kafka_do::broker::console
