// ApiVersions (key 18): the versions of every registered handler.
#include "protocol/gen/api_versions.hpp"

#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {
namespace {

constexpr int16_t kMinVersion = 0;  // librdkafka 2.0.2 drops the feature unless 0 is in range
constexpr int16_t kMaxVersion = 3;

void handle_api_versions(const RequestContext& ctx, Respond respond) {
  protocol::ApiVersionsResponse response;
  for (const Handler* h : registry()) {
    response.api_keys.push_back({.api_key = static_cast<int16_t>(h->key),
                                 .min_version = h->min_version,
                                 .max_version = h->max_version});
  }
  const int16_t version = ctx.version();
  if (version < kMinVersion || version > kMaxVersion) {
    // KIP-511: answer in v0 body format so any client can read the error, then retry lower.
    response.error_code = model::to_wire(model::ErrorCode::unsupported_version);
    Reply reply;
    ByteWriter writer(reply.body);
    response.encode(writer, 0);
    respond(std::move(reply));
    return;
  }
  // The v3 body only carries client software name/version, which we do not use; Kafka's name
  // check is skipped on purpose (tolerating any name is what clients expect to work).
  respond(encode_response(ctx, response));
}

}  // namespace

const Handler kApiVersionsHandler{protocol::ApiKey::api_versions, kMinVersion, kMaxVersion,
                                  &handle_api_versions};

}  // namespace kafka_do::broker::handlers
