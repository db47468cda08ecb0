// FindCoordinator (key 10): a single node coordinates every group and transaction.
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
  response.node_id = config.node_id;
  response.host = config.advertised_host;
  response.port = config.advertised_port;
  respond(encode_response(ctx, response));
}

}  // namespace

// Min 0: librdkafka 2.0.2 enables group and transaction coordinator lookups only if v0 is
// advertised. v3+ (batched keys, flexible) is not implemented yet.
const Handler kFindCoordinatorHandler{protocol::ApiKey::find_coordinator, 0, 2,
                                      &handle_find_coordinator};

}  // namespace kafka_do::broker::handlers
