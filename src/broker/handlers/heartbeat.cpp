// Heartbeat (key 12): keeps a member's session alive; REBALANCE_IN_PROGRESS asks it to rejoin.
#include "protocol/gen/heartbeat.hpp"

#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {
namespace {

void handle_heartbeat(const RequestContext& ctx, Respond respond) {
  protocol::HeartbeatRequest request;
  if (!decode_request(ctx, request)) return respond(malformed(ctx));
  protocol::HeartbeatResponse response;
  if (ctx.broker.groups == nullptr) {
    response.error_code = kNoCoordinator;
  } else if (!may_group(ctx, security::AclOperation::read, request.group_id)) {
    response.error_code = model::to_wire(model::ErrorCode::group_authorization_failed);
  } else {
    response.error_code = model::to_wire(
        ctx.broker.groups->heartbeat({.group_id = std::move(request.group_id),
                                      .generation_id = request.generation_id,
                                      .member_id = std::move(request.member_id),
                                      .group_instance_id = std::move(request.group_instance_id)}));
  }
  respond(encode_response(ctx, response));
}

}  // namespace

// Min 0 for librdkafka 2.0.2's feature check; v4 is flexible.
const Handler kHeartbeatHandler{protocol::ApiKey::heartbeat, 0, 3, &handle_heartbeat};

}  // namespace kafka_do::broker::handlers
