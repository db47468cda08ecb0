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
  for (const auto& topic : request.topics) {
    for (const auto& p : topic.partitions) {
      commit.offsets.push_back({.topic = topic.name,
                                .partition = p.partition_index,
                                .offset = p.committed_offset,
                                .leader_epoch = p.committed_leader_epoch,
                                .metadata = p.committed_metadata});
    }
  }
  std::vector<coordinator::PartitionResult> results;
  if (ctx.broker.groups != nullptr) results = ctx.broker.groups->commit_offsets(commit);

  // The coordinator answers one entry per request entry, in order.
  protocol::OffsetCommitResponse response;
  size_t i = 0;
  for (const auto& topic : request.topics) {
    protocol::OffsetCommitResponse::OffsetCommitResponseTopic out;
    out.name = topic.name;
    for (const auto& p : topic.partitions) {
      const int16_t error = i < results.size() ? model::to_wire(results[i].error) : kNoCoordinator;
      ++i;
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
