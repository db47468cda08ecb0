// CreateAcls (key 30): adds ACL bindings, persisted before the answer. Needs ALTER on the
// cluster.
#include "protocol/gen/create_acls.hpp"

#include "broker/handlers/acl_wire.hpp"
#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {
namespace {

void handle_create_acls(const RequestContext& ctx, Respond respond) {
  protocol::CreateAclsRequest request;
  if (!decode_request(ctx, request)) return respond(malformed(ctx));
  protocol::CreateAclsResponse response;
  model::ErrorCode refused = model::ErrorCode::none;
  std::string why;
  if (ctx.broker.keys == nullptr || ctx.broker.acls == nullptr) {
    refused = model::ErrorCode::security_disabled;
    why = "no ACLs without --api-keys: every client may do anything";
  } else if (!may_cluster(ctx, security::AclOperation::alter)) {
    refused = model::ErrorCode::cluster_authorization_failed;
    why = "creating ACLs needs ALTER on the cluster";
  }
  // Each creation is valid or not on its own; the valid ones are persisted together.
  std::vector<security::AclBinding> bindings;
  std::vector<std::string> errors(request.creations.size());
  for (size_t i = 0; i < request.creations.size(); ++i) {
    const auto& c = request.creations[i];
    security::AclBinding b;
    if (refused != model::ErrorCode::none) {
      errors[i] = why;
      continue;
    }
    if (!acl_enums(c.resource_type, pattern_or_literal(ctx.version(), c.resource_pattern_type),
                   c.operation, c.permission_type, b.resource_type, b.pattern, b.operation,
                   b.permission)) {
      errors[i] = "invalid ACL enum value";
      continue;
    }
    b.name = c.resource_name;
    b.principal = c.principal;
    b.host = c.host;
    if (Status ok = check_binding(b); !ok) {
      errors[i] = ok.error().message();
      continue;
    }
    bindings.push_back(std::move(b));
  }
  Status saved = bindings.empty() ? Status{} : ctx.broker.acls->create(bindings);
  for (size_t i = 0; i < request.creations.size(); ++i) {
    protocol::CreateAclsResponse::AclCreationResult result;
    result.error_message = std::nullopt;
    if (!errors[i].empty()) {
      result.error_code = model::to_wire(
          refused != model::ErrorCode::none ? refused : model::ErrorCode::invalid_request);
      result.error_message = errors[i];
    } else if (!saved) {
      result.error_code = model::to_wire(model::ErrorCode::kafka_storage_error);
      result.error_message = saved.error().message();
    }
    response.results.push_back(std::move(result));
  }
  respond(encode_response(ctx, response));
}

}  // namespace

const Handler kCreateAclsHandler{protocol::ApiKey::create_acls, 0, 3, &handle_create_acls};

}  // namespace kafka_do::broker::handlers
