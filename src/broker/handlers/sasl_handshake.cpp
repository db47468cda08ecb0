// SaslHandshake (key 17): the client names its SASL mechanism. Offered when the broker runs with
// --api-keys: SCRAM-SHA-256 and SCRAM-SHA-512, and PLAIN where the listener allows it (see
// security::SaslSession).
#include "protocol/gen/sasl_handshake.hpp"

#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {
namespace {

void handle_sasl_handshake(const RequestContext& ctx, Respond respond) {
  protocol::SaslHandshakeRequest request;
  if (!decode_request(ctx, request)) return respond(malformed(ctx));
  protocol::SaslHandshakeResponse response;
  if (ctx.broker.keys == nullptr) {
    // Nothing to authenticate against: a PLAINTEXT listener in Kafka terms.
    response.error_code = model::to_wire(model::ErrorCode::illegal_sasl_state);
    return respond(encode_response(ctx, response));
  }
  response.mechanisms = ctx.auth.sasl.mechanisms();
  if (ctx.auth.stage != ConnectionAuth::Stage::start) {
    response.error_code = model::to_wire(model::ErrorCode::illegal_sasl_state);
  } else if (!ctx.auth.sasl.begin(request.mechanism, ctx.broker.keys->current())) {
    response.error_code = model::to_wire(model::ErrorCode::unsupported_sasl_mechanism);
  } else {
    ctx.auth.stage = ConnectionAuth::Stage::handshaken;
    ctx.auth.raw_tokens = ctx.version() == 0;
  }
  respond(encode_response(ctx, response));
}

}  // namespace

// v0: the tokens follow as bare frames; v1: they come in SaslAuthenticate requests.
const Handler kSaslHandshakeHandler{protocol::ApiKey::sasl_handshake, 0, 1, &handle_sasl_handshake};

}  // namespace kafka_do::broker::handlers
