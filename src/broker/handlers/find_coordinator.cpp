// FindCoordinator (key 10): a single node coordinates every group (key type 0) and
// transactional id (key type 1).
#include "protocol/gen/find_coordinator.hpp"

#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {
namespace {

void handle_find_coordinator(const RequestContext& ctx, Respond respond) {
  protocol::FindCoordinatorRequest request;
  if (!decode_request(ctx, request)) return respond(malformed(ctx));
  const BrokerConfig& config = ctx.broker.config;
  protocol::FindCoordinatorResponse response;
  response.error_message = std::nullopt;
  const bool known_type = request.key_type == 0 || request.key_type == 1;
  const bool served =
      request.key_type == 0 ? ctx.broker.groups != nullptr : ctx.broker.transactions != nullptr;
  if (!known_type || !served) {
    response.error_code = model::to_wire(known_type ? model::ErrorCode::coordinator_not_available
                                                    : model::ErrorCode::invalid_request);
    response.node_id = -1;
    response.host = "";
    response.port = -1;
    return respond(encode_response(ctx, response));
  }
  // Kafka refuses FindCoordinator for a group or transactional id the key may not describe.
  // Here the coordinator is this broker, whom the client already knows, so answering tells
  // nothing; the request that uses the group says GROUP_AUTHORIZATION_FAILED instead, which
  // kafkajs reports as such (it turns a refused FindCoordinator into "coordinator not found").
  response.node_id = config.node_id;
  AdvertisedAddress address = advertised_address(ctx);
  response.host = std::move(address.host);
  response.port = address.port;
  respond(encode_response(ctx, response));
}

}  // namespace

// Min 0: librdkafka 2.0.2 enables group and transaction coordinator lookups only if v0 is
// advertised. v3+ (batched keys, flexible) is not implemented yet.
const Handler kFindCoordinatorHandler{protocol::ApiKey::find_coordinator, 0, 2,
                                      &handle_find_coordinator};

}  // namespace kafka_do::broker::handlers
