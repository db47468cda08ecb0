#include <gtest/gtest.h>

#include <set>
#include <string>

#include "protocol/error_code.hpp"
#include "protocol/gen/messages.hpp"

namespace kafka_do::protocol {
namespace {

TEST(RegistryTest, ListsEveryImplementedApiOnce) {
  std::set<int16_t> keys;
  for (const ApiInfo& api : kApis) {
    EXPECT_TRUE(keys.insert(int16_t(api.key)).second) << api.name;
    EXPECT_LE(api.lowest_version, api.highest_version) << api.name;
    EXPECT_EQ(find_api(int16_t(api.key)), &api);
  }
  EXPECT_EQ(keys.size(), 36u);
  EXPECT_EQ(find_api(7), nullptr);
  EXPECT_EQ(find_api(-1), nullptr);
  EXPECT_STREQ(find_api(0)->name, "Produce");
  EXPECT_STREQ(find_api(18)->name, "ApiVersions");
  EXPECT_EQ(find_api(18)->first_flexible_version, 3);
  EXPECT_EQ(find_api(47)->first_flexible_version, -1);
}

TEST(RegistryTest, ApiMessagesAgreeWithTheRegistry) {
  int count = 0;
  for_each_api([&count](auto api) {
    using Api = decltype(api);
    using Request = typename Api::Request;
    using Response = typename Api::Response;
    const ApiInfo* info = find_api(Request::api_key);
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(Response::api_key, Request::api_key);
    EXPECT_EQ(info->lowest_version, Request::lowest_version) << info->name;
    EXPECT_EQ(info->highest_version, Request::highest_version) << info->name;
    EXPECT_EQ(Response::highest_version, Request::highest_version) << info->name;
    for (int16_t v = Request::lowest_version; v <= Request::highest_version; ++v) {
      EXPECT_EQ(Request::is_flexible(v), Response::is_flexible(v)) << info->name;
      EXPECT_EQ(Request::is_flexible(v),
                info->first_flexible_version >= 0 && v >= info->first_flexible_version);
    }
    ++count;
  });
  EXPECT_EQ(count, 36);
}

TEST(RegistryTest, LatestUnstableVersionsAreMarked) {
  EXPECT_TRUE(find_api(int16_t(ApiKey::end_txn))->latest_version_unstable);
  EXPECT_FALSE(find_api(int16_t(ApiKey::produce))->latest_version_unstable);
}

TEST(ErrorCodeTest, NamesFollowKafka) {
  EXPECT_STREQ(error_name(ErrorCode::none), "NONE");
  EXPECT_STREQ(error_name(ErrorCode::unknown_topic_or_partition),
               "UNKNOWN_TOPIC_OR_PARTITION");
  EXPECT_STREQ(error_name(ErrorCode(-2)), "UNKNOWN_ERROR_CODE");
  EXPECT_EQ(to_wire(ErrorCode::unsupported_version), 35);
  EXPECT_EQ(to_wire(ErrorCode::member_id_required), 79);
  EXPECT_EQ(to_wire(ErrorCode::producer_fenced), 90);
  EXPECT_EQ(to_wire(ErrorCode::unknown_server_error), -1);
}

}  // namespace
}  // namespace kafka_do::protocol
