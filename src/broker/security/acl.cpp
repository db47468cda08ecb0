#include "broker/security/acl.hpp"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/file_system.hpp"

namespace kafka_do::broker::security {
namespace {

using json = nlohmann::json;

template <typename E>
struct Names {
  E value;
  const char* name;
};
constexpr Names<ResourceType> kResourceTypes[] = {
    {ResourceType::topic, "topic"},
    {ResourceType::group, "group"},
    {ResourceType::cluster, "cluster"},
    {ResourceType::transactional_id, "transactional_id"},
    {ResourceType::delegation_token, "delegation_token"},
    {ResourceType::user, "user"}};
constexpr Names<PatternType> kPatterns[] = {{PatternType::literal, "literal"},
                                            {PatternType::prefixed, "prefixed"}};
constexpr Names<AclOperation> kOperations[] = {{AclOperation::all, "all"},
                                               {AclOperation::read, "read"},
                                               {AclOperation::write, "write"},
                                               {AclOperation::create, "create"},
                                               {AclOperation::remove, "delete"},
                                               {AclOperation::alter, "alter"},
                                               {AclOperation::describe, "describe"},
                                               {AclOperation::cluster_action, "cluster_action"},
                                               {AclOperation::describe_configs, "describe_configs"},
                                               {AclOperation::alter_configs, "alter_configs"},
                                               {AclOperation::idempotent_write, "idempotent_write"},
                                               {AclOperation::create_tokens, "create_tokens"},
                                               {AclOperation::describe_tokens, "describe_tokens"}};
constexpr Names<AclPermission> kPermissions[] = {{AclPermission::deny, "deny"},
                                                 {AclPermission::allow, "allow"}};

template <typename E, size_t N>
const char* name_of(const Names<E> (&names)[N], E value) {
  for (const auto& n : names) {
    if (n.value == value) return n.name;
  }
  return "unknown";
}

template <typename E, size_t N>
std::optional<E> value_of(const Names<E> (&names)[N], const std::string& name) {
  for (const auto& n : names) {
    if (name == n.name) return n.value;
  }
  return std::nullopt;
}

// The operations a binding for `granted` covers when `wanted` is asked for.
bool implies(AclOperation granted, AclOperation wanted) {
  if (granted == wanted || granted == AclOperation::all) return true;
  if (wanted == AclOperation::describe) {
    return granted == AclOperation::read || granted == AclOperation::write ||
           granted == AclOperation::remove || granted == AclOperation::alter;
  }
  if (wanted == AclOperation::describe_configs) return granted == AclOperation::alter_configs;
  return false;
}

bool resource_matches(const AclBinding& b, ResourceType type, std::string_view name) {
  if (b.resource_type != type) return false;
  if (b.pattern == PatternType::prefixed) return name.substr(0, b.name.size()) == b.name;
  return b.name == "*" || b.name == name;
}

bool principal_matches(const AclBinding& b, std::string_view principal) {
  return b.principal == "User:*" || b.principal == principal;
}

bool host_matches(const AclBinding& b, std::string_view host) {
  return b.host == "*" || b.host == host;
}

json to_json(const AclBinding& b) {
  return {{"resource_type", name_of(kResourceTypes, b.resource_type)},
          {"name", b.name},
          {"pattern", name_of(kPatterns, b.pattern)},
          {"principal", b.principal},
          {"host", b.host},
          {"operation", name_of(kOperations, b.operation)},
          {"permission", name_of(kPermissions, b.permission)}};
}

Result<AclBinding> from_json(const json& j) {
  auto invalid = [](const std::string& what) { return Error(Errc::invalid_argument, what); };
  if (!j.is_object()) return invalid("an ACL must be an object");
  auto text = [&](const char* key) -> std::optional<std::string> {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  AclBinding b;
  const auto type = text("resource_type");
  const auto pattern = text("pattern");
  const auto operation = text("operation");
  const auto permission = text("permission");
  const auto name = text("name");
  const auto principal = text("principal");
  const auto host = text("host");
  if (!type || !pattern || !operation || !permission || !name || !principal || !host) {
    return invalid(
        "an ACL needs resource_type, name, pattern, principal, host, operation and "
        "permission strings");
  }
  auto t = value_of(kResourceTypes, *type);
  auto p = value_of(kPatterns, *pattern);
  auto o = value_of(kOperations, *operation);
  auto m = value_of(kPermissions, *permission);
  if (!t || !p || !o || !m) return invalid("unknown value in ACL " + j.dump());
  b.resource_type = *t;
  b.pattern = *p;
  b.operation = *o;
  b.permission = *m;
  b.name = *name;
  b.principal = *principal;
  b.host = *host;
  KD_TRY(check_binding(b));
  return b;
}

}  // namespace

bool AclFilter::matches(const AclBinding& b) const {
  if (resource_type != ResourceType::any && resource_type != b.resource_type) return false;
  if (pattern == PatternType::match) {
    // The bindings that apply to the literal name `name`.
    if (name && !resource_matches(b, b.resource_type, *name)) return false;
  } else {
    if (pattern != PatternType::any && pattern != b.pattern) return false;
    if (name && *name != b.name) return false;
  }
  if (principal && *principal != b.principal) return false;
  if (host && *host != b.host) return false;
  if (operation != AclOperation::any && operation != b.operation) return false;
  if (permission != AclPermission::any && permission != b.permission) return false;
  return true;
}

Status check_binding(const AclBinding& b) {
  auto invalid = [](const std::string& what) { return Error(Errc::invalid_argument, what); };
  if (b.resource_type == ResourceType::any || b.resource_type == ResourceType::unknown) {
    return invalid("an ACL needs a resource type (topic, group, cluster, transactional_id)");
  }
  if (b.pattern != PatternType::literal && b.pattern != PatternType::prefixed) {
    return invalid("an ACL's pattern type must be LITERAL or PREFIXED");
  }
  if (b.operation == AclOperation::any || b.operation == AclOperation::unknown) {
    return invalid("an ACL needs an operation");
  }
  if (b.permission != AclPermission::allow && b.permission != AclPermission::deny) {
    return invalid("an ACL's permission must be ALLOW or DENY");
  }
  if (b.name.empty()) return invalid("an ACL needs a resource name");
  if (b.resource_type == ResourceType::cluster &&
      (b.pattern != PatternType::literal || b.name != kClusterName)) {
    return invalid("the cluster resource is the literal name 'kafka-cluster'");
  }
  if (b.principal.rfind("User:", 0) != 0 || b.principal.size() == 5) {
    return invalid("principal '" + b.principal + "' must be User:NAME or User:*");
  }
  if (b.host.empty()) return invalid("an ACL needs a host ('*' for any)");
  return {};
}

Status check_filter(const AclFilter& f) {
  if (f.resource_type == ResourceType::unknown || f.pattern == PatternType::unknown ||
      f.operation == AclOperation::unknown || f.permission == AclPermission::unknown) {
    return Error(Errc::invalid_argument, "an ACL filter cannot hold UNKNOWN values");
  }
  return {};
}

Result<std::unique_ptr<AclStore>> AclStore::open(std::string path) {
  auto store = std::make_unique<AclStore>(std::move(path));
  std::ifstream file(store->path_, std::ios::binary);
  if (!file) return store;  // no ACLs yet
  std::stringstream text;
  text << file.rdbuf();
  const json j = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || j.value("version", 0) != 1 || !j.contains("acls") ||
      !j["acls"].is_array()) {
    return Error(Errc::corruption, store->path_ + " is not an ACL file of version 1");
  }
  for (const auto& entry : j["acls"]) {
    auto binding = from_json(entry);
    if (!binding) {
      return Error(Errc::corruption, store->path_ + ": " + binding.error().message());
    }
    store->acls_.push_back(std::move(*binding));
  }
  return store;
}

Status AclStore::save_locked(const std::vector<AclBinding>& acls) const {
  json list = json::array();
  for (const auto& b : acls) list.push_back(to_json(b));
  return fs::write_file_atomically(*fs::posix_file_system(), path_,
                                   json{{"version", 1}, {"acls", list}}.dump(1) + "\n");
}

Status AclStore::create(const std::vector<AclBinding>& bindings) {
  for (const auto& b : bindings) KD_TRY(check_binding(b));
  std::lock_guard lock(mu_);
  std::vector<AclBinding> next = acls_;
  for (const auto& b : bindings) {
    if (std::find(next.begin(), next.end(), b) == next.end()) next.push_back(b);
  }
  KD_TRY(save_locked(next));
  acls_ = std::move(next);
  return {};
}

Result<std::vector<std::vector<AclBinding>>> AclStore::remove(
    const std::vector<AclFilter>& filters) {
  std::lock_guard lock(mu_);
  std::vector<std::vector<AclBinding>> removed(filters.size());
  std::vector<AclBinding> next;
  for (const auto& b : acls_) {
    bool matched = false;
    for (size_t i = 0; i < filters.size(); ++i) {
      if (filters[i].matches(b)) {
        removed[i].push_back(b);
        matched = true;
      }
    }
    if (!matched) next.push_back(b);
  }
  if (next.size() != acls_.size()) {
    KD_TRY(save_locked(next));
    acls_ = std::move(next);
  }
  return removed;
}

std::vector<AclBinding> AclStore::list(const AclFilter& filter) const {
  std::lock_guard lock(mu_);
  std::vector<AclBinding> out;
  for (const auto& b : acls_) {
    if (filter.matches(b)) out.push_back(b);
  }
  return out;
}

bool AclStore::allowed(std::string_view principal, std::string_view host, AclOperation operation,
                       ResourceType type, std::string_view name) const {
  std::lock_guard lock(mu_);
  bool allow = false;
  for (const auto& b : acls_) {
    if (!resource_matches(b, type, name) || !principal_matches(b, principal) ||
        !host_matches(b, host)) {
      continue;
    }
    if (b.permission == AclPermission::deny &&
        (b.operation == operation || b.operation == AclOperation::all)) {
      return false;  // a DENY wins, whatever allows it
    }
    if (b.permission == AclPermission::allow && implies(b.operation, operation)) allow = true;
  }
  return allow;
}

bool AclStore::allowed_on_any(std::string_view principal, AclOperation operation,
                              ResourceType type) const {
  std::lock_guard lock(mu_);
  for (const auto& b : acls_) {
    if (b.resource_type == type && principal_matches(b, principal) &&
        b.permission == AclPermission::allow && implies(b.operation, operation)) {
      return true;
    }
  }
  return false;
}

}  // namespace kafka_do::broker::security
