// Authorization of a request's resources: one place for the rule every handler applies.
#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {

using security::AclOperation;
using security::ResourceType;

bool authorized(const RequestContext& ctx, AclOperation operation, ResourceType type,
                std::string_view name) {
  if (ctx.broker.keys == nullptr || ctx.auth.superuser) return true;
  if (ctx.broker.acls == nullptr) return false;
  return ctx.broker.acls->allowed("User:" + ctx.auth.principal, ctx.auth.host, operation, type,
                                  name);
}

bool may_topic(const RequestContext& ctx, AclOperation operation, std::string_view topic) {
  return authorized(ctx, operation, ResourceType::topic, topic);
}

bool may_group(const RequestContext& ctx, AclOperation operation, std::string_view group) {
  return authorized(ctx, operation, ResourceType::group, group);
}

bool may_cluster(const RequestContext& ctx, AclOperation operation) {
  return authorized(ctx, operation, ResourceType::cluster, security::kClusterName);
}

bool may_transactional_id(const RequestContext& ctx, AclOperation operation, std::string_view id) {
  return authorized(ctx, operation, ResourceType::transactional_id, id);
}

model::ErrorCode config_refusal(const RequestContext& ctx, AclOperation operation,
                                int8_t resource_type, std::string_view name) {
  if (resource_type == 2) {
    return may_topic(ctx, operation, name) ? model::ErrorCode::none
                                           : model::ErrorCode::topic_authorization_failed;
  }
  return may_cluster(ctx, operation) ? model::ErrorCode::none
                                     : model::ErrorCode::cluster_authorization_failed;
}

}  // namespace kafka_do::broker::handlers
