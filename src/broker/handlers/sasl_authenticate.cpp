// SaslAuthenticate (key 36): the SASL/PLAIN token, checked against the broker's API keys.
#include "protocol/gen/sasl_authenticate.hpp"

#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {

Status authenticate_plain(const Broker& broker, ConnectionAuth& auth, std::string_view token) {
  auth.stage = ConnectionAuth::Stage::failed;
  auto parsed = parse_plain_token(token);
  if (!parsed || broker.api_keys == nullptr ||
      !broker.api_keys->verify(parsed->username, parsed->password)) {
    if (broker.metrics != nullptr) broker.metrics->authentication_failed();
  }
  KD_ASSIGN(PlainCredentials credentials, std::move(parsed));
  if (broker.api_keys == nullptr ||
      !broker.api_keys->verify(credentials.username, credentials.password)) {
    // The same answer for an unknown user and a wrong secret: no probing for usernames.
    return Error(Errc::not_found, "authentication failed for user '" + credentials.username +
                                      "': invalid username or API key");
  }
  auth.stage = ConnectionAuth::Stage::authenticated;
  auth.principal = std::move(credentials.username);
  return {};
}

namespace {

void handle_sasl_authenticate(const RequestContext& ctx, Respond respond) {
  protocol::SaslAuthenticateRequest request;
  if (!decode_request(ctx, request)) return respond(malformed(ctx));
  protocol::SaslAuthenticateResponse response;
  response.error_message = std::nullopt;
  if (ctx.auth.stage != ConnectionAuth::Stage::handshaken || ctx.auth.raw_tokens) {
    response.error_code = model::to_wire(model::ErrorCode::illegal_sasl_state);
    response.error_message = "SaslAuthenticate must follow a SaslHandshake v1 for PLAIN";
    ctx.auth.stage = ConnectionAuth::Stage::failed;
    return respond(encode_response(ctx, response));
  }
  Status authenticated = authenticate_plain(ctx.broker, ctx.auth, request.auth_bytes);
  if (!authenticated) {
    // The connection is closed at its next request (ConnectionAuth::Stage::failed).
    response.error_code = model::to_wire(model::ErrorCode::sasl_authentication_failed);
    response.error_message = authenticated.error().message();
  }
  respond(encode_response(ctx, response));
}

}  // namespace

// v1 adds the session lifetime (0: no re-authentication required); v2 is flexible.
const Handler kSaslAuthenticateHandler{protocol::ApiKey::sasl_authenticate, 0, 2,
                                       &handle_sasl_authenticate};

}  // namespace kafka_do::broker::handlers
