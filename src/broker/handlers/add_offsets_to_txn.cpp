// AddOffsetsToTxn (key 25): a consumer group's offsets join a producer's transaction
// (consume-transform-produce); the offsets themselves come with TxnOffsetCommit.
#include "protocol/gen/add_offsets_to_txn.hpp"

#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {
namespace {

void handle_add_offsets_to_txn(const RequestContext& ctx, Respond respond) {
  auto request = std::make_shared<protocol::AddOffsetsToTxnRequest>();
  if (!decode_request(ctx, *request)) return respond(malformed(ctx));
  const model::ErrorCode refused =
      transactional_group_refusal(ctx, request->transactional_id, request->group_id);
  ctx.waiter.run_blocking([&broker = ctx.broker, request, version = ctx.version(), refused,
                           respond = std::move(respond)]() mutable {
    protocol::AddOffsetsToTxnResponse response;
    const model::ErrorCode code =
        refused != model::ErrorCode::none ? refused
        : broker.transactions == nullptr || broker.groups == nullptr
            ? model::ErrorCode::coordinator_not_available
            : broker.transactions->add_offsets(request->transactional_id, request->producer_id,
                                               request->producer_epoch, request->group_id);
    response.error_code = txn_error(code, version >= 2);
    respond(encode_reply(response, version));
  });
}

}  // namespace

// v3 is flexible; v4 (KIP-890) is not served.
const Handler kAddOffsetsToTxnHandler{protocol::ApiKey::add_offsets_to_txn, 0, 3,
                                      &handle_add_offsets_to_txn};

}  // namespace kafka_do::broker::handlers
