// InitProducerId (key 22): a producer id and epoch for an idempotent producer, or, with a
// transactional id, the id's producer id with a bumped epoch from the transaction coordinator
// (which fences the previous instance). The sequence checks themselves happen in the partition
// logs (storage/producer_state.hpp).
#include "protocol/gen/init_producer_id.hpp"

#include <limits>

#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {
namespace {

void handle_init_producer_id(const RequestContext& ctx, Respond respond) {
  auto request = std::make_shared<protocol::InitProducerIdRequest>();
  if (!decode_request(ctx, *request)) return respond(malformed(ctx));
  // A transactional id needs WRITE on it; an idempotent producer IDEMPOTENT_WRITE on the cluster
  // or, as since Kafka 3.0, WRITE on some topic.
  model::ErrorCode refused = model::ErrorCode::none;
  if (request->transactional_id && !request->transactional_id->empty()) {
    if (!may_transactional_id(ctx, security::AclOperation::write, *request->transactional_id)) {
      refused = model::ErrorCode::transactional_id_authorization_failed;
    }
  } else if (!may_cluster(ctx, security::AclOperation::idempotent_write) &&
             !(ctx.broker.acls != nullptr &&
               ctx.broker.acls->allowed_on_any(ctx.auth.acl_principal,
                                               security::AclOperation::write,
                                               security::ResourceType::topic))) {
    refused = model::ErrorCode::cluster_authorization_failed;
  }
  // The coordinator appends to its state log, which may wait for fdatasync.
  ctx.waiter.run_blocking([&broker = ctx.broker, request, version = ctx.version(), refused,
                           respond = std::move(respond)]() mutable {
    protocol::InitProducerIdResponse response;
    response.producer_id = -1;
    response.producer_epoch = -1;
    auto answer = [&] { respond(encode_reply(response, version)); };
    auto fail = [&](model::ErrorCode code) {
      response.error_code = txn_error(code, version >= 4);
      answer();
    };
    if (refused != model::ErrorCode::none) return fail(refused);
    if (broker.producer_ids == nullptr) return fail(model::ErrorCode::coordinator_not_available);
    if (request->transactional_id && !request->transactional_id->empty()) {
      if (broker.transactions == nullptr) {
        return fail(model::ErrorCode::coordinator_not_available);
      }
      const coordinator::InitProducerIdResult result = broker.transactions->init_producer_id(
          *request->transactional_id, request->transaction_timeout_ms, request->producer_id,
          request->producer_epoch);
      if (result.error != model::ErrorCode::none) return fail(result.error);
      response.producer_id = result.producer_id;
      response.producer_epoch = result.producer_epoch;
      return answer();
    }
    // v3+: a producer that already has an id asks for a bumped epoch after an error (KIP-360),
    // which resets its sequences. Past the last epoch it gets a fresh id instead.
    if (request->producer_id >= 0 && request->producer_epoch >= 0 &&
        request->producer_epoch < std::numeric_limits<int16_t>::max() - 1) {
      response.producer_id = request->producer_id;
      response.producer_epoch = int16_t(request->producer_epoch + 1);
      return answer();
    }
    auto id = broker.producer_ids->allocate();
    if (!id) return fail(model::ErrorCode::kafka_storage_error);
    response.producer_id = *id;
    response.producer_epoch = 0;
    answer();
  });
}

}  // namespace

// Min 0: librdkafka 2.0.2 enables its idempotent producer only if the range contains 0. v2 is
// flexible, v3 adds the current id/epoch, v4 answers PRODUCER_FENCED, v5 (KIP-890) is not
// needed.
const Handler kInitProducerIdHandler{protocol::ApiKey::init_producer_id, 0, 4,
                                     &handle_init_producer_id};

}  // namespace kafka_do::broker::handlers
