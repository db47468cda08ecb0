// IncrementalAlterConfigs (key 44): set, delete, append to or subtract from single keys of a
// topic's configuration, leaving the others as they are.
#include "protocol/gen/incremental_alter_configs.hpp"

#include <algorithm>
#include <sstream>

#include "broker/handlers/config_resources.hpp"

namespace kafka_do::broker::handlers {
namespace {

enum Operation : int8_t { kSet = 0, kDelete = 1, kAppend = 2, kSubtract = 3 };

std::vector<std::string> split_list(const std::string& list) {
  std::vector<std::string> items;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

std::string join_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

// Append/Subtract apply to list-valued keys only; cleanup.policy is the one topics have.
bool is_list_key(const std::string& key) { return key == "cleanup.policy"; }

void handle_incremental_alter_configs(const RequestContext& ctx, Respond respond) {
  protocol::IncrementalAlterConfigsRequest request;
  if (!decode_request(ctx, request)) return respond(malformed(ctx));
  protocol::IncrementalAlterConfigsResponse response;
  for (const auto& resource : request.resources) {
    std::map<std::string, std::optional<std::string>> changes;
    AlterOutcome outcome;
    std::optional<storage::TopicConfig> current;
    if (resource.resource_type == kTopicResource) {
      if (auto topic = ctx.broker.logs.describe_topic(resource.resource_name)) {
        current = topic->config;
      }
    }
    for (const auto& config : resource.configs) {
      const auto op = config.config_operation;
      if (op == kSet) {
        changes[config.name] = config.value;
      } else if (op == kDelete) {
        changes[config.name] = std::nullopt;
      } else if ((op == kAppend || op == kSubtract) && is_list_key(config.name)) {
        auto base = changes.count(config.name) ? changes[config.name]
                    : current                  ? current->get(config.name)
                                               : std::nullopt;
        auto items = split_list(base.value_or(""));
        for (const auto& item : split_list(config.value.value_or(""))) {
          auto at = std::find(items.begin(), items.end(), item);
          if (op == kAppend && at == items.end()) items.push_back(item);
          if (op == kSubtract && at != items.end()) items.erase(at);
        }
        changes[config.name] = join_list(items);
      } else {
        outcome = {model::to_wire(model::ErrorCode::invalid_config),
                   "operation " + std::to_string(op) + " is not valid for config " + config.name};
        break;
      }
    }
    if (const auto refused = config_refusal(ctx, security::AclOperation::alter_configs,
                                            resource.resource_type, resource.resource_name);
        refused != model::ErrorCode::none) {
      outcome = AlterOutcome{model::to_wire(refused),
                             "not allowed to alter the configs of " + resource.resource_name};
    }
    if (outcome.error_code == 0) {
      outcome = alter_resource(ctx.broker, resource.resource_type, resource.resource_name, changes,
                               request.validate_only);
    }
    response.responses.push_back({.error_code = outcome.error_code,
                                  .error_message = std::move(outcome.message),
                                  .resource_type = resource.resource_type,
                                  .resource_name = resource.resource_name});
  }
  respond(encode_response(ctx, response));
}

}  // namespace

// v1 is flexible (the version current Java admin clients send).
const Handler kIncrementalAlterConfigsHandler{protocol::ApiKey::incremental_alter_configs, 0, 1,
                                              &handle_incremental_alter_configs};

}  // namespace kafka_do::broker::handlers
