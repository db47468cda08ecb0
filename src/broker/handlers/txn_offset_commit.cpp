// TxnOffsetCommit (key 28): a transactional producer commits a consumer group's offsets inside
// its transaction; they count only once EndTxn commits it.
#include "protocol/gen/txn_offset_commit.hpp"

#include <set>

#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {
namespace {

using protocol::TxnOffsetCommitResponse;

void handle_txn_offset_commit(const RequestContext& ctx, Respond respond) {
  auto request = std::make_shared<protocol::TxnOffsetCommitRequest>();
  if (!decode_request(ctx, *request)) return respond(malformed(ctx));
  // WRITE on the transactional id and READ on the group, or nothing is committed; READ on each
  // topic, or its partitions are left out.
  const model::ErrorCode refused =
      transactional_group_refusal(ctx, request->transactional_id, request->group_id);
  std::set<std::string> denied;
  for (const auto& topic : request->topics) {
    if (!may_topic(ctx, security::AclOperation::read, topic.name)) denied.insert(topic.name);
  }
  ctx.waiter.run_blocking([&broker = ctx.broker, request, version = ctx.version(), refused,
                           denied = std::move(denied), respond = std::move(respond)]() mutable {
    coordinator::OffsetCommitRequest commit;
    commit.group_id = request->group_id;
    commit.generation_id = request->generation_id;
    commit.member_id = request->member_id;
    commit.group_instance_id = request->group_instance_id;
    for (const auto& topic : request->topics) {
      if (denied.contains(topic.name)) continue;
      for (const auto& p : topic.partitions) {
        commit.offsets.push_back({.topic = topic.name,
                                  .partition = p.partition_index,
                                  .offset = p.committed_offset,
                                  .leader_epoch = p.committed_leader_epoch,
                                  .metadata = p.committed_metadata});
      }
    }
    std::vector<coordinator::PartitionResult> results;
    model::ErrorCode all = model::ErrorCode::coordinator_not_available;
    if (refused != model::ErrorCode::none) {
      all = refused;
    } else if (broker.transactions != nullptr && broker.groups != nullptr) {
      const coordinator::TransactionalCommit producer{request->producer_id,
                                                      request->producer_epoch};
      all = broker.transactions->commit_offsets(
          request->transactional_id, request->producer_id, request->producer_epoch,
          [&] { results = broker.groups->commit_offsets(commit, &producer); });
    }
    TxnOffsetCommitResponse response;
    size_t i = 0;
    for (const auto& topic : request->topics) {
      TxnOffsetCommitResponse::TxnOffsetCommitResponseTopic out;
      out.name = topic.name;
      const bool topic_denied = denied.contains(topic.name);
      for (const auto& p : topic.partitions) {
        model::ErrorCode code = all;
        if (code == model::ErrorCode::none && topic_denied) {
          code = model::ErrorCode::topic_authorization_failed;
        } else if (code == model::ErrorCode::none) {
          code =
              i < results.size() ? results[i].error : model::ErrorCode::coordinator_not_available;
          ++i;
        }
        out.partitions.push_back(
            {.partition_index = p.partition_index, .error_code = txn_error(code, version >= 3)});
      }
      response.topics.push_back(std::move(out));
    }
    respond(encode_reply(response, version));
  });
}

}  // namespace

// v3 is flexible and adds the consumer's generation and member id (KIP-447); v4 (KIP-890) is
// not served.
const Handler kTxnOffsetCommitHandler{protocol::ApiKey::txn_offset_commit, 0, 3,
                                      &handle_txn_offset_commit};

}  // namespace kafka_do::broker::handlers
