// DeleteAcls (key 31): removes the bindings each filter matches and lists them. Needs ALTER on
// the cluster.
#include "protocol/gen/delete_acls.hpp"

#include "broker/handlers/acl_wire.hpp"
#include "broker/handlers/handler.hpp"

namespace kafka_do::broker::handlers {
namespace {

using protocol::DeleteAclsResponse;

void handle_delete_acls(const RequestContext& ctx, Respond respond) {
  protocol::DeleteAclsRequest request;
  if (!decode_request(ctx, request)) return respond(malformed(ctx));
  DeleteAclsResponse response;
  auto fail_all = [&](model::ErrorCode code, const std::string& message) {
    for (size_t i = 0; i < request.filters.size(); ++i) {
      DeleteAclsResponse::DeleteAclsFilterResult result;
      result.error_code = model::to_wire(code);
      result.error_message = message;
      response.filter_results.push_back(std::move(result));
    }
    respond(encode_response(ctx, response));
  };
  if (ctx.broker.keys == nullptr || ctx.broker.acls == nullptr) {
    return fail_all(model::ErrorCode::security_disabled,
                    "no ACLs without --api-keys: every client may do anything");
  }
  if (!may_cluster(ctx, security::AclOperation::alter)) {
    return fail_all(model::ErrorCode::cluster_authorization_failed,
                    "deleting ACLs needs ALTER on the cluster");
  }
  std::vector<security::AclFilter> filters;
  std::vector<bool> valid;
  for (const auto& f : request.filters) {
    bool ok = false;
    filters.push_back(make_filter(f.resource_type_filter, f.resource_name_filter,
                                  pattern_or_literal(ctx.version(), f.pattern_type_filter),
                                  f.principal_filter, f.host_filter, f.operation, f.permission_type,
                                  ok));
    valid.push_back(ok);
  }
  // An invalid filter must match nothing: replace it by one that cannot.
  std::vector<security::AclFilter> usable = filters;
  for (size_t i = 0; i < usable.size(); ++i) {
    if (!valid[i]) usable[i].principal = std::string("\n");
  }
  auto removed = ctx.broker.acls->remove(usable);
  if (!removed) return fail_all(model::ErrorCode::kafka_storage_error, removed.error().message());
  for (size_t i = 0; i < filters.size(); ++i) {
    DeleteAclsResponse::DeleteAclsFilterResult result;
    result.error_message = std::nullopt;
    if (!valid[i]) {
      result.error_code = model::to_wire(model::ErrorCode::invalid_request);
      result.error_message = "invalid ACL filter";
    }
    for (const auto& b : (*removed)[i]) {
      DeleteAclsResponse::DeleteAclsMatchingAcl acl;
      acl.error_message = std::nullopt;
      acl.resource_type = int8_t(b.resource_type);
      acl.resource_name = b.name;
      acl.pattern_type = int8_t(b.pattern);
      acl.principal = b.principal;
      acl.host = b.host;
      acl.operation = int8_t(b.operation);
      acl.permission_type = int8_t(b.permission);
      result.matching_acls.push_back(std::move(acl));
    }
    response.filter_results.push_back(std::move(result));
  }
  respond(encode_response(ctx, response));
}

}  // namespace

const Handler kDeleteAclsHandler{protocol::ApiKey::delete_acls, 0, 3, &handle_delete_acls};

}  // namespace kafka_do::broker::handlers
