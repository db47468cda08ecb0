// DeleteGroups (key 42): delete empty groups and their committed offsets.
#include "protocol/gen/delete_groups.hpp"

#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {
namespace {

void handle_delete_groups(const RequestContext& ctx, Respond respond) {
  protocol::DeleteGroupsRequest request;
  if (!decode_request(ctx, request)) return respond(malformed(ctx));
  protocol::DeleteGroupsResponse response;
  if (ctx.broker.groups == nullptr) {
    for (const auto& id : request.groups_names) {
      response.results.push_back({.group_id = id, .error_code = kNoCoordinator});
    }
    return respond(encode_response(ctx, response));
  }
  for (const auto& result : ctx.broker.groups->delete_groups(request.groups_names)) {
    response.results.push_back(
        {.group_id = result.group_id, .error_code = model::to_wire(result.error)});
  }
  respond(encode_response(ctx, response));
}

}  // namespace

// v2 is flexible.
const Handler kDeleteGroupsHandler{protocol::ApiKey::delete_groups, 0, 1, &handle_delete_groups};

}  // namespace kafka_do::broker::handlers
