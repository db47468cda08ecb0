// LeaveGroup (key 13): members leave without waiting for their session to expire.
#include "protocol/gen/leave_group.hpp"

#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {
namespace {

void handle_leave_group(const RequestContext& ctx, Respond respond) {
  protocol::LeaveGroupRequest request;
  if (!decode_request(ctx, request)) return respond(malformed(ctx));
  protocol::LeaveGroupResponse response;
  if (ctx.broker.groups == nullptr) {
    response.error_code = kNoCoordinator;
    return respond(encode_response(ctx, response));
  }
  if (!may_group(ctx, security::AclOperation::read, request.group_id)) {
    response.error_code = model::to_wire(model::ErrorCode::group_authorization_failed);
    return respond(encode_response(ctx, response));
  }
  // v0-2 name one member; v3 a batch, with an error per member.
  std::vector<coordinator::LeavingMember> leaving;
  if (ctx.version() < 3) {
    leaving.push_back({.member_id = request.member_id, .group_instance_id = std::nullopt});
  } else {
    for (auto& m : request.members) {
      leaving.push_back({.member_id = m.member_id, .group_instance_id = m.group_instance_id});
    }
  }
  coordinator::LeaveResult left = ctx.broker.groups->leave_group(request.group_id, leaving);
  response.error_code = model::to_wire(left.error);
  if (ctx.version() < 3) {
    if (left.error == coordinator::ErrorCode::none && !left.members.empty()) {
      response.error_code = model::to_wire(left.members.front().error);
    }
  } else {
    for (auto& m : left.members) {
      response.members.push_back({.member_id = std::move(m.member_id),
                                  .group_instance_id = std::move(m.group_instance_id),
                                  .error_code = model::to_wire(m.error)});
    }
  }
  respond(encode_response(ctx, response));
}

}  // namespace

// Min 0 for librdkafka 2.0.2's feature check; v4 is flexible.
const Handler kLeaveGroupHandler{protocol::ApiKey::leave_group, 0, 3, &handle_leave_group};

}  // namespace kafka_do::broker::handlers
