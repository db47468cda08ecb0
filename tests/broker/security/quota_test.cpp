// The quota bucket: a second's burst, then the rate; keys and directions apart; the throttle is
// the time to pay the debt back.
#include "broker/security/quota.hpp"

#include <gtest/gtest.h>

#include "broker/security/key_store.hpp"

namespace kafka_do::broker::security {
namespace {

using std::chrono::milliseconds;

TEST(Quotas, BurstThenRateAndTheThrottlePaysTheDebt) {
  Quotas quotas;
  const auto t0 = Quotas::Clock::time_point() + std::chrono::hours(1);
  const auto produce = QuotaDirection::produce;
  // 1000 B/s: the first second's worth passes, then 500 B over is half a second of throttle.
  EXPECT_EQ(quotas.charge("a", produce, 1000, 1000, t0), milliseconds(0));
  EXPECT_EQ(quotas.charge("a", produce, 500, 1000, t0), milliseconds(501));
  // Other keys and the other direction have their own buckets.
  EXPECT_EQ(quotas.charge("b", produce, 1000, 1000, t0), milliseconds(0));
  EXPECT_EQ(quotas.charge("a", QuotaDirection::fetch, 1000, 1000, t0), milliseconds(0));
  // After the throttle the debt is paid; a second later the bucket holds a second again, never
  // more.
  EXPECT_EQ(quotas.charge("a", produce, 0, 1000, t0 + milliseconds(600)), milliseconds(0));
  EXPECT_EQ(quotas.charge("a", produce, 100, 1000, t0 + milliseconds(700)), milliseconds(0));
  EXPECT_EQ(quotas.charge("a", produce, 1000, 1000, t0 + std::chrono::seconds(60)),
            milliseconds(0));
  EXPECT_GT(quotas.charge("a", produce, 10, 1000, t0 + std::chrono::seconds(60)), milliseconds(0));
  // No quota, no charge.
  EXPECT_EQ(quotas.charge("c", produce, 1 << 30, 0, t0), milliseconds(0));
}

TEST(Quotas, AKeysQuotasRoundTripInTheKeyFile) {
  KeyStore store;
  ApiKey key = make_api_key("limited", "pw", false);
  key.produce_quota = 1000000;
  key.fetch_quota = 2000000;
  ASSERT_TRUE(store.add(std::move(key)));
  ASSERT_TRUE(store.add(make_api_key("free", "pw", true)));
  auto parsed = KeyStore::parse(store.serialize(), "keys");
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(parsed->find("limited")->produce_quota, 1000000);
  EXPECT_EQ(parsed->find("limited")->fetch_quota, 2000000);
  EXPECT_FALSE(parsed->find("free")->produce_quota.has_value());
  std::string text = store.serialize();
  text.replace(text.find("fetch_quota=2000000"), 19, "fetch_quota=fast!!!");
  auto broken = KeyStore::parse(text, "keys");
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message().find("fetch_quota=BYTES_PER_SECOND"), std::string::npos);
}

}  // namespace
}  // namespace kafka_do::broker::security
