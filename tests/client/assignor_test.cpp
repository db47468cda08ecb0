#include "client/assignor.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "coordinator/consumer_protocol.hpp"

namespace kafka_do::client {
namespace {

using coordinator::decode_assignment;
using coordinator::encode_assignment;
using kafka::TopicPartition;
using Partitions = std::vector<TopicPartition>;
using Subscriptions = std::map<std::string, Subscription>;
using Counts = std::map<std::string, int32_t>;

TopicPartition tp(const std::string& topic, int32_t partition) { return {topic, partition}; }

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(char(v));
  return out;
}

using AssignFn = Assignment (*)(const Subscriptions&, const Counts&);

// What every assignment must satisfy: each member has an entry; every partition of a topic that
// someone subscribes to goes to exactly one of its subscribers; nothing else is handed out.
void expect_valid(const Assignment& a, const Subscriptions& subs, const Counts& counts) {
  ASSERT_EQ(a.size(), subs.size());
  std::map<TopicPartition, int> owners;
  for (const auto& [member, partitions] : a) {
    ASSERT_TRUE(subs.count(member)) << member;
    const auto& topics = subs.at(member).topics;
    for (const auto& p : partitions) {
      EXPECT_NE(std::find(topics.begin(), topics.end(), p.topic), topics.end())
          << member << " got " << p.topic << " it does not subscribe to";
      ++owners[p];
    }
  }
  std::set<std::string> subscribed;
  for (const auto& [member, sub] : subs) subscribed.insert(sub.topics.begin(), sub.topics.end());
  size_t expected = 0;
  for (const auto& [topic, count] : counts) {
    if (!subscribed.count(topic)) continue;
    for (int32_t p = 0; p < count; ++p) {
      EXPECT_EQ(owners[tp(topic, p)], 1) << topic << "-" << p;
      ++expected;
    }
  }
  EXPECT_EQ(owners.size(), expected) << "partitions that do not exist were assigned";
}

size_t max_minus_min(const Assignment& a) {
  size_t lo = SIZE_MAX, hi = 0;
  for (const auto& [member, partitions] : a) {
    lo = std::min(lo, partitions.size());
    hi = std::max(hi, partitions.size());
  }
  return a.empty() ? 0 : hi - lo;
}

// The examples of Kafka's RangeAssignor and RoundRobinAssignor javadoc.
TEST(RangeAssignorTest, MatchesKafkasExample) {
  const Subscriptions subs = {{"C0", {{"t0", "t1"}}}, {"C1", {{"t0", "t1"}}}};
  const Counts counts = {{"t0", 3}, {"t1", 3}};
  const Assignment a = assign_range(subs, counts);
  EXPECT_EQ(a.at("C0"), (Partitions{tp("t0", 0), tp("t0", 1), tp("t1", 0), tp("t1", 1)}));
  EXPECT_EQ(a.at("C1"), (Partitions{tp("t0", 2), tp("t1", 2)}));
  expect_valid(a, subs, counts);
}

TEST(RangeAssignorTest, GivesContiguousRangesAndTheRemainderToTheFirstMembers) {
  const Subscriptions subs = {{"b", {{"t"}}}, {"a", {{"t"}}}, {"c", {{"t"}}}};
  const Assignment a = assign_range(subs, {{"t", 8}});
  // 8 = 3 + 3 + 2, in member id order.
  EXPECT_EQ(a.at("a"), (Partitions{tp("t", 0), tp("t", 1), tp("t", 2)}));
  EXPECT_EQ(a.at("b"), (Partitions{tp("t", 3), tp("t", 4), tp("t", 5)}));
  EXPECT_EQ(a.at("c"), (Partitions{tp("t", 6), tp("t", 7)}));
}

TEST(RangeAssignorTest, BalancesEachTopicButNotTheirSum) {
  // Range works per topic: with many one-partition topics the first member gets them all. That is
  // Kafka's behaviour too, and why round robin exists.
  const Subscriptions subs = {{"C0", {{"a", "b", "c"}}}, {"C1", {{"a", "b", "c"}}}};
  const Counts counts = {{"a", 1}, {"b", 1}, {"c", 1}};
  const Assignment a = assign_range(subs, counts);
  EXPECT_EQ(a.at("C0"), (Partitions{tp("a", 0), tp("b", 0), tp("c", 0)}));
  EXPECT_TRUE(a.at("C1").empty());
  expect_valid(a, subs, counts);
}

TEST(RangeAssignorTest, OnlySubscribersShareATopic) {
  const Subscriptions subs = {{"C0", {{"t0"}}}, {"C1", {{"t0", "t1"}}}, {"C2", {{"t1"}}}};
  const Counts counts = {{"t0", 3}, {"t1", 4}};
  const Assignment a = assign_range(subs, counts);
  EXPECT_EQ(a.at("C0"), (Partitions{tp("t0", 0), tp("t0", 1)}));
  EXPECT_EQ(a.at("C1"), (Partitions{tp("t0", 2), tp("t1", 0), tp("t1", 1)}));
  EXPECT_EQ(a.at("C2"), (Partitions{tp("t1", 2), tp("t1", 3)}));
  expect_valid(a, subs, counts);
}

TEST(RoundRobinAssignorTest, MatchesKafkasExampleWithEqualSubscriptions) {
  const Subscriptions subs = {{"C0", {{"t0", "t1"}}}, {"C1", {{"t0", "t1"}}}};
  const Counts counts = {{"t0", 3}, {"t1", 3}};
  const Assignment a = assign_round_robin(subs, counts);
  EXPECT_EQ(a.at("C0"), (Partitions{tp("t0", 0), tp("t0", 2), tp("t1", 1)}));
  EXPECT_EQ(a.at("C1"), (Partitions{tp("t0", 1), tp("t1", 0), tp("t1", 2)}));
  expect_valid(a, subs, counts);
}

TEST(RoundRobinAssignorTest, MatchesKafkasExampleWithDifferentSubscriptions) {
  const Subscriptions subs = {
      {"C0", {{"t0"}}}, {"C1", {{"t0", "t1"}}}, {"C2", {{"t0", "t1", "t2"}}}};
  const Counts counts = {{"t0", 1}, {"t1", 2}, {"t2", 3}};
  const Assignment a = assign_round_robin(subs, counts);
  EXPECT_EQ(a.at("C0"), (Partitions{tp("t0", 0)}));
  EXPECT_EQ(a.at("C1"), (Partitions{tp("t1", 0)}));
  EXPECT_EQ(a.at("C2"), (Partitions{tp("t1", 1), tp("t2", 0), tp("t2", 1), tp("t2", 2)}));
  expect_valid(a, subs, counts);
}

TEST(RoundRobinAssignorTest, SpreadsManySmallTopicsEvenly) {
  const Subscriptions subs = {{"C0", {{"a", "b", "c"}}}, {"C1", {{"a", "b", "c"}}}};
  const Counts counts = {{"a", 1}, {"b", 1}, {"c", 1}};
  const Assignment a = assign_round_robin(subs, counts);
  EXPECT_EQ(a.at("C0"), (Partitions{tp("a", 0), tp("c", 0)}));
  EXPECT_EQ(a.at("C1"), (Partitions{tp("b", 0)}));
  EXPECT_LE(max_minus_min(a), 1u);
}

class AssignorTest : public ::testing::TestWithParam<AssignFn> {};

TEST_P(AssignorTest, MoreMembersThanPartitionsLeavesTheLastOnesEmpty) {
  Subscriptions subs;
  for (const char* m : {"m1", "m2", "m3", "m4", "m5"}) subs[m] = {{"t"}};
  const Assignment a = GetParam()(subs, {{"t", 2}});
  EXPECT_EQ(a.at("m1"), (Partitions{tp("t", 0)}));
  EXPECT_EQ(a.at("m2"), (Partitions{tp("t", 1)}));
  for (const char* m : {"m3", "m4", "m5"}) {
    ASSERT_TRUE(a.count(m)) << "every member gets an entry";
    EXPECT_TRUE(a.at(m).empty()) << m;
  }
  EXPECT_LE(max_minus_min(a), 1u);
}

TEST_P(AssignorTest, UnknownTopicsAndEmptySubscriptionsGetNothing) {
  const Subscriptions subs = {{"a", {{"missing"}}}, {"b", {}}, {"c", {{"t", "missing"}}}};
  const Counts counts = {{"t", 2}, {"unsubscribed", 4}, {"empty", 0}};
  const Assignment a = GetParam()(subs, counts);
  EXPECT_TRUE(a.at("a").empty());
  EXPECT_TRUE(a.at("b").empty());
  EXPECT_EQ(a.at("c"), (Partitions{tp("t", 0), tp("t", 1)}));
  expect_valid(a, subs, counts);
  EXPECT_TRUE(GetParam()({}, counts).empty());
}

TEST_P(AssignorTest, TopicOrderAndRepeatsInASubscriptionDoNotMatter) {
  const Counts counts = {{"x", 5}, {"y", 3}};
  const Subscriptions ordered = {{"a", {{"x", "y"}}}, {"b", {{"x", "y"}}}};
  const Subscriptions shuffled = {{"b", {{"y", "x", "y"}}}, {"a", {{"y", "x", "x"}}}};
  EXPECT_EQ(GetParam()(ordered, counts), GetParam()(shuffled, counts));
}

TEST_P(AssignorTest, RandomGroupsAreValidBalancedAndDeterministic) {
  std::mt19937 rng(20240611);
  for (int round = 0; round < 300; ++round) {
    const int members = 1 + int(rng() % 9);
    const int topics = 1 + int(rng() % 5);
    Counts counts;
    for (int t = 0; t < topics; ++t) counts["t" + std::to_string(t)] = int32_t(rng() % 13);
    const bool same_topics = round % 2 == 0;
    Subscriptions subs;
    for (int m = 0; m < members; ++m) {
      Subscription s;
      for (int t = 0; t < topics; ++t)
        if (same_topics || rng() % 2) s.topics.push_back("t" + std::to_string(t));
      subs["member-" + std::to_string(rng() % 1000) + "-" + std::to_string(m)] = s;
    }
    SCOPED_TRACE("round " + std::to_string(round));
    const Assignment a = GetParam()(subs, counts);
    expect_valid(a, subs, counts);
    EXPECT_EQ(GetParam()(subs, counts), a);
    // Per topic, its subscribers' shares differ by at most one (both strategies promise that for
    // equal subscriptions; range always does).
    if (same_topics || GetParam() == &assign_range) {
      for (const auto& [topic, count] : counts) {
        size_t lo = SIZE_MAX, hi = 0;
        for (const auto& [member, partitions] : a) {
          const auto& st = subs.at(member).topics;
          if (std::find(st.begin(), st.end(), topic) == st.end()) continue;
          const auto n = size_t(std::count_if(partitions.begin(), partitions.end(),
                                              [&](const auto& p) { return p.topic == topic; }));
          lo = std::min(lo, n);
          hi = std::max(hi, n);
        }
        if (lo == SIZE_MAX) continue;  // nobody subscribes to it
        EXPECT_LE(hi - lo, 1u) << topic;
      }
    }
    // Round robin with equal subscriptions is balanced across all topics together.
    if (same_topics && GetParam() == &assign_round_robin) {
      EXPECT_LE(max_minus_min(a), 1u);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Strategies, AssignorTest,
                         ::testing::Values(&assign_range, &assign_round_robin),
                         [](const auto& info) {
                           return info.param == &assign_range ? "range" : "roundrobin";
                         });

// ConsumerProtocolAssignment v0 (Kafka's clients/src/main/resources/common/message): version
// int16, assigned_partitions [topic string(int16 length), partitions [int32]], user_data bytes
// (int32 length, -1 = null).
TEST(AssignmentCodecTest, EncodesKafkasConsumerProtocolAssignmentV0) {
  EXPECT_EQ(encode_assignment({tp("t", 0), tp("t", 1)}),
            bytes({0,    0,                            // version 0
                   0,    0,    0,    1,                // one topic
                   0,    1,    't',                    // "t"
                   0,    0,    0,    2,                // two partitions
                   0,    0,    0,    0,   0, 0, 0, 1,  // 0, 1
                   0xff, 0xff, 0xff, 0xff}));          // user data: null
  EXPECT_EQ(encode_assignment({}), bytes({0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}));
}

TEST(AssignmentCodecTest, GroupsPartitionsByTopicInTopicOrder) {
  const std::string encoded = encode_assignment({tp("b", 1), tp("a", 0), tp("b", 0)});
  EXPECT_EQ(encoded, bytes({0,    0,    0,    0,   0, 2,                             // two topics
                            0,    1,    'a',  0,   0, 0, 1, 0, 0, 0, 0,              // a: [0]
                            0,    1,    'b',  0,   0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0,  // b: [1, 0]
                            0xff, 0xff, 0xff, 0xff}));
  EXPECT_EQ(decode_assignment(encoded), (Partitions{tp("a", 0), tp("b", 1), tp("b", 0)}));
}

TEST(AssignmentCodecTest, DecodeInvertsEncode) {
  const std::vector<Partitions> cases = {
      {},
      {tp("t", 0)},
      {tp("orders", 0), tp("orders", 7), tp("payments", 3)},
      {tp("a", 2147483647), tp(std::string(249, 'x'), 0)},
  };
  for (const auto& c : cases) EXPECT_EQ(decode_assignment(encode_assignment(c)), c);
  // Every plan an assignor makes survives the trip.
  const Subscriptions subs = {{"C0", {{"t0", "t1"}}}, {"C1", {{"t1", "t2"}}}};
  for (const auto& [member, partitions] :
       assign_round_robin(subs, {{"t0", 4}, {"t1", 5}, {"t2", 6}})) {
    EXPECT_EQ(decode_assignment(encode_assignment(partitions)), partitions) << member;
  }
}

TEST(AssignmentCodecTest, NoBytesIsAnEmptyAssignment) {
  EXPECT_EQ(decode_assignment(""), Partitions{});
}

TEST(AssignmentCodecTest, ReadsLaterVersionsAndUserDataFromOtherClients) {
  // Versions 1-3 of the assignment have the same fields; a Java or librdkafka member may add
  // user data.
  const std::string v3 = bytes({0, 3, 0, 0, 0,   1,   0,  1, 't', 0, 0, 0, 1, 0, 0, 0, 5,  //
                                0, 0, 0, 3, 'x', 'y', 'z'});
  EXPECT_EQ(decode_assignment(v3), (Partitions{tp("t", 5)}));
}

TEST(AssignmentCodecTest, RefusesMalformedBytes) {
  const std::string good = encode_assignment({tp("topic", 1), tp("topic", 2)});
  // Cut anywhere inside the partitions: refused (user data after them is not needed).
  const size_t partitions_end = good.size() - 4;
  for (size_t n = 1; n < partitions_end; ++n) {
    EXPECT_EQ(decode_assignment(good.substr(0, n)), std::nullopt) << n << " bytes";
  }
  EXPECT_EQ(decode_assignment(bytes({0xff, 0xff, 0, 0, 0, 0})), std::nullopt);  // version -1
  // A topic count or partition count larger than the bytes could hold, or negative.
  EXPECT_EQ(decode_assignment(bytes({0, 0, 0x7f, 0xff, 0xff, 0xff})), std::nullopt);
  EXPECT_EQ(decode_assignment(bytes({0, 0, 0xff, 0xff, 0xff, 0xff})), std::nullopt);
  EXPECT_EQ(decode_assignment(bytes({0, 0, 0, 0, 0, 1, 0, 1, 't', 0x7f, 0xff, 0xff, 0xff})),
            std::nullopt);
  EXPECT_EQ(decode_assignment(bytes({0, 0, 0, 0, 0, 1, 0, 1, 't', 0xff, 0xff, 0xff, 0xff})),
            std::nullopt);
  // A topic name longer than what is left, or null.
  EXPECT_EQ(decode_assignment(bytes({0, 0, 0, 0, 0, 1, 0, 50, 't', 0, 0, 0, 0})), std::nullopt);
  EXPECT_EQ(decode_assignment(bytes({0, 0, 0, 0, 0, 1, 0xff, 0xff, 0, 0, 0, 0})), std::nullopt);
}

// The subscriptions the assignors read come from every member of the group, in Kafka's
// ConsumerProtocolSubscription (coordinator/consumer_protocol.hpp).
TEST(SubscriptionCodecTest, EncodesKafkasConsumerProtocolSubscriptionV0) {
  EXPECT_EQ(coordinator::encode_subscription({"a", "bc"}),
            bytes({0, 0,                       // version 0
                   0, 0, 0, 2,                 // two topics
                   0, 1, 'a', 0, 2, 'b', 'c',  // "a", "bc"
                   0xff, 0xff, 0xff, 0xff}));  // user data: null
  for (const std::vector<std::string>& topics :
       {std::vector<std::string>{}, {"t"}, {"orders", "payments", std::string(249, 'x')}}) {
    EXPECT_EQ(coordinator::decode_subscription_topics(coordinator::encode_subscription(topics)),
              topics);
  }
}

TEST(SubscriptionCodecTest, ReadsTheTopicsOfLaterVersions) {
  // Version 3 as a Java client sends it: topics, user data, owned partitions, generation, rack.
  const std::string v3 =
      bytes({0, 3, 0,   0,   0,   1,   0,   1, 't',                    // topics ["t"]
             0, 0, 0,   2,   'u', 'd',                                 // user data
             0, 0, 0,   1,   0,   1,   't', 0, 0,   0, 1, 0, 0, 0, 0,  // owned t-0
             0, 0, 0,   7,                                             // generation 7
             0, 4, 'r', 'a', 'c', 'k'});                               // rack
  EXPECT_EQ(coordinator::decode_subscription_topics(v3), (std::vector<std::string>{"t"}));
}

TEST(SubscriptionCodecTest, RefusesMalformedBytes) {
  const std::string good = coordinator::encode_subscription({"topic", "other"});
  const size_t topics_end = good.size() - 4;
  for (size_t n = 0; n < topics_end; ++n) {
    EXPECT_EQ(coordinator::decode_subscription_topics(good.substr(0, n)), std::nullopt)
        << n << " bytes";
  }
  EXPECT_EQ(coordinator::decode_subscription_topics(bytes({0xff, 0xff, 0, 0, 0, 0})), std::nullopt);
  EXPECT_EQ(coordinator::decode_subscription_topics(bytes({0, 0, 0x7f, 0xff, 0xff, 0xff})),
            std::nullopt);
  EXPECT_EQ(coordinator::decode_subscription_topics(bytes({0, 0, 0, 0, 0, 1, 0xff, 0xff})),
            std::nullopt);
}

// The leader's whole job, end to end: subscriptions as bytes in, assignments as bytes out.
TEST(AssignorEndToEndTest, SubscriptionBytesInAssignmentBytesOut) {
  const std::map<std::string, std::string> metadata = {
      {"consumer-1", coordinator::encode_subscription({"orders"})},
      {"consumer-2", coordinator::encode_subscription({"orders", "audit"})},
  };
  Subscriptions subs;
  for (const auto& [member, md] : metadata) {
    auto topics = coordinator::decode_subscription_topics(md);
    ASSERT_TRUE(topics);
    subs[member] = {*topics};
  }
  const Counts counts = {{"orders", 3}, {"audit", 1}};
  std::map<std::string, Partitions> received;
  for (const auto& [member, partitions] : assign_range(subs, counts)) {
    auto decoded = decode_assignment(encode_assignment(partitions));
    ASSERT_TRUE(decoded);
    received[member] = *decoded;
  }
  EXPECT_EQ(received.at("consumer-1"), (Partitions{tp("orders", 0), tp("orders", 1)}));
  EXPECT_EQ(received.at("consumer-2"), (Partitions{tp("audit", 0), tp("orders", 2)}));
}

}  // namespace
}  // namespace kafka_do::client
