#include "base/murmur2.hpp"

#include <gtest/gtest.h>

namespace kafka_do {
namespace {

// Hash values from Apache Kafka's UtilsTest.testMurmur2 (Java client), which fixes the
// partitioner's behaviour across clients.
TEST(Murmur2Test, MatchesJavaClientHashes) {
  EXPECT_EQ(murmur2("21", 2), -973932308);
  EXPECT_EQ(murmur2("foobar", 6), -790332482);
  EXPECT_EQ(murmur2("a-little-bit-long-string", 24), -985981536);
  EXPECT_EQ(murmur2("a-little-bit-longer-string", 26), -1486304829);
  EXPECT_EQ(murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", 48), -58897971);
  const char abc[] = {'a', 'b', 'c'};
  EXPECT_EQ(murmur2(abc, 3), 479470107);
}

TEST(Murmur2Test, PartitionIsPositiveHashModuloCount) {
  // toPositive(-973932308) = -973932308 & 0x7fffffff = 1173551340; 1173551340 % 3 = 0.
  EXPECT_EQ(partition_for_key("21", 3), 1173551340 % 3);
  EXPECT_EQ(partition_for_key("foobar", 7), (-790332482 & 0x7fffffff) % 7);
  for (int n = 1; n < 50; ++n) {
    const int32_t p = partition_for_key("customer-456", n);
    EXPECT_GE(p, 0);
    EXPECT_LT(p, n);
  }
}

}  // namespace
}  // namespace kafka_do
