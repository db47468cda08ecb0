// SaslAuthenticate (key 36): one token of the SASL exchange SaslHandshake began (PLAIN: the one
// token; SCRAM: two rounds), checked against the broker's API keys.
#include "protocol/gen/sasl_authenticate.hpp"

#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {

Result<std::string> sasl_step(const Broker& broker, ConnectionAuth& auth, std::string_view token) {
  auto answer = auth.sasl.step(token);
  if (!answer) {
    auth.stage = ConnectionAuth::Stage::failed;
    if (broker.metrics != nullptr) broker.metrics->authentication_failed();
    return answer;
  }
  if (auth.sasl.done()) {
    auth.stage = ConnectionAuth::Stage::authenticated;
    auth.principal = auth.sasl.principal();
    auth.acl_principal = "User:" + auth.principal;
    auth.superuser = auth.sasl.superuser();
  }
  return answer;
}

namespace {

void handle_sasl_authenticate(const RequestContext& ctx, Respond respond) {
  protocol::SaslAuthenticateRequest request;
  if (!decode_request(ctx, request)) return respond(malformed(ctx));
  protocol::SaslAuthenticateResponse response;
  response.error_message = std::nullopt;
  if (ctx.auth.stage != ConnectionAuth::Stage::handshaken || ctx.auth.raw_tokens) {
    response.error_code = model::to_wire(model::ErrorCode::illegal_sasl_state);
    response.error_message = "SaslAuthenticate must follow a SaslHandshake v1";
    ctx.auth.stage = ConnectionAuth::Stage::failed;
    return respond(encode_response(ctx, response));
  }
  auto answer = sasl_step(ctx.broker, ctx.auth, request.auth_bytes);
  if (!answer) {
    // The connection is closed at its next request (ConnectionAuth::Stage::failed).
    response.error_code = model::to_wire(model::ErrorCode::sasl_authentication_failed);
    response.error_message = answer.error().message();
  } else {
    response.auth_bytes = std::move(*answer);
  }
  respond(encode_response(ctx, response));
}

}  // namespace

// v1 adds the session lifetime (0: no re-authentication required); v2 is flexible.
const Handler kSaslAuthenticateHandler{protocol::ApiKey::sasl_authenticate, 0, 2,
                                       &handle_sasl_authenticate};

}  // namespace kafka_do::broker::handlers
