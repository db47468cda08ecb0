// InitProducerId (key 22): a producer id and epoch for an idempotent producer. The sequence
// checks themselves happen in the partition logs (storage/producer_state.hpp).
#include "protocol/gen/init_producer_id.hpp"

#include <limits>

#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {
namespace {

void handle_init_producer_id(const RequestContext& ctx, Respond respond) {
  protocol::InitProducerIdRequest request;
  if (!decode_request(ctx, request)) return respond(malformed(ctx));
  protocol::InitProducerIdResponse response;
  response.producer_id = -1;
  response.producer_epoch = -1;
  auto fail = [&](model::ErrorCode code) {
    response.error_code = model::to_wire(code);
    respond(encode_response(ctx, response));
  };
  if (ctx.broker.producer_ids == nullptr) return fail(model::ErrorCode::coordinator_not_available);
  // Transactions are not implemented (no AddPartitionsToTxn/EndTxn are advertised): a
  // transactional producer gets a clear, non-retriable refusal instead of a half-working id.
  if (request.transactional_id && !request.transactional_id->empty()) {
    return fail(model::ErrorCode::transactional_id_authorization_failed);
  }
  // v3+: a producer that already has an id asks for a bumped epoch after an error (KIP-360),
  // which resets its sequences. Past the last epoch it gets a fresh id instead.
  if (request.producer_id >= 0 && request.producer_epoch >= 0 &&
      request.producer_epoch < std::numeric_limits<int16_t>::max() - 1) {
    response.producer_id = request.producer_id;
    response.producer_epoch = int16_t(request.producer_epoch + 1);
    return respond(encode_response(ctx, response));
  }
  auto id = ctx.broker.producer_ids->allocate();
  if (!id) return fail(model::ErrorCode::kafka_storage_error);
  response.producer_id = *id;
  response.producer_epoch = 0;
  respond(encode_response(ctx, response));
}

}  // namespace

// Min 0: librdkafka 2.0.2 enables its idempotent producer only if the range contains 0. v2 is
// flexible, v3 adds the current id/epoch, v5 (KIP-890) is not needed.
const Handler kInitProducerIdHandler{protocol::ApiKey::init_producer_id, 0, 4,
                                     &handle_init_producer_id};

}  // namespace kafka_do::broker::handlers
