// SyncGroup (key 14): the leader hands out assignments; followers wait for theirs.
#include "protocol/gen/sync_group.hpp"

#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {
namespace {

void handle_sync_group(const RequestContext& ctx, Respond respond) {
  protocol::SyncGroupRequest request;
  if (!decode_request(ctx, request)) return respond(malformed(ctx));
  const int16_t version = ctx.version();
  if (ctx.broker.groups == nullptr) {
    protocol::SyncGroupResponse response;
    response.error_code = kNoCoordinator;
    return respond(encode_response(ctx, response));
  }
  if (!may_group(ctx, security::AclOperation::read, request.group_id)) {
    protocol::SyncGroupResponse response;
    response.error_code = model::to_wire(model::ErrorCode::group_authorization_failed);
    return respond(encode_response(ctx, response));
  }
  coordinator::SyncRequest sync;
  sync.group_id = std::move(request.group_id);
  sync.generation_id = request.generation_id;
  sync.member_id = std::move(request.member_id);
  sync.group_instance_id = std::move(request.group_instance_id);
  for (auto& a : request.assignments) {
    sync.assignments.push_back({std::move(a.member_id), std::move(a.assignment)});
  }
  ctx.broker.groups->sync_group(std::move(sync),
                                [version, respond](coordinator::SyncResponse synced) {
                                  protocol::SyncGroupResponse response;
                                  response.error_code = model::to_wire(synced.error);
                                  response.assignment = std::move(synced.assignment);
                                  respond(encode_reply(response, version));
                                });
}

}  // namespace

// Min 0 for librdkafka 2.0.2's feature check; v4 is flexible, v5 adds protocol type/name.
const Handler kSyncGroupHandler{protocol::ApiKey::sync_group, 0, 3, &handle_sync_group};

}  // namespace kafka_do::broker::handlers
