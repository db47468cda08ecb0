// AlterConfigs (key 33): replace a topic's configuration — keys not named go back to their
// defaults (use IncrementalAlterConfigs to change one key and keep the rest).
#include "protocol/gen/alter_configs.hpp"

#include "broker/handlers/config_resources.hpp"

namespace kafka_do::broker::handlers {
namespace {

void handle_alter_configs(const RequestContext& ctx, Respond respond) {
  protocol::AlterConfigsRequest request;
  if (!decode_request(ctx, request)) return respond(malformed(ctx));
  protocol::AlterConfigsResponse response;
  for (const auto& resource : request.resources) {
    std::map<std::string, std::optional<std::string>> changes;
    if (resource.resource_type == kTopicResource) {
      if (auto topic = ctx.broker.logs.describe_topic(resource.resource_name)) {
        for (const auto& key : topic->config.overrides) changes[key] = std::nullopt;
      }
    }
    for (const auto& config : resource.configs) changes[config.name] = config.value;
    const auto refused = config_refusal(ctx, security::AclOperation::alter_configs,
                                        resource.resource_type, resource.resource_name);
    AlterOutcome outcome =
        refused != model::ErrorCode::none
            ? AlterOutcome{model::to_wire(refused),
                           "not allowed to alter the configs of " + resource.resource_name}
            : alter_resource(ctx.broker, resource.resource_type, resource.resource_name, changes,
                             request.validate_only);
    response.responses.push_back({.error_code = outcome.error_code,
                                  .error_message = std::move(outcome.message),
                                  .resource_type = resource.resource_type,
                                  .resource_name = resource.resource_name});
  }
  respond(encode_response(ctx, response));
}

}  // namespace

// v2 is flexible.
const Handler kAlterConfigsHandler{protocol::ApiKey::alter_configs, 0, 1, &handle_alter_configs};

}  // namespace kafka_do::broker::handlers
