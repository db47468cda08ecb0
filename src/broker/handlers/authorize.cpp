// Authorization of a request's resources: one place for the rule every handler applies.
#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {

using security::AclOperation;
using security::ResourceType;

bool authorized(const RequestContext& ctx, AclOperation operation, ResourceType type,
                std::string_view name) {
  if (ctx.broker.keys == nullptr || ctx.auth.superuser) return true;
  if (ctx.broker.acls == nullptr) return false;
  return ctx.broker.acls->allowed(ctx.auth.acl_principal, ctx.auth.host, operation, type, name);
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

model::ErrorCode transactional_group_refusal(const RequestContext& ctx,
                                             std::string_view transactional_id,
                                             std::string_view group) {
  if (!may_transactional_id(ctx, AclOperation::write, transactional_id)) {
    return model::ErrorCode::transactional_id_authorization_failed;
  }
  if (!may_group(ctx, AclOperation::read, group))
    return model::ErrorCode::group_authorization_failed;
  return model::ErrorCode::none;
}

QuotaCharge quota_charge(const RequestContext& ctx, security::QuotaDirection direction) {
  QuotaCharge charge;
  if (ctx.broker.quotas == nullptr) return charge;
  charge.quotas = ctx.broker.quotas;
  charge.principal = ctx.auth.principal;
  const BrokerConfig& config = ctx.broker.config;
  charge.bytes_per_second = direction == security::QuotaDirection::produce
                                ? config.default_produce_quota
                                : config.default_fetch_quota;
  if (ctx.broker.keys != nullptr && !ctx.auth.principal.empty()) {
    const auto keys = ctx.broker.keys->recent();
    if (const security::ApiKey* key = keys->find(ctx.auth.principal)) {
      const auto& own =
          direction == security::QuotaDirection::produce ? key->produce_quota : key->fetch_quota;
      if (own) charge.bytes_per_second = *own;
    }
  }
  return charge;
}

int32_t QuotaCharge::charge(security::QuotaDirection direction, int64_t bytes) const {
  if (quotas == nullptr) return 0;
  return int32_t(
      std::min<int64_t>(quotas->charge(principal, direction, bytes, bytes_per_second).count(),
                        int64_t(24) * 3600 * 1000));
}

int32_t charge_quota(const RequestContext& ctx, security::QuotaDirection direction, int64_t bytes) {
  return quota_charge(ctx, direction).charge(direction, bytes);
}

}  // namespace kafka_do::broker::handlers
