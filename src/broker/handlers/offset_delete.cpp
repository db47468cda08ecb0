// OffsetDelete (key 47): drop a group's committed offsets for some partitions (refused for
// partitions the group is subscribed to while it has members).
#include "protocol/gen/offset_delete.hpp"

#include <map>

#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {
namespace {

using protocol::OffsetDeleteResponse;

void handle_offset_delete(const RequestContext& ctx, Respond respond) {
  protocol::OffsetDeleteRequest request;
  if (!decode_request(ctx, request)) return respond(malformed(ctx));
  OffsetDeleteResponse response;
  if (ctx.broker.groups == nullptr) {
    response.error_code = kNoCoordinator;
    return respond(encode_response(ctx, response));
  }
  if (!may_group(ctx, security::AclOperation::remove, request.group_id)) {
    response.error_code = model::to_wire(model::ErrorCode::group_authorization_failed);
    return respond(encode_response(ctx, response));
  }
  std::vector<coordinator::TopicPartition> partitions;
  for (const auto& topic : request.topics) {
    for (const auto& p : topic.partitions) partitions.push_back({topic.name, p.partition_index});
  }
  coordinator::OffsetDeleteResult result =
      ctx.broker.groups->delete_offsets(request.group_id, partitions);
  response.error_code = model::to_wire(result.error);
  // Answer in the request's topic order, one entry per topic.
  std::map<std::string, size_t> topic_index;
  for (const auto& p : result.partitions) {
    auto [it, added] = topic_index.try_emplace(p.topic, response.topics.size());
    if (added) response.topics.push_back({.name = p.topic, .partitions = {}});
    response.topics[it->second].partitions.push_back(
        {.partition_index = p.partition, .error_code = model::to_wire(p.error)});
  }
  respond(encode_response(ctx, response));
}

}  // namespace

const Handler kOffsetDeleteHandler{protocol::ApiKey::offset_delete, 0, 0, &handle_offset_delete};

}  // namespace kafka_do::broker::handlers
