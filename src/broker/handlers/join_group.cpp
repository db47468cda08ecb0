// JoinGroup (key 11): join or rejoin a classic consumer group through the coordinator. The
// answer comes when the rebalance completes, possibly on another thread.
#include "protocol/gen/join_group.hpp"

#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {
namespace {

void handle_join_group(const RequestContext& ctx, Respond respond) {
  protocol::JoinGroupRequest request;
  if (!decode_request(ctx, request)) return respond(malformed(ctx));
  const int16_t version = ctx.version();
  if (ctx.broker.groups == nullptr) {
    protocol::JoinGroupResponse response;
    response.error_code = kNoCoordinator;
    return respond(encode_response(ctx, response));
  }
  if (!may_group(ctx, security::AclOperation::read, request.group_id)) {
    protocol::JoinGroupResponse response;
    response.error_code = model::to_wire(model::ErrorCode::group_authorization_failed);
    return respond(encode_response(ctx, response));
  }
  coordinator::JoinRequest join;
  join.group_id = std::move(request.group_id);
  join.member_id = std::move(request.member_id);
  join.group_instance_id = std::move(request.group_instance_id);
  join.client_id = ctx.header.client_id.value_or("");
  join.session_timeout = std::chrono::milliseconds(request.session_timeout_ms);
  // v0 has no rebalance timeout; Kafka uses the session timeout then.
  join.rebalance_timeout = std::chrono::milliseconds(version >= 1 ? request.rebalance_timeout_ms
                                                                  : request.session_timeout_ms);
  join.protocol_type = std::move(request.protocol_type);
  for (auto& p : request.protocols) {
    join.protocols.push_back({std::move(p.name), std::move(p.metadata)});
  }
  // From v4 a new member first gets MEMBER_ID_REQUIRED and rejoins with the id (KIP-394).
  join.require_known_member_id = version >= 4;
  ctx.broker.groups->join_group(
      std::move(join), [version, respond](coordinator::JoinResponse joined) {
        protocol::JoinGroupResponse response;
        response.error_code = model::to_wire(joined.error);
        response.generation_id = joined.generation_id;
        response.protocol_type = joined.protocol_type;
        response.protocol_name = joined.protocol_name;
        response.leader = std::move(joined.leader_id);
        response.member_id = std::move(joined.member_id);
        for (auto& m : joined.members) {
          response.members.push_back({.member_id = std::move(m.member_id),
                                      .group_instance_id = std::move(m.group_instance_id),
                                      .metadata = std::move(m.metadata)});
        }
        respond(encode_reply(response, version));
      });
}

}  // namespace

// Min 0: librdkafka 2.0.2 disables consumer groups unless v0 is advertised. v6 is flexible.
const Handler kJoinGroupHandler{protocol::ApiKey::join_group, 0, 5, &handle_join_group};

}  // namespace kafka_do::broker::handlers
