// EndTxn (key 26): commit or abort a producer's transaction. The coordinator writes the markers
// before answering, so when a client sees success every partition of the transaction has its
// marker and read_committed consumers can read on.
#include "protocol/gen/end_txn.hpp"

#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {
namespace {

void handle_end_txn(const RequestContext& ctx, Respond respond) {
  auto request = std::make_shared<protocol::EndTxnRequest>();
  if (!decode_request(ctx, *request)) return respond(malformed(ctx));
  const bool allowed =
      may_transactional_id(ctx, security::AclOperation::write, request->transactional_id);
  ctx.waiter.run_blocking([&broker = ctx.broker, request, version = ctx.version(), allowed,
                           respond = std::move(respond)]() mutable {
    protocol::EndTxnResponse response;
    const model::ErrorCode code =
        !allowed ? model::ErrorCode::transactional_id_authorization_failed
        : broker.transactions == nullptr
            ? model::ErrorCode::coordinator_not_available
            : broker.transactions->end_transaction(request->transactional_id, request->producer_id,
                                                   request->producer_epoch, request->committed);
    response.error_code = txn_error(code, version >= 2);
    respond(encode_reply(response, version));
  });
}

}  // namespace

// v3 is flexible; v4 (KIP-890) is not served.
const Handler kEndTxnHandler{protocol::ApiKey::end_txn, 0, 3, &handle_end_txn};

}  // namespace kafka_do::broker::handlers
