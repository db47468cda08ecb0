// Consumer groups through the public API: members split partitions, rebalance when one joins,
// leaves, closes or goes silent, and committed work is never delivered again.
#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <thread>

#include "sdk_fixture.hpp"

namespace kafka_do::sdk_test {
namespace {

class GroupTest : public SdkTest {
 protected:
  kafka::ConsumerOptions fast(const std::string& group) {
    return {.group = group,
            .offset = kafka::Offset::earliest,
            .auto_commit = false,
            .session_timeout = 1s,
            .heartbeat_interval = 50ms};
  }
};

std::set<kafka::TopicPartition> as_set(const std::vector<kafka::TopicPartition>& v) {
  return {v.begin(), v.end()};
}

TEST_P(GroupTest, MembersSplitPartitionsAndAClosedMemberHandsThemOver) {
  client().admin().create_topic("orders", {.partitions = 6});
  auto a = client().consumer("orders", fast("split"));
  auto b = client().consumer("orders", fast("split"));
  // Each member's poll drives its membership: poll both until the group settles with 3 + 3.
  ASSERT_TRUE(eventually([&] {
    a.poll(10ms);
    b.poll(10ms);
    return a.assignment().size() == 3 && b.assignment().size() == 3;
  }));
  auto sa = as_set(a.assignment());
  auto sb = as_set(b.assignment());
  for (const auto& tp : sa) EXPECT_FALSE(sb.count(tp)) << "partition assigned twice";
  b.close();
  ASSERT_TRUE(eventually([&] {
    a.poll(10ms);
    return a.assignment().size() == 6;
  }));
}

TEST_P(GroupTest, SilentMemberIsRemovedAfterSessionTimeoutAndRejoinsWhenItPollsAgain) {
  client().admin().create_topic("orders", {.partitions = 4});
  auto a = client().consumer("orders", fast("silent"));
  auto b = client().consumer("orders", fast("silent"));
  ASSERT_TRUE(eventually([&] {
    a.poll(10ms);
    b.poll(10ms);
    return a.assignment().size() == 2 && b.assignment().size() == 2;
  }));
  // b stops polling: after its 1 s session the group gives everything to a.
  ASSERT_TRUE(eventually([&] {
    a.poll(20ms);
    return a.assignment().size() == 4;
  }));
  // b polls again: it finds itself removed, rejoins, and the partitions are split again.
  ASSERT_TRUE(eventually([&] {
    a.poll(10ms);
    b.poll(10ms);
    return a.assignment().size() == 2 && b.assignment().size() == 2;
  }));
}

TEST_P(GroupTest,
       ThreeConsumersOnSixPartitionsWhileProducingReadEveryRecordAndNeverRereadCommittedOnes) {
  constexpr int kRounds = 10;
  constexpr int kPerRound = 300;
  client().admin().create_topic("stream", {.partitions = 6});
  std::mutex mu;
  std::map<std::pair<int32_t, int64_t>, int> deliveries;
  std::set<std::pair<int32_t, int64_t>> committed;
  std::map<int, int> per_member;
  int redelivered_after_commit = 0;
  std::atomic<int> unique{0};
  std::array<std::atomic<bool>, 5> assigned{};

  // A member polls and commits each record; `leave` makes it close mid-stream (a rebalance).
  auto member = [&](std::stop_token stop, int id, std::atomic<bool>* leave) {
    auto consumer = client().consumer("stream", fast("stream-group"));
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (!stop.stop_requested() && !(leave && *leave) &&
           std::chrono::steady_clock::now() < deadline) {
      auto records = consumer.poll(20ms);
      assigned[size_t(id)] = !consumer.assignment().empty();
      for (auto& r : records) {
        const auto key = std::make_pair(r.partition(), r.offset());
        {
          std::lock_guard lock(mu);
          if (committed.count(key)) ++redelivered_after_commit;
          if (deliveries[key]++ == 0) ++unique;
          ++per_member[id];
        }
        try {
          r.commit();
          std::lock_guard lock(mu);
          committed.insert(key);
        } catch (const kafka::RebalanceInProgressError&) {
          // The partition moved before the commit: its new owner gets the record again.
        }
      }
    }
  };

  auto p = client().producer("stream", {.linger = 1ms});
  int produced = 0;
  auto round = [&] {
    for (int i = 0; i < kPerRound; ++i, ++produced)
      p.send({{"n", produced}}, {.key = "k" + std::to_string(produced % 97)});
    p.flush();
    ASSERT_TRUE(eventually([&] { return unique.load() == produced; }, 30s))
        << unique.load() << " of " << produced;
  };
  std::atomic<bool> leave{false};
  auto joined = [&](int id) {
    ASSERT_TRUE(eventually([&] { return assigned[size_t(id)].load(); })) << id;
  };
  std::jthread first(member, 1, nullptr);
  joined(1);
  round();
  std::jthread second(member, 2, nullptr);  // joins while records keep coming
  joined(2);
  round();
  std::jthread leaver(member, 3, &leave);
  joined(3);
  round();
  std::jthread third(member, 4, nullptr);
  joined(4);
  round();
  round();
  leave = true;  // a member closes mid-stream
  leaver.join();
  for (int r = 5; r < kRounds; ++r) round();
  first.request_stop();
  second.request_stop();
  third.request_stop();
  first.join();
  second.join();
  third.join();

  std::lock_guard lock(mu);
  EXPECT_EQ(redelivered_after_commit, 0);
  EXPECT_EQ(deliveries.size(), size_t(kRounds * kPerRound));
  std::map<int32_t, int64_t> next;
  for (const auto& [key, count] : deliveries) {
    EXPECT_EQ(key.second, next[key.first]++) << "gap in partition " << key.first;
  }
  EXPECT_EQ(next.size(), 6u);
  // The work was shared: every member that stayed got records.
  EXPECT_GT(per_member[1], 0);
  EXPECT_GT(per_member[2], 0);
  EXPECT_GT(per_member[4], 0);
}

TEST_P(GroupTest, DescribeGroupShowsMembersAssignmentsAndExactLag) {
  auto admin = client().admin();
  admin.create_topic("lagged", {.partitions = 2});
  client().producer("lagged", [](kafka::Producer& p) {
    for (int i = 0; i < 10; ++i) p.send(i, {.partition = 0});
    for (int i = 0; i < 5; ++i) p.send(i, {.partition = 1});
  });
  auto consumer = client().consumer("lagged", fast("lag-group"));
  int committed = 0;
  while (committed < 3) {
    for (auto& r : consumer.poll(100ms)) {
      if (r.partition() == 0 && committed < 3 && r.offset() == committed) {
        r.commit();
        ++committed;
      }
    }
  }
  const auto d = admin.describe_group("lag-group");
  EXPECT_EQ(d.state, "Stable");
  ASSERT_EQ(d.members.size(), 1u);
  EXPECT_EQ(as_set(d.members[0].assignment),
            (std::set<kafka::TopicPartition>{{"lagged", 0}, {"lagged", 1}}));
  std::map<int32_t, kafka::PartitionLag> lag;
  for (const auto& p : d.partitions) lag[p.partition] = p;
  EXPECT_EQ(lag[0].committed, 3);
  EXPECT_EQ(lag[0].end_offset, 10);
  EXPECT_EQ(lag[0].lag, 7);
  EXPECT_EQ(lag[1].committed, -1);
  EXPECT_EQ(lag[1].lag, 5);
  EXPECT_EQ(d.total_lag, 12);
  const auto groups = admin.list_groups();
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].id, "lag-group");
  EXPECT_EQ(groups[0].member_count, 1);
}

TEST_P(GroupTest, ResetOffsetsIsRefusedWhileMembersAreActiveAndWorksWhenEmpty) {
  auto admin = client().admin();
  const auto base = std::chrono::system_clock::now() - 1h;
  client().producer("replay", [&](kafka::Producer& p) {
    for (int i = 0; i < 10; ++i) p.send(i, {.timestamp = base + std::chrono::minutes(i)});
  });
  {
    auto consumer = client().consumer("replay", fast("resetters"));
    for (auto& r : consumer | std::views::take(10)) r.commit();
    try {
      admin.reset_offsets("resetters", "replay", kafka::Offset::earliest);
      FAIL() << "reset of an active group must be refused";
    } catch (const kafka::GroupCoordinatorError& e) {
      EXPECT_EQ(e.code(), kafka::ErrorCode::non_empty_group);
    }
  }
  EXPECT_EQ(admin.describe_group("resetters").total_lag, 0);
  admin.reset_offsets("resetters", "replay", kafka::Offset::earliest);
  EXPECT_EQ(admin.describe_group("resetters").total_lag, 10);
  admin.reset_offsets("resetters", "replay", kafka::Offset::at(base + 6min + 30s));
  EXPECT_EQ(admin.describe_group("resetters").total_lag, 3);
  {
    auto consumer = client().consumer("replay", fast("resetters"));
    EXPECT_EQ(consumer.first(10s).value(), 7);
  }
  admin.reset_offsets("resetters", "replay", kafka::Offset::latest);
  EXPECT_EQ(admin.describe_group("resetters").total_lag, 0);
}

TEST_P(GroupTest, ResetToAnOffsetOrByAShiftWithADryRunPlan) {
  auto admin = client().admin();
  admin.create_topic("shift", {.partitions = 2});
  client().producer("shift", [&](kafka::Producer& p) {
    for (int i = 0; i < 10; ++i) p.send(i, {.partition = i % 2});  // 5 per partition
  });
  admin.reset_offsets("shifters", "shift", kafka::OffsetReset::to_offset(3));
  EXPECT_EQ(admin.describe_group("shifters").total_lag, 4);
  // A dry run returns the plan and commits nothing.
  const auto plan = admin.reset_offsets("shifters", "shift", kafka::OffsetReset::shift_by(-2),
                                        /*dry_run=*/true);
  ASSERT_EQ(plan.size(), 2u);
  for (const auto& c : plan) {
    EXPECT_EQ(c.topic, "shift");
    EXPECT_EQ(c.from, 3);
    EXPECT_EQ(c.to, 1);
  }
  EXPECT_EQ(admin.describe_group("shifters").total_lag, 4);
  admin.reset_offsets("shifters", "shift", kafka::OffsetReset::shift_by(-2));
  EXPECT_EQ(admin.describe_group("shifters").total_lag, 8);
  // Shifts and offsets are clamped to the log.
  admin.reset_offsets("shifters", "shift", kafka::OffsetReset::shift_by(-100));
  EXPECT_EQ(admin.describe_group("shifters").total_lag, 10);
  const auto past = admin.reset_offsets("shifters", "shift", kafka::OffsetReset::to_offset(99));
  EXPECT_EQ(past[0].to, 5);
  EXPECT_EQ(admin.describe_group("shifters").total_lag, 0);
}

TEST_P(GroupTest, PartitionInfoHasEachPartitionsOffsets) {
  auto admin = client().admin();
  admin.create_topic("info", {.partitions = 3, .config = {{"retention.ms", "3600000"}}});
  client().producer("info", [&](kafka::Producer& p) {
    for (int i = 0; i < 7; ++i) p.send(i, {.partition = 1});
  });
  const auto info = admin.describe_topic("info");
  ASSERT_EQ(info.partition_info.size(), 3u);
  EXPECT_EQ(info.partition_info[1].partition, 1);
  EXPECT_EQ(info.partition_info[1].log_start_offset, 0);
  EXPECT_EQ(info.partition_info[1].high_watermark, 7);
  EXPECT_EQ(info.partition_info[1].last_stable_offset, 7);
  EXPECT_EQ(info.partition_info[0].high_watermark, 0);
  if (GetParam() == Backend::kafka) {
    EXPECT_EQ(info.partition_info[1].size_bytes, -1);  // no DescribeLogDirs in librdkafka 2.0
  } else {
    EXPECT_GT(info.partition_info[1].size_bytes, 0);
  }
  EXPECT_EQ(info.overrides, std::vector<std::string>{"retention.ms"});
}

// Manual assignment: exactly the partitions asked for, from the offsets asked for, no group.
TEST_P(GroupTest, AssignedPartitionsAreReadWithoutAGroup) {
  auto admin = client().admin();
  admin.create_topic("assigned", {.partitions = 3});
  client().producer("assigned", [&](kafka::Producer& p) {
    for (int i = 0; i < 30; ++i) p.send(i, {.partition = i % 3});
  });
  auto consumer =
      client().consumer("ignored", {.assign = {{"assigned", 0, 6}, {"assigned", 2, std::nullopt}},
                                    .offset = kafka::Offset::earliest});
  std::vector<int> got;
  ASSERT_TRUE(eventually([&] {
    for (auto& r : consumer.poll(50ms)) got.push_back(r.value<int>());
    return got.size() >= 4 + 10;
  }));
  std::sort(got.begin(), got.end());
  std::vector<int> expected;
  for (int i = 0; i < 30; ++i) {
    if ((i % 3 == 0 && i >= 18) || i % 3 == 2) expected.push_back(i);  // offset 6 of p0 is 18
  }
  EXPECT_EQ(got, expected);
  EXPECT_EQ(as_set(consumer.assignment()),
            (std::set<kafka::TopicPartition>{{"assigned", 0}, {"assigned", 2}}));
  ASSERT_TRUE(eventually([&] {
    const auto lag = consumer.lag();
    return lag.size() == 2 &&
           std::all_of(lag.begin(), lag.end(), [](const auto& kv) { return kv.second == 0; });
  }));
  EXPECT_THROW(consumer.commit(), kafka::ConfigError);  // no group to commit to
  for (const auto& g : admin.list_groups()) EXPECT_EQ(g.id.find("manual"), std::string::npos);
  EXPECT_THROW(client().consumer("assigned", kafka::ConsumerOptions{}), kafka::ConfigError);
}

TEST_P(GroupTest, DeleteGroupIsRefusedWhileActiveAndForgetsOffsetsAfter) {
  auto admin = client().admin();
  client().producer("t", [](kafka::Producer& p) { p.send(1); });
  {
    auto consumer = client().consumer("t", fast("doomed"));
    consumer.first(10s).commit();
    EXPECT_THROW(admin.delete_group("doomed"), kafka::GroupCoordinatorError);
  }
  admin.delete_group("doomed");
  for (const auto& g : admin.list_groups()) EXPECT_EQ(g.id.find("manual"), std::string::npos);
  EXPECT_THROW(admin.delete_group("doomed"), kafka::GroupCoordinatorError);
}

INSTANTIATE_TEST_SUITE_P(Backends, GroupTest,
                         ::testing::Values(Backend::memory, Backend::file, Backend::kafka),
                         backend_name);

}  // namespace
}  // namespace kafka_do::sdk_test
