// kd_admin_*: kafka::Admin, with JSON options in and JSON results out.
#include <nlohmann/json.hpp>

#include "capi/capi.hpp"
#include "capi/options.hpp"

using namespace kafka_do::capi;
using nlohmann::json;

namespace {

kafka::Admin admin_of(kd_client* client) { return need(client, "client").client->admin(); }

json retention_of(const kafka::TopicInfo& t) {
  return t.retention ? json(t.retention->count_ms()) : json(nullptr);
}

json topic_json(const kafka::TopicInfo& t) {
  json out{{"name", t.name},
           {"partitions", t.partitions},
           {"retention_ms", retention_of(t)},
           {"config", t.config},
           {"overrides", t.overrides}};
  if (!t.partition_info.empty()) {
    json parts = json::array();
    for (const auto& p : t.partition_info)
      parts.push_back({{"partition", p.partition},
                       {"log_start_offset", p.log_start_offset},
                       {"high_watermark", p.high_watermark},
                       {"last_stable_offset", p.last_stable_offset},
                       {"size_bytes", p.size_bytes}});
    out["partition_info"] = parts;
  }
  return out;
}

json group_json(const kafka::GroupDescription& g) {
  json members = json::array();
  for (const auto& m : g.members) {
    json assignment = json::array();
    for (const auto& tp : m.assignment)
      assignment.push_back({{"topic", tp.topic}, {"partition", tp.partition}});
    members.push_back(
        {{"id", m.id}, {"client_id", m.client_id}, {"host", m.host}, {"assignment", assignment}});
  }
  json partitions = json::array();
  for (const auto& p : g.partitions)
    partitions.push_back({{"topic", p.topic},
                          {"partition", p.partition},
                          {"committed", p.committed},
                          {"end_offset", p.end_offset},
                          {"lag", p.lag}});
  return {{"id", g.id},
          {"state", g.state},
          {"members", members},
          {"partitions", partitions},
          {"total_lag", g.total_lag}};
}

void give(char** out, const json& result) { *out = hand_over(result.dump()); }

}  // namespace

extern "C" {

kd_error* kd_admin_create_topic(kd_client* client, const char* name, const char* options_json) {
  return guard(
      [&] { admin_of(client).create_topic(text(name, "name"), topic_options(options_json)); });
}

kd_error* kd_admin_list_topics(kd_client* client, char** json_out) {
  return guard([&] {
    need(json_out, "json_out");
    *json_out = nullptr;
    json out = json::array();
    for (const auto& t : admin_of(client).list_topics()) out.push_back(topic_json(t));
    give(json_out, out);
  });
}

kd_error* kd_admin_describe_topic(kd_client* client, const char* name, char** json_out) {
  return guard([&] {
    need(json_out, "json_out");
    *json_out = nullptr;
    give(json_out, topic_json(admin_of(client).describe_topic(text(name, "name"))));
  });
}

kd_error* kd_admin_alter_topic(kd_client* client, const char* name, const char* changes_json) {
  return guard(
      [&] { admin_of(client).alter_topic(text(name, "name"), topic_alteration(changes_json)); });
}

kd_error* kd_admin_increase_partitions_to(kd_client* client, const char* name, int total) {
  return guard([&] { admin_of(client).increase_partitions_to(text(name, "name"), total); });
}

kd_error* kd_admin_delete_topic(kd_client* client, const char* name) {
  return guard([&] { admin_of(client).delete_topic(text(name, "name")); });
}

kd_error* kd_admin_list_groups(kd_client* client, char** json_out) {
  return guard([&] {
    need(json_out, "json_out");
    *json_out = nullptr;
    json out = json::array();
    for (const auto& g : admin_of(client).list_groups())
      out.push_back({{"id", g.id}, {"member_count", g.member_count}, {"state", g.state}});
    give(json_out, out);
  });
}

kd_error* kd_admin_describe_group(kd_client* client, const char* group, char** json_out) {
  return guard([&] {
    need(json_out, "json_out");
    *json_out = nullptr;
    give(json_out, group_json(admin_of(client).describe_group(text(group, "group"))));
  });
}

kd_error* kd_admin_reset_offsets(kd_client* client, const char* group, const char* topic,
                                 const char* to_json, char** json_out) {
  return guard([&] {
    need(json_out, "json_out");
    *json_out = nullptr;
    auto [to, dry_run] = offset_reset(to_json);
    json out = json::array();
    for (const auto& c :
         admin_of(client).reset_offsets(text(group, "group"), text(topic, "topic"), to, dry_run))
      out.push_back(
          {{"topic", c.topic}, {"partition", c.partition}, {"from", c.from}, {"to", c.to}});
    give(json_out, out);
  });
}

kd_error* kd_admin_delete_group(kd_client* client, const char* group) {
  return guard([&] { admin_of(client).delete_group(text(group, "group")); });
}

}  // extern "C"
