#pragma once
// The ACL APIs' wire values <-> security/acl.hpp, shared by their three handlers.

#include <optional>
#include <string>

#include "broker/security/acl.hpp"

namespace kafka_do::broker::handlers {

// Wire bytes into the enums; false for a value outside Kafka's ranges.
inline bool acl_enums(int8_t type, int8_t pattern, int8_t operation, int8_t permission,
                      security::ResourceType& t, security::PatternType& p,
                      security::AclOperation& o, security::AclPermission& m) {
  if (type < 0 || type > 7 || pattern < 0 || pattern > 4 || operation < 0 || operation > 14 ||
      permission < 0 || permission > 3) {
    return false;
  }
  t = security::ResourceType(type);
  p = security::PatternType(pattern);
  o = security::AclOperation(operation);
  m = security::AclPermission(permission);
  return true;
}

// v0 has no pattern type: LITERAL for bindings, and for filters too (Kafka's rule).
inline int8_t pattern_or_literal(int16_t version, int8_t pattern) {
  return version == 0 ? int8_t(security::PatternType::literal) : pattern;
}

inline security::AclFilter make_filter(int8_t type, const std::optional<std::string>& name,
                                       int8_t pattern, const std::optional<std::string>& principal,
                                       const std::optional<std::string>& host, int8_t operation,
                                       int8_t permission, bool& valid) {
  security::AclFilter f;
  valid = acl_enums(type, pattern, operation, permission, f.resource_type, f.pattern, f.operation,
                    f.permission) &&
          check_filter(f);
  f.name = name;
  f.principal = principal;
  f.host = host;
  return f;
}

}  // namespace kafka_do::broker::handlers
