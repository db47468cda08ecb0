// OffsetCommit (key 8): store a group's consumed positions.
#include "protocol/gen/offset_commit.hpp"

#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {
namespace {

void handle_offset_commit(const RequestContext& ctx, Respond respond) {
  protocol::OffsetCommitRequest request;
  if (!decode_request(ctx, request)) return respond(malformed(ctx));
  coordinator::OffsetCommitRequest commit;
  commit.group_id = request.group_id;
  commit.generation_id = request.generation_id_or_member_epoch;
  commit.member_id = request.member_id;
  commit.group_instance_id = request.group_instance_id;
  // READ on the group, and READ on each topic: partitions refused are not committed.
  const bool group_allowed = may_group(ctx, security::AclOperation::read, request.group_id);
  std::vector<bool> topic_allowed;
  for (const auto& topic : request.topics) {
    topic_allowed.push_back(group_allowed &&
                            may_topic(ctx, security::AclOperation::read, topic.name));
    if (!topic_allowed.back()) continue;
    for (const auto& p : topic.partitions) {
      commit.offsets.push_back({.topic = topic.name,
                                .partition = p.partition_index,
                                .offset = p.committed_offset,
                                .leader_epoch = p.committed_leader_epoch,
                                .metadata = p.committed_metadata});
    }
  }
  std::vector<coordinator::PartitionResult> results;
  if (ctx.broker.groups != nullptr && !commit.offsets.empty()) {
    results = ctx.broker.groups->commit_offsets(commit);
  }

  // The coordinator answers one entry per request entry, in order.
  protocol::OffsetCommitResponse response;
  size_t i = 0;
  for (size_t t = 0; t < request.topics.size(); ++t) {
    const auto& topic = request.topics[t];
    protocol::OffsetCommitResponse::OffsetCommitResponseTopic out;
    out.name = topic.name;
    for (const auto& p : topic.partitions) {
      int16_t error = 0;
      if (!group_allowed) {
        error = model::to_wire(model::ErrorCode::group_authorization_failed);
      } else if (!topic_allowed[t]) {
        error = model::to_wire(model::ErrorCode::topic_authorization_failed);
      } else {
        error = i < results.size() ? model::to_wire(results[i].error) : kNoCoordinator;
        ++i;
      }
      out.partitions.push_back({.partition_index = p.partition_index, .error_code = error});
    }
    response.topics.push_back(std::move(out));
  }
  respond(encode_response(ctx, response));
}

}  // namespace

// v0-1 store offsets with other semantics (ZooKeeper, explicit commit timestamps) and are not
// implemented; librdkafka's feature check needs an overlap with 1-2. v8 is flexible.
const Handler kOffsetCommitHandler{protocol::ApiKey::offset_commit, 2, 7, &handle_offset_commit};

}  // namespace kafka_do::broker::handlers
