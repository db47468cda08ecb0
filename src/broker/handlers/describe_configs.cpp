// DescribeConfigs (key 32): a topic's configuration (overrides and defaults) or the broker's.
#include "protocol/gen/describe_configs.hpp"

#include <algorithm>

#include "broker/handlers/config_resources.hpp"

namespace kafka_do::broker::handlers {
namespace {

using protocol::DescribeConfigsResponse;

// Kafka's DescribeConfigs ConfigType codes (v3+).
int8_t config_type_code(const std::string& type) {
  if (type == "boolean") return 1;
  if (type == "string") return 2;
  if (type == "int") return 3;
  if (type == "long") return 5;
  return 0;
}

DescribeConfigsResponse::DescribeConfigsResult describe(
    const RequestContext& ctx, const protocol::DescribeConfigsRequest& request,
    const protocol::DescribeConfigsRequest::DescribeConfigsResource& resource) {
  DescribeConfigsResponse::DescribeConfigsResult out;
  out.resource_type = resource.resource_type;
  out.resource_name = resource.resource_name;
  out.error_message = std::nullopt;
  std::vector<ConfigEntry> entries;
  if (const auto refused = config_refusal(ctx, security::AclOperation::describe_configs,
                                          resource.resource_type, resource.resource_name);
      refused != model::ErrorCode::none) {
    out.error_code = model::to_wire(refused);
    out.error_message = "not allowed to describe the configs of " + resource.resource_name;
    return out;
  }
  if (resource.resource_type == kTopicResource) {
    auto topic = ctx.broker.logs.describe_topic(resource.resource_name);
    if (!topic) {
      out.error_code = model::to_wire(model::ErrorCode::unknown_topic_or_partition);
      out.error_message = topic.error().message();
      return out;
    }
    entries = topic_config_entries(topic->config);
  } else if (resource.resource_type == kBrokerResource) {
    // An empty name means "the broker you are talking to", as does our own id.
    if (!resource.resource_name.empty() &&
        resource.resource_name != std::to_string(ctx.broker.config.node_id)) {
      out.error_code = model::to_wire(model::ErrorCode::invalid_request);
      out.error_message = "unknown broker " + resource.resource_name;
      return out;
    }
    entries = broker_config_entries(ctx.broker);
  } else {
    out.error_code = model::to_wire(model::ErrorCode::invalid_request);
    out.error_message =
        "unsupported config resource type " + std::to_string(resource.resource_type);
    return out;
  }
  for (const ConfigEntry& entry : entries) {
    if (resource.configuration_keys && !resource.configuration_keys->empty() &&
        std::find(resource.configuration_keys->begin(), resource.configuration_keys->end(),
                  entry.name) == resource.configuration_keys->end()) {
      continue;
    }
    DescribeConfigsResponse::DescribeConfigsResourceResult config;
    config.name = entry.name;
    config.value = entry.value;
    config.read_only = entry.read_only;
    config.is_default = entry.source == kSourceDefault;
    config.config_source = entry.source;
    config.config_type = config_type_code(entry.type);
    config.documentation = entry.doc;
    if (request.include_synonyms) {
      config.synonyms.push_back({.name = entry.name, .value = entry.value, .source = entry.source});
    }
    out.configs.push_back(std::move(config));
  }
  return out;
}

void handle_describe_configs(const RequestContext& ctx, Respond respond) {
  protocol::DescribeConfigsRequest request;
  if (!decode_request(ctx, request)) return respond(malformed(ctx));
  DescribeConfigsResponse response;
  for (const auto& resource : request.resources) {
    response.results.push_back(describe(ctx, request, resource));
  }
  respond(encode_response(ctx, response));
}

}  // namespace

// v3 adds documentation and types, v4 is flexible.
const Handler kDescribeConfigsHandler{protocol::ApiKey::describe_configs, 0, 3,
                                      &handle_describe_configs};

}  // namespace kafka_do::broker::handlers
