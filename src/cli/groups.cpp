// `kafkado groups ...`: list, describe (members, committed offsets, lag), reset-offsets, delete.

#include <cstdio>

#include "cli/commands.hpp"
#include "cli/output.hpp"

namespace kafka_do::cli {
namespace {

std::string offset_text(int64_t offset) { return offset < 0 ? "-" : std::to_string(offset); }

std::string assignment_text(const std::vector<kafka::TopicPartition>& partitions) {
  std::string out;
  for (const auto& tp : partitions) {
    if (!out.empty()) out += ",";
    out += tp.topic + "/" + std::to_string(tp.partition);
  }
  return out.empty() ? "-" : out;
}

kafka::Json to_json(const kafka::GroupDescription& d) {
  kafka::Json members = kafka::Json::array();
  for (const auto& m : d.members) {
    kafka::Json assignment = kafka::Json::array();
    for (const auto& tp : m.assignment)
      assignment.push_back({{"topic", tp.topic}, {"partition", tp.partition}});
    members.push_back({{"member_id", m.id},
                       {"client_id", m.client_id},
                       {"host", m.host},
                       {"assignment", assignment}});
  }
  kafka::Json partitions = kafka::Json::array();
  for (const auto& p : d.partitions) {
    partitions.push_back({{"topic", p.topic},
                          {"partition", p.partition},
                          {"committed", p.committed < 0 ? kafka::Json() : kafka::Json(p.committed)},
                          {"end_offset", p.end_offset},
                          {"lag", p.lag}});
  }
  return {{"group", d.id},
          {"state", d.state},
          {"members", members},
          {"partitions", partitions},
          {"total_lag", d.total_lag}};
}

}  // namespace

void groups_list(const GlobalOptions& global, bool json) {
  const auto groups = connect(global).admin().list_groups();
  if (json) {
    kafka::Json out = kafka::Json::array();
    for (const auto& g : groups)
      out.push_back({{"group", g.id}, {"state", g.state}, {"members", g.member_count}});
    print_json(out);
    return;
  }
  Table table({"GROUP", "STATE", "MEMBERS"});
  for (const auto& g : groups) table.add({g.id, g.state, std::to_string(g.member_count)});
  table.print();
}

void groups_describe(const GlobalOptions& global, const std::string& group, bool json) {
  const auto d = connect(global).admin().describe_group(group);
  if (json) {
    print_json(to_json(d));
    return;
  }
  std::printf("Group: %s\tState: %s\tMembers: %zu\tTotal lag: %lld\n", d.id.c_str(),
              d.state.c_str(), d.members.size(), static_cast<long long>(d.total_lag));
  if (!d.members.empty()) {
    Table members({"MEMBER", "CLIENT-ID", "HOST", "ASSIGNMENT"});
    for (const auto& m : d.members)
      members.add({m.id, m.client_id, m.host, assignment_text(m.assignment)});
    members.print(2);
  }
  Table partitions({"TOPIC", "PARTITION", "COMMITTED", "END-OFFSET", "LAG"});
  for (const auto& p : d.partitions) {
    partitions.add({p.topic, std::to_string(p.partition), offset_text(p.committed),
                    std::to_string(p.end_offset), std::to_string(p.lag)});
  }
  partitions.print(2);
}

void groups_reset_offsets(const GlobalOptions& global, const ResetOffsetsOptions& options) {
  const int targets = int(options.to_earliest) + int(options.to_latest) +
                      int(options.to_datetime.has_value()) + int(options.to_offset.has_value()) +
                      int(options.shift_by.has_value());
  if (targets != 1) {
    throw UsageError(
        "say where to: exactly one of --to-earliest, --to-latest, --to-datetime, --to-offset, "
        "--shift-by");
  }
  const kafka::OffsetReset to =
      options.to_earliest ? kafka::OffsetReset(kafka::Offset::earliest)
      : options.to_latest ? kafka::OffsetReset(kafka::Offset::latest)
      : options.to_datetime
          ? kafka::OffsetReset(kafka::Offset::at(std::chrono::system_clock::time_point(
                std::chrono::milliseconds(parse_time(*options.to_datetime)))))
      : options.to_offset ? kafka::OffsetReset::to_offset(*options.to_offset)
                          : kafka::OffsetReset::shift_by(*options.shift_by);
  const auto plan =
      connect(global).admin().reset_offsets(options.group, options.topic, to, options.dry_run);
  if (options.json) {
    kafka::Json out = kafka::Json::array();
    for (const auto& c : plan) {
      out.push_back({{"topic", c.topic},
                     {"partition", c.partition},
                     {"from", c.from < 0 ? kafka::Json() : kafka::Json(c.from)},
                     {"to", c.to}});
    }
    print_json({{"group", options.group}, {"dry_run", options.dry_run}, {"partitions", out}});
    return;
  }
  Table table({"TOPIC", "PARTITION", "FROM", "TO"});
  for (const auto& c : plan)
    table.add({c.topic, std::to_string(c.partition), offset_text(c.from), std::to_string(c.to)});
  table.print();
  if (global.quiet) return;
  if (options.dry_run) {
    std::printf("Dry run: nothing was committed (drop --dry-run to apply).\n");
  } else {
    std::printf("Reset %zu partition%s of group %s.\n", plan.size(), plan.size() == 1 ? "" : "s",
                options.group.c_str());
  }
}

void groups_delete(const GlobalOptions& global, const std::string& group) {
  connect(global).admin().delete_group(group);
  if (!global.quiet) std::printf("Deleted group %s.\n", group.c_str());
}

}  // namespace kafka_do::cli
