#pragma once
// Permissions of keys that are not superusers: Kafka's ACL model, so that Kafka's admin clients
// manage them with DescribeAcls / CreateAcls / DeleteAcls.
//
// A binding lets (ALLOW) or forbids (DENY) a principal ("User:NAME", or "User:*" for every key)
// an operation on resources of one type whose name is a literal ("orders", or "*" for all) or a
// prefix ("orders." matches "orders.eu"). A key may do what some ALLOW binding lets it and no
// DENY binding forbids; nothing else (deny by default). READ, WRITE, DELETE and ALTER imply
// DESCRIBE; ALTER_CONFIGS implies DESCRIBE_CONFIGS; ALL is every operation.
//
// Persistence: `acls.json` in the data directory, the whole list, rewritten (temporary file,
// fsync, rename) on every change:
//   {"version": 1, "acls": [{"resource_type": "topic", "name": "orders", "pattern": "literal",
//     "principal": "User:alice", "host": "*", "operation": "read", "permission": "allow"}]}

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace kafka_do::broker::security {

// Kafka's wire values (org.apache.kafka.common.resource / acl).
enum class ResourceType : int8_t {
  unknown = 0,
  any = 1,
  topic = 2,
  group = 3,
  cluster = 4,
  transactional_id = 5,
  delegation_token = 6,
  user = 7
};
enum class PatternType : int8_t { unknown = 0, any = 1, match = 2, literal = 3, prefixed = 4 };
enum class AclOperation : int8_t {
  unknown = 0,
  any = 1,
  all = 2,
  read = 3,
  write = 4,
  create = 5,
  remove = 6,
  alter = 7,
  describe = 8,
  cluster_action = 9,
  describe_configs = 10,
  alter_configs = 11,
  idempotent_write = 12,
  create_tokens = 13,
  describe_tokens = 14
};
enum class AclPermission : int8_t { unknown = 0, any = 1, deny = 2, allow = 3 };

// The cluster resource's only name.
constexpr std::string_view kClusterName = "kafka-cluster";

struct AclBinding {
  ResourceType resource_type = ResourceType::topic;
  std::string name;
  PatternType pattern = PatternType::literal;
  std::string principal;  // "User:NAME" or "User:*"
  std::string host = "*";
  AclOperation operation = AclOperation::read;
  AclPermission permission = AclPermission::allow;
  bool operator==(const AclBinding&) const = default;
};

// What DescribeAcls and DeleteAcls select: unset fields (and the ANY values) match everything;
// pattern MATCH selects the bindings that would apply to the literal name given.
struct AclFilter {
  ResourceType resource_type = ResourceType::any;
  std::optional<std::string> name;
  PatternType pattern = PatternType::any;
  std::optional<std::string> principal;
  std::optional<std::string> host;
  AclOperation operation = AclOperation::any;
  AclPermission permission = AclPermission::any;

  bool matches(const AclBinding& binding) const;
};

// invalid_argument naming what is wrong with a binding to create (ANY/UNKNOWN values, an empty
// name, a principal not of the form User:NAME, a prefixed cluster).
Status check_binding(const AclBinding& binding);
// invalid_argument for a filter with UNKNOWN values.
Status check_filter(const AclFilter& filter);

// Thread-safe.
class AclStore {
 public:
  // Reads `path` (absent: no ACLs); fails on a damaged file, naming it.
  static Result<std::unique_ptr<AclStore>> open(std::string path);

  // Adds the bindings not there already, then persists; all or nothing.
  Status create(const std::vector<AclBinding>& bindings);
  // Removes every binding any of `filters` matches, then persists; returns them per filter.
  Result<std::vector<std::vector<AclBinding>>> remove(const std::vector<AclFilter>& filters);
  std::vector<AclBinding> list(const AclFilter& filter) const;

  // Whether `principal` ("User:NAME") from `host` may do `operation` on the resource.
  bool allowed(std::string_view principal, std::string_view host, AclOperation operation,
               ResourceType type, std::string_view name) const;
  // Whether some binding lets `principal` do `operation` on some resource of `type` (Kafka's
  // rule for idempotent producers: WRITE on any topic).
  bool allowed_on_any(std::string_view principal, AclOperation operation, ResourceType type) const;

  explicit AclStore(std::string path) : path_(std::move(path)) {}

 private:
  Status save_locked(const std::vector<AclBinding>& acls) const;

  const std::string path_;
  mutable std::mutex mu_;
  std::vector<AclBinding> acls_;
};

}  // namespace kafka_do::broker::security
