#include <array>

#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {
namespace {

// Api-key order, so ApiVersions lists them the way Kafka does.
constexpr std::array kRegistry = {
    &kProduceHandler,
    &kFetchHandler,
    &kListOffsetsHandler,
    &kMetadataHandler,
    &kOffsetCommitHandler,
    &kOffsetFetchHandler,
    &kFindCoordinatorHandler,
    &kJoinGroupHandler,
    &kHeartbeatHandler,
    &kLeaveGroupHandler,
    &kSyncGroupHandler,
    &kDescribeGroupsHandler,
    &kListGroupsHandler,
    &kSaslHandshakeHandler,
    &kApiVersionsHandler,
    &kCreateTopicsHandler,
    &kDeleteTopicsHandler,
    &kDeleteRecordsHandler,
    &kInitProducerIdHandler,
    &kAddPartitionsToTxnHandler,
    &kAddOffsetsToTxnHandler,
    &kEndTxnHandler,
    &kTxnOffsetCommitHandler,
    &kDescribeAclsHandler,
    &kCreateAclsHandler,
    &kDeleteAclsHandler,
    &kDescribeConfigsHandler,
    &kAlterConfigsHandler,
    &kSaslAuthenticateHandler,
    &kCreatePartitionsHandler,
    &kDeleteGroupsHandler,
    &kIncrementalAlterConfigsHandler,
    &kOffsetDeleteHandler,
    &kDescribeClusterHandler,
    &kDescribeTransactionsHandler,
    &kListTransactionsHandler,
};

const Handler* find_handler(int16_t api_key) {
  for (const Handler* h : kRegistry) {
    if (static_cast<int16_t>(h->key) == api_key) return h;
  }
  return nullptr;
}

}  // namespace

std::span<const Handler* const> registry() { return kRegistry; }

// Before authentication only these may be sent (Kafka's SaslServerAuthenticator does the same).
bool allowed_before_authentication(int16_t api_key) {
  const auto key = protocol::ApiKey(api_key);
  return key == protocol::ApiKey::api_versions || key == protocol::ApiKey::sasl_handshake ||
         key == protocol::ApiKey::sasl_authenticate;
}

void dispatch(const RequestContext& ctx, Respond respond) {
  if (ctx.auth.stage == ConnectionAuth::Stage::failed) {
    return respond(Reply{Reply::Kind::close, "request after failed SASL authentication"});
  }
  if (ctx.broker.keys != nullptr && ctx.auth.stage != ConnectionAuth::Stage::authenticated &&
      !allowed_before_authentication(ctx.header.request_api_key)) {
    return respond(Reply{Reply::Kind::close,
                         "request (api key " + std::to_string(ctx.header.request_api_key) +
                             ") before SASL authentication; this broker requires API keys"});
  }
  const Handler* handler = find_handler(ctx.header.request_api_key);
  const int16_t version = ctx.version();
  if (handler != nullptr && version >= handler->min_version && version <= handler->max_version) {
    handler->handle(ctx, std::move(respond));
    return;
  }
  if (handler == &kApiVersionsHandler) {
    // A too-new ApiVersions must still get an answer the client can read, or librdkafka
    // concludes the broker predates ApiVersions and never gets through. The
    // ApiVersions handler writes the v0-format error body for out-of-range versions.
    handler->handle(ctx, std::move(respond));
    return;
  }
  respond(Reply{Reply::Kind::close, "unsupported api key " +
                                        std::to_string(ctx.header.request_api_key) + " v" +
                                        std::to_string(version)});
}

}  // namespace kafka_do::broker::handlers
