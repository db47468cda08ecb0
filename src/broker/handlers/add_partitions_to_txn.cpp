// AddPartitionsToTxn (key 24): the partitions a transactional producer is about to write to join
// its transaction, so that EndTxn knows where to write markers.
#include "protocol/gen/add_partitions_to_txn.hpp"

#include <set>

#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {
namespace {

using protocol::AddPartitionsToTxnResponse;

void handle_add_partitions_to_txn(const RequestContext& ctx, Respond respond) {
  auto request = std::make_shared<protocol::AddPartitionsToTxnRequest>();
  if (!decode_request(ctx, *request)) return respond(malformed(ctx));
  const bool txn_allowed = may_transactional_id(ctx, security::AclOperation::write,
                                                request->v3_and_below_transactional_id);
  std::set<std::string> denied;
  for (const auto& topic : request->v3_and_below_topics) {
    if (!may_topic(ctx, security::AclOperation::write, topic.name)) denied.insert(topic.name);
  }
  ctx.waiter.run_blocking([&broker = ctx.broker, request, version = ctx.version(), txn_allowed,
                           denied = std::move(denied), respond = std::move(respond)]() mutable {
    // Kafka's rule: if any partition is unknown, it gets UNKNOWN_TOPIC_OR_PARTITION, the others
    // OPERATION_NOT_ATTEMPTED, and nothing is added.
    std::vector<coordinator::TopicPartition> tps;
    bool any_unknown = false;
    bool any_internal = false;
    for (const auto& topic : request->v3_and_below_topics) {
      any_internal = any_internal || is_internal_topic(broker, topic.name);
      for (int32_t p : topic.partitions) {
        tps.push_back({topic.name, p});
        any_unknown = any_unknown || !broker.logs.partition(topic.name, p);
      }
    }
    model::ErrorCode all = model::ErrorCode::none;
    if (broker.transactions == nullptr) {
      all = model::ErrorCode::coordinator_not_available;
    } else if (!txn_allowed) {
      all = model::ErrorCode::transactional_id_authorization_failed;
    } else if (any_internal) {
      all = model::ErrorCode::topic_authorization_failed;  // clients never write internal topics
    } else if (!any_unknown && denied.empty()) {
      all = broker.transactions->add_partitions(request->v3_and_below_transactional_id,
                                                request->v3_and_below_producer_id,
                                                request->v3_and_below_producer_epoch, tps);
    }
    AddPartitionsToTxnResponse response;
    for (const auto& topic : request->v3_and_below_topics) {
      AddPartitionsToTxnResponse::AddPartitionsToTxnTopicResult out;
      out.name = topic.name;
      for (int32_t p : topic.partitions) {
        model::ErrorCode code = all;
        if (!denied.empty() && all == model::ErrorCode::none) {
          // Like an unknown partition: the refused ones say why, nothing is added.
          code = denied.contains(topic.name) ? model::ErrorCode::topic_authorization_failed
                                             : model::ErrorCode::operation_not_attempted;
        } else if (any_unknown && all == model::ErrorCode::none) {
          code = broker.logs.partition(topic.name, p)
                     ? model::ErrorCode::operation_not_attempted
                     : model::ErrorCode::unknown_topic_or_partition;
        }
        out.results_by_partition.push_back(
            {.partition_index = p, .partition_error_code = txn_error(code, version >= 2)});
      }
      response.results_by_topic_v3_and_below.push_back(std::move(out));
    }
    respond(encode_reply(response, version));
  });
}

}  // namespace

// v0-3 are what clients send (v3 flexible); v4+ batch several transactions for brokers (KIP-890)
// and are not served.
const Handler kAddPartitionsToTxnHandler{protocol::ApiKey::add_partitions_to_txn, 0, 3,
                                         &handle_add_partitions_to_txn};

}  // namespace kafka_do::broker::handlers
