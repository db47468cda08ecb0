// The ACL rules (deny by default, DENY wins, implied DESCRIBE, literal, wildcard and prefixed
// names, User:*), the filters of DescribeAcls/DeleteAcls, and the file they persist in.
#include "broker/security/acl.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "support/temp_dir.hpp"

namespace kafka_do::broker::security {
namespace {

AclBinding binding(ResourceType type, std::string name, std::string principal, AclOperation op,
                   AclPermission permission = AclPermission::allow,
                   PatternType pattern = PatternType::literal) {
  return {.resource_type = type,
          .name = std::move(name),
          .pattern = pattern,
          .principal = std::move(principal),
          .host = "*",
          .operation = op,
          .permission = permission};
}

TEST(Acl, DenyByDefaultAllowImpliesDescribeAndDenyWins) {
  kafka_do::testing::TempDir dir;
  auto store = AclStore::open(dir / "acls.json");
  ASSERT_TRUE(store);
  AclStore& acls = **store;
  const auto may = [&](std::string_view who, AclOperation op, ResourceType type,
                       std::string_view name) {
    return acls.allowed(who, "10.0.0.1", op, type, name);
  };
  EXPECT_FALSE(may("User:alice", AclOperation::read, ResourceType::topic, "orders"));
  ASSERT_TRUE(acls.create({
      binding(ResourceType::topic, "orders", "User:alice", AclOperation::read),
      binding(ResourceType::topic, "logs.", "User:alice", AclOperation::write, AclPermission::allow,
              PatternType::prefixed),
      binding(ResourceType::topic, "logs.secret", "User:alice", AclOperation::all,
              AclPermission::deny),
      binding(ResourceType::group, "*", "User:*", AclOperation::read),
      binding(ResourceType::topic, "configs", "User:alice", AclOperation::alter_configs),
  }));
  EXPECT_TRUE(may("User:alice", AclOperation::read, ResourceType::topic, "orders"));
  EXPECT_TRUE(may("User:alice", AclOperation::describe, ResourceType::topic, "orders"));
  EXPECT_FALSE(may("User:alice", AclOperation::write, ResourceType::topic, "orders"));
  EXPECT_FALSE(may("User:bob", AclOperation::read, ResourceType::topic, "orders"));
  EXPECT_FALSE(may("User:alice", AclOperation::read, ResourceType::topic, "orders2"));
  EXPECT_TRUE(may("User:alice", AclOperation::write, ResourceType::topic, "logs.app"));
  EXPECT_FALSE(may("User:alice", AclOperation::write, ResourceType::topic, "logs"));
  EXPECT_FALSE(may("User:alice", AclOperation::write, ResourceType::topic, "logs.secret"));
  EXPECT_FALSE(may("User:alice", AclOperation::describe, ResourceType::topic, "logs.secret"));
  EXPECT_TRUE(may("User:bob", AclOperation::read, ResourceType::group, "any-group"));
  EXPECT_FALSE(may("User:bob", AclOperation::remove, ResourceType::group, "any-group"));
  EXPECT_TRUE(may("User:alice", AclOperation::describe_configs, ResourceType::topic, "configs"));
  EXPECT_FALSE(may("User:alice", AclOperation::read, ResourceType::group, "g") &&
               may("User:alice", AclOperation::read, ResourceType::cluster, kClusterName));
  EXPECT_TRUE(acls.allowed_on_any("User:alice", AclOperation::write, ResourceType::topic));
  EXPECT_FALSE(acls.allowed_on_any("User:bob", AclOperation::write, ResourceType::topic));
}

TEST(Acl, HostsArePartOfTheMatch) {
  kafka_do::testing::TempDir dir;
  auto acls = std::move(AclStore::open(dir / "acls.json")).value();
  auto b = binding(ResourceType::topic, "t", "User:alice", AclOperation::read);
  b.host = "10.0.0.1";
  ASSERT_TRUE(acls->create({b}));
  EXPECT_TRUE(
      acls->allowed("User:alice", "10.0.0.1", AclOperation::read, ResourceType::topic, "t"));
  EXPECT_FALSE(
      acls->allowed("User:alice", "10.0.0.2", AclOperation::read, ResourceType::topic, "t"));
}

TEST(Acl, FiltersSelectAndRemoveAndTheFileKeepsThem) {
  kafka_do::testing::TempDir dir;
  {
    auto acls = std::move(AclStore::open(dir / "acls.json")).value();
    ASSERT_TRUE(acls->create({
        binding(ResourceType::topic, "orders", "User:alice", AclOperation::read),
        binding(ResourceType::topic, "orders", "User:bob", AclOperation::write),
        binding(ResourceType::topic, "ord", "User:carol", AclOperation::read, AclPermission::allow,
                PatternType::prefixed),
        binding(ResourceType::group, "g", "User:alice", AclOperation::read),
    }));
    // Creating one that exists adds nothing.
    ASSERT_TRUE(
        acls->create({binding(ResourceType::group, "g", "User:alice", AclOperation::read)}));
    EXPECT_EQ(acls->list({}).size(), 4u);
    AclFilter alice;
    alice.principal = "User:alice";
    EXPECT_EQ(acls->list(alice).size(), 2u);
    AclFilter applies_to_orders;
    applies_to_orders.resource_type = ResourceType::topic;
    applies_to_orders.name = "orders";
    applies_to_orders.pattern = PatternType::match;
    EXPECT_EQ(acls->list(applies_to_orders).size(), 3u) << "both literals and the prefix";
    AclFilter literal_orders = applies_to_orders;
    literal_orders.pattern = PatternType::literal;
    EXPECT_EQ(acls->list(literal_orders).size(), 2u);

    AclFilter bob;
    bob.principal = "User:bob";
    auto removed = acls->remove({bob, alice});
    ASSERT_TRUE(removed);
    EXPECT_EQ((*removed)[0].size(), 1u);
    EXPECT_EQ((*removed)[1].size(), 2u);
  }
  auto reopened = AclStore::open(dir / "acls.json");
  ASSERT_TRUE(reopened) << reopened.error().message();
  const auto left = (*reopened)->list({});
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].principal, "User:carol");
  EXPECT_EQ(left[0].pattern, PatternType::prefixed);

  { std::ofstream(dir / "acls.json") << "{\"version\": 1, \"acls\": [{\"name\": 3}]}"; }
  auto damaged = AclStore::open(dir / "acls.json");
  ASSERT_FALSE(damaged);
  EXPECT_NE(damaged.error().message().find(dir / "acls.json"), std::string::npos);
}

TEST(Acl, InvalidBindingsAreRefused) {
  EXPECT_FALSE(check_binding(binding(ResourceType::any, "t", "User:a", AclOperation::read)));
  EXPECT_FALSE(check_binding(binding(ResourceType::topic, "", "User:a", AclOperation::read)));
  EXPECT_FALSE(check_binding(binding(ResourceType::topic, "t", "alice", AclOperation::read)));
  EXPECT_FALSE(check_binding(binding(ResourceType::topic, "t", "User:a", AclOperation::any)));
  EXPECT_FALSE(check_binding(binding(ResourceType::cluster, "x", "User:a", AclOperation::alter)));
  EXPECT_TRUE(check_binding(
      binding(ResourceType::cluster, "kafka-cluster", "User:a", AclOperation::alter)));
}

}  // namespace
}  // namespace kafka_do::broker::security
