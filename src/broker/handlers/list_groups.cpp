// ListGroups (key 16): every group the coordinator knows, optionally filtered by state (v4).
#include "protocol/gen/list_groups.hpp"

#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {
namespace {

// Kafka matches state filters case-insensitively ("stable" finds "Stable").
bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

void handle_list_groups(const RequestContext& ctx, Respond respond) {
  protocol::ListGroupsRequest request;
  if (!decode_request(ctx, request)) return respond(malformed(ctx));
  protocol::ListGroupsResponse response;
  if (ctx.broker.groups == nullptr) {
    response.error_code = kNoCoordinator;
    return respond(encode_response(ctx, response));
  }
  // Describe on the cluster lists every group; otherwise the groups the key may describe.
  const bool all = may_cluster(ctx, security::AclOperation::describe);
  for (const auto& group : ctx.broker.groups->list_groups()) {
    if (!all && !may_group(ctx, security::AclOperation::describe, group.group_id)) continue;
    const std::string state = coordinator::group_state_name(group.state);
    if (!request.states_filter.empty()) {
      bool wanted = false;
      for (const auto& filter : request.states_filter) wanted = wanted || same_name(filter, state);
      if (!wanted) continue;
    }
    response.groups.push_back({.group_id = group.group_id,
                               .protocol_type = group.protocol_type,
                               .group_state = state,
                               .group_type = {}});
  }
  respond(encode_response(ctx, response));
}

}  // namespace

// librdkafka's legacy list_groups() sends v0 (tests/compat covers it); v3 is flexible, v4 filters
// by state, v5 (group types, KIP-848) is not implemented.
const Handler kListGroupsHandler{protocol::ApiKey::list_groups, 0, 4, &handle_list_groups};

}  // namespace kafka_do::broker::handlers
