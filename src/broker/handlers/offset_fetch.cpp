// OffsetFetch (key 9): a group's committed positions.
#include "protocol/gen/offset_fetch.hpp"

#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {
namespace {

void handle_offset_fetch(const RequestContext& ctx, Respond respond) {
  protocol::OffsetFetchRequest request;
  if (!decode_request(ctx, request)) return respond(malformed(ctx));
  protocol::OffsetFetchResponse response;
  if (ctx.broker.groups == nullptr) {
    response.error_code = kNoCoordinator;
    return respond(encode_response(ctx, response));
  }
  if (!may_group(ctx, security::AclOperation::describe, request.group_id)) {
    response.error_code = model::to_wire(model::ErrorCode::group_authorization_failed);
    return respond(encode_response(ctx, response));
  }
  // Null topics (v2+) = every partition the group has committed.
  std::optional<std::vector<coordinator::TopicPartition>> wanted;
  if (request.topics) {
    wanted.emplace();
    for (const auto& topic : *request.topics) {
      for (int32_t p : topic.partition_indexes) wanted->push_back({topic.name, p});
    }
  }
  coordinator::OffsetFetchResult fetched =
      ctx.broker.groups->fetch_offsets(request.group_id, wanted, request.require_stable);
  response.error_code = model::to_wire(fetched.error);
  for (auto& entry : fetched.partitions) {
    if (!may_topic(ctx, security::AclOperation::describe, entry.topic)) {
      if (!request.topics) continue;  // all of the group's: only those the key may see
      entry.offset = -1;
      entry.metadata.reset();
      entry.error = model::ErrorCode::topic_authorization_failed;
    }
    if (response.topics.empty() || response.topics.back().name != entry.topic) {
      response.topics.push_back({.name = entry.topic, .partitions = {}});
    }
    response.topics.back().partitions.push_back({.partition_index = entry.partition,
                                                 .committed_offset = entry.offset,
                                                 .committed_leader_epoch = entry.leader_epoch,
                                                 .metadata = entry.metadata.value_or(""),
                                                 .error_code = model::to_wire(entry.error)});
  }
  respond(encode_response(ctx, response));
}

}  // namespace

// v1 is the first reading Kafka-stored offsets (librdkafka's feature check needs it); v6-7 are
// flexible (librdkafka 2.0.2 sends 7); v8 batches groups and is not implemented.
const Handler kOffsetFetchHandler{protocol::ApiKey::offset_fetch, 1, 7, &handle_offset_fetch};

}  // namespace kafka_do::broker::handlers
