// DescribeAcls (key 29): the ACL bindings a filter selects, grouped by resource. Needs DESCRIBE
// on the cluster.
#include "protocol/gen/describe_acls.hpp"

#include "broker/handlers/acl_wire.hpp"
#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {
namespace {

using protocol::DescribeAclsResponse;

void handle_describe_acls(const RequestContext& ctx, Respond respond) {
  protocol::DescribeAclsRequest request;
  if (!decode_request(ctx, request)) return respond(malformed(ctx));
  DescribeAclsResponse response;
  response.error_message = std::nullopt;
  auto fail = [&](model::ErrorCode code, std::string message) {
    response.error_code = model::to_wire(code);
    response.error_message = std::move(message);
    respond(encode_response(ctx, response));
  };
  if (ctx.broker.keys == nullptr || ctx.broker.acls == nullptr) {
    return fail(model::ErrorCode::security_disabled,
                "no ACLs without --api-keys: every client may do anything");
  }
  if (!may_cluster(ctx, security::AclOperation::describe)) {
    return fail(model::ErrorCode::cluster_authorization_failed,
                "describing ACLs needs DESCRIBE on the cluster");
  }
  bool valid = false;
  const security::AclFilter filter = make_filter(
      request.resource_type_filter, request.resource_name_filter,
      pattern_or_literal(ctx.version(), request.pattern_type_filter), request.principal_filter,
      request.host_filter, request.operation, request.permission_type, valid);
  if (!valid) return fail(model::ErrorCode::invalid_request, "invalid ACL filter");
  for (const auto& b : ctx.broker.acls->list(filter)) {
    const auto same = [&](const DescribeAclsResponse::DescribeAclsResource& r) {
      return r.resource_type == int8_t(b.resource_type) && r.resource_name == b.name &&
             r.pattern_type == int8_t(b.pattern);
    };
    if (response.resources.empty() || !same(response.resources.back())) {
      DescribeAclsResponse::DescribeAclsResource resource;
      resource.resource_type = int8_t(b.resource_type);
      resource.resource_name = b.name;
      resource.pattern_type = int8_t(b.pattern);
      response.resources.push_back(std::move(resource));
    }
    response.resources.back().acls.push_back({.principal = b.principal,
                                              .host = b.host,
                                              .operation = int8_t(b.operation),
                                              .permission_type = int8_t(b.permission)});
  }
  respond(encode_response(ctx, response));
}

}  // namespace

// v1 adds pattern types (KIP-290); v2 is flexible.
const Handler kDescribeAclsHandler{protocol::ApiKey::describe_acls, 0, 3, &handle_describe_acls};

}  // namespace kafka_do::broker::handlers
