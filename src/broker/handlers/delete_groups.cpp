// DeleteGroups (key 42): delete empty groups and their committed offsets.
#include "protocol/gen/delete_groups.hpp"

#include <map>

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
  std::vector<std::string> allowed;
  for (const auto& id : request.groups_names) {
    if (may_group(ctx, security::AclOperation::remove, id)) allowed.push_back(id);
  }
  std::map<std::string, int16_t> errors;
  for (const auto& result : ctx.broker.groups->delete_groups(allowed)) {
    errors[result.group_id] = model::to_wire(result.error);
  }
  for (const auto& id : request.groups_names) {
    auto it = errors.find(id);
    response.results.push_back(
        {.group_id = id,
         .error_code = it != errors.end()
                           ? it->second
                           : model::to_wire(model::ErrorCode::group_authorization_failed)});
  }
  respond(encode_response(ctx, response));
}

}  // namespace

// v2 is flexible.
const Handler kDeleteGroupsHandler{protocol::ApiKey::delete_groups, 0, 1, &handle_delete_groups};

}  // namespace kafka_do::broker::handlers
