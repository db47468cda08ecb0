// DescribeGroups (key 15): state, protocol and members of each named group.
#include "protocol/gen/describe_groups.hpp"

#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {
namespace {

using protocol::DescribeGroupsResponse;

void handle_describe_groups(const RequestContext& ctx, Respond respond) {
  protocol::DescribeGroupsRequest request;
  if (!decode_request(ctx, request)) return respond(malformed(ctx));
  DescribeGroupsResponse response;
  for (const std::string& group_id : request.groups) {
    DescribeGroupsResponse::DescribedGroup out;
    out.group_id = group_id;
    if (ctx.broker.groups == nullptr) {
      out.error_code = kNoCoordinator;
      response.groups.push_back(std::move(out));
      continue;
    }
    if (!may_group(ctx, security::AclOperation::describe, group_id)) {
      out.error_code = model::to_wire(model::ErrorCode::group_authorization_failed);
      response.groups.push_back(std::move(out));
      continue;
    }
    coordinator::GroupDescription group = ctx.broker.groups->describe_group(group_id);
    out.error_code = model::to_wire(group.error);
    out.group_state = std::move(group.state);
    out.protocol_type = std::move(group.protocol_type);
    out.protocol_data = std::move(group.protocol);
    for (auto& member : group.members) {
      out.members.push_back({.member_id = std::move(member.member_id),
                             .group_instance_id = std::move(member.group_instance_id),
                             .client_id = std::move(member.client_id),
                             .client_host = std::move(member.client_host),
                             .member_metadata = std::move(member.metadata),
                             .member_assignment = std::move(member.assignment)});
    }
    response.groups.push_back(std::move(out));
  }
  respond(encode_response(ctx, response));
}

}  // namespace

// librdkafka's legacy list_groups() sends v0; v4 adds group instance ids; v5 is flexible.
const Handler kDescribeGroupsHandler{protocol::ApiKey::describe_groups, 0, 4,
                                     &handle_describe_groups};

}  // namespace kafka_do::broker::handlers
