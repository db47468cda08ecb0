#include <gtest/gtest.h>

#include "coordinator/group_coordinator.hpp"
#include "coordinator_support.hpp"

namespace kafka_do::coordinator {
namespace {

using namespace testing;

class GroupOffsetsTest : public ::testing::TestWithParam<Backend> {
 protected:
  GroupOffsetsTest() : engine_(GetParam()) {}
  void SetUp() override {
    ASSERT_TRUE(engine_.logs().create_topic("t", 3));
    ASSERT_TRUE(engine_.logs().create_topic("u", 1));
    start();
  }
  void start(GroupOptions options = {}) {
    coordinator_.reset();
    auto c = GroupCoordinator::open(engine_.logs(), std::move(options));
    ASSERT_TRUE(c) << c.error().to_string();
    coordinator_ = std::move(*c);
  }
  void restart_engine() {
    coordinator_.reset();
    engine_.reopen();
    start();
  }
  GroupCoordinator& c() { return *coordinator_; }

  std::vector<PartitionResult> commit(const std::string& group,
                                      std::vector<OffsetCommitEntry> offsets,
                                      int32_t generation = -1, const std::string& member = {}) {
    return c().commit_offsets({group, generation, member, std::nullopt, std::move(offsets)});
  }
  int64_t fetched(const std::string& group, const std::string& topic, int32_t partition) {
    auto r = c().fetch_offsets(group, std::vector<TopicPartition>{{topic, partition}});
    EXPECT_EQ(r.error, ErrorCode::none);
    EXPECT_EQ(r.partitions.size(), 1u);
    return r.partitions.empty() ? -2 : r.partitions[0].offset;
  }
  // A one-member Stable group subscribed to `topics`; returns (member id, generation).
  std::pair<std::string, int32_t> active_member(const std::string& group,
                                                const std::vector<std::string>& topics) {
    auto r = join_now(c(), join_request(group, "", protocols({"range"}, topics)));
    EXPECT_EQ(r.error, ErrorCode::none);
    EXPECT_EQ(sync_now(c(), group, r.generation_id, r.member_id).error, ErrorCode::none);
    return {r.member_id, r.generation_id};
  }

  Engine engine_;
  std::unique_ptr<GroupCoordinator> coordinator_;
};

TEST_P(GroupOffsetsTest, SimpleConsumerCommitsAndFetches) {
  auto r = commit("g", {{"t", 0, 10, 3, "meta"}, {"t", 2, 20, -1, std::nullopt}});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].error, ErrorCode::none);
  EXPECT_EQ(r[1].error, ErrorCode::none);
  auto all = c().fetch_offsets("g", std::nullopt);
  EXPECT_EQ(all.error, ErrorCode::none);
  ASSERT_EQ(all.partitions.size(), 2u);
  EXPECT_EQ(all.partitions[0].topic, "t");
  EXPECT_EQ(all.partitions[0].partition, 0);
  EXPECT_EQ(all.partitions[0].offset, 10);
  EXPECT_EQ(all.partitions[0].leader_epoch, 3);
  EXPECT_EQ(all.partitions[0].metadata, "meta");
  EXPECT_EQ(all.partitions[1].metadata, "");  // null is stored as "" (as Kafka)
  // Partitions without a commit, unknown topics and unknown groups: -1, no error.
  EXPECT_EQ(fetched("g", "t", 1), -1);
  EXPECT_EQ(fetched("g", "nope", 0), -1);
  EXPECT_EQ(fetched("other", "t", 0), -1);
  auto none = c().fetch_offsets("other", std::nullopt);
  EXPECT_EQ(none.error, ErrorCode::none);
  EXPECT_TRUE(none.partitions.empty());
}

TEST_P(GroupOffsetsTest, CommitValidatesPartitionsAndMetadata) {
  auto r = commit("g", {{"t", 3, 1, -1, ""},
                        {"nope", 0, 1, -1, ""},
                        {"t", -1, 1, -1, ""},
                        {"t", 1, 1, -1, std::string(4097, 'x')},
                        {"t", 0, 5, -1, std::string(4096, 'x')}});
  EXPECT_EQ(r[0].error, ErrorCode::unknown_topic_or_partition);
  EXPECT_EQ(r[1].error, ErrorCode::unknown_topic_or_partition);
  EXPECT_EQ(r[2].error, ErrorCode::unknown_topic_or_partition);
  EXPECT_EQ(r[3].error, ErrorCode::offset_metadata_too_large);
  EXPECT_EQ(r[4].error, ErrorCode::none);
  EXPECT_EQ(fetched("g", "t", 0), 5);
  EXPECT_EQ(fetched("g", "t", 1), -1);
}

TEST_P(GroupOffsetsTest, GenerationMinusOneOnlyForGroupsWithoutMembers) {
  auto [member, gen] = active_member("g", {"t"});
  EXPECT_EQ(commit("g", {{"t", 0, 1}})[0].error, ErrorCode::unknown_member_id);
  EXPECT_EQ(commit("g", {{"t", 0, 1}}, gen + 1, member)[0].error, ErrorCode::illegal_generation);
  EXPECT_EQ(commit("g", {{"t", 0, 1}}, gen, "ghost")[0].error, ErrorCode::unknown_member_id);
  EXPECT_EQ(commit("g", {{"t", 0, 7}}, gen, member)[0].error, ErrorCode::none);
  EXPECT_EQ(fetched("g", "t", 0), 7);
  // Unknown group with a real generation: a member of a generation we never had.
  EXPECT_EQ(commit("nope", {{"t", 0, 1}}, 3, "m")[0].error, ErrorCode::illegal_generation);
  // Once the member is gone the group is empty: anyone may commit with -1 again.
  c().leave_group("g", {{member, std::nullopt}});
  EXPECT_EQ(c().describe_group("g").state, "Empty");
  EXPECT_EQ(commit("g", {{"t", 0, 9}})[0].error, ErrorCode::none);
  EXPECT_EQ(commit("g", {{"t", 0, 9}}, gen, member)[0].error, ErrorCode::unknown_member_id);
  EXPECT_EQ(fetched("g", "t", 0), 9);
}

TEST_P(GroupOffsetsTest, CommitDuringRebalancePhases) {
  auto a = join_now(c(), join_request("g"));
  // CompletingRebalance: the member must sync first.
  EXPECT_EQ(commit("g", {{"t", 0, 1}}, a.generation_id, a.member_id)[0].error,
            ErrorCode::rebalance_in_progress);
  sync_now(c(), "g", a.generation_id, a.member_id);
  JoinSlot b;
  c().join_group(join_request("g"), b.callback());
  // PreparingRebalance: still accepted (the heartbeat tells the member to rejoin).
  EXPECT_EQ(commit("g", {{"t", 0, 2}}, a.generation_id, a.member_id)[0].error, ErrorCode::none);
  EXPECT_EQ(fetched("g", "t", 0), 2);
}

TEST_P(GroupOffsetsTest, OffsetsSurviveEngineRestart) {
  commit("g", {{"t", 0, 10, 4, "a"}, {"t", 1, 11}, {"u", 0, 12}});
  auto [member, gen] = active_member("h", {"t"});
  commit("h", {{"t", 2, 30}}, gen, member);
  restart_engine();
  EXPECT_EQ(fetched("g", "t", 0), 10);
  EXPECT_EQ(fetched("g", "t", 1), 11);
  EXPECT_EQ(fetched("g", "u", 0), 12);
  EXPECT_EQ(fetched("h", "t", 2), 30);
  // Membership is not persisted: the old member must rejoin.
  EXPECT_EQ(heartbeat(c(), "h", member, gen), ErrorCode::unknown_member_id);
  EXPECT_EQ(c().describe_group("h").state, "Empty");
}

TEST_P(GroupOffsetsTest, OffsetsSurviveCompactionAndRestart) {
  GroupOptions options;
  start(options);
  // Small segments, so the cleaner has sealed ones to compact, and due whatever is dirty (the
  // background cleaner may get there first on a slow run; the call below finishes the job).
  ASSERT_TRUE(engine_.logs().alter_topic_config(
      "__consumer_offsets", {{"segment.bytes", "1024"}, {"min.cleanable.dirty.ratio", "0"}}));
  for (int i = 0; i < 300; ++i) {
    ASSERT_EQ(commit("g", {{"t", i % 3, i}})[0].error, ErrorCode::none);
    ASSERT_EQ(commit("g2", {{"u", 0, 1000 + i}})[0].error, ErrorCode::none);
  }
  const uint64_t written = 600 * 100;  // 600 commits of about 100 bytes
  auto cleaned = engine_.logs().clean_due(1700000000000);
  ASSERT_TRUE(cleaned) << cleaned.error().to_string();
  // 4 live offsets plus at most the 1 KiB active segment and one not yet sealed batch.
  EXPECT_LT(c().offset_store().log()->size_bytes(), written / 20);
  coordinator_.reset();
  engine_.reopen();
  start(options);
  EXPECT_EQ(fetched("g", "t", 0), 297);
  EXPECT_EQ(fetched("g", "t", 1), 298);
  EXPECT_EQ(fetched("g", "t", 2), 299);
  EXPECT_EQ(fetched("g2", "u", 0), 1299);
}

TEST_P(GroupOffsetsTest, ListDescribeAndDeleteGroups) {
  auto [member, gen] = active_member("active", {"t"});
  commit("active", {{"t", 0, 1}}, gen, member);
  commit("offsets-only", {{"t", 0, 5}});
  auto listed = c().list_groups();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].group_id, "active");
  EXPECT_EQ(listed[0].protocol_type, "consumer");
  EXPECT_EQ(listed[0].state, GroupState::stable);
  EXPECT_EQ(listed[1].group_id, "offsets-only");
  EXPECT_EQ(listed[1].state, GroupState::empty);
  EXPECT_EQ(c().list_groups({GroupState::stable}).size(), 1u);

  auto d = c().describe_group("active");
  EXPECT_EQ(d.error, ErrorCode::none);
  EXPECT_EQ(d.state, "Stable");
  EXPECT_EQ(d.protocol_type, "consumer");
  EXPECT_EQ(d.protocol, "range");
  ASSERT_EQ(d.members.size(), 1u);
  EXPECT_EQ(d.members[0].member_id, member);
  EXPECT_EQ(d.members[0].client_id, "client");
  EXPECT_EQ(d.members[0].metadata, encode_subscription({"t"}));
  EXPECT_EQ(c().describe_group("offsets-only").state, "Empty");
  auto unknown = c().describe_group("unknown");
  EXPECT_EQ(unknown.error, ErrorCode::none);
  EXPECT_EQ(unknown.state, "Dead");
  EXPECT_TRUE(unknown.members.empty());

  auto deleted = c().delete_groups({"active", "unknown", "offsets-only"});
  ASSERT_EQ(deleted.size(), 3u);
  EXPECT_EQ(deleted[0].error, ErrorCode::non_empty_group);
  EXPECT_EQ(deleted[1].error, ErrorCode::group_id_not_found);
  EXPECT_EQ(deleted[2].error, ErrorCode::none);
  EXPECT_EQ(fetched("offsets-only", "t", 0), -1);
  EXPECT_EQ(c().describe_group("offsets-only").state, "Dead");
  ASSERT_EQ(c().list_groups().size(), 1u);
  // After its member leaves, the group (and its offsets) can be deleted, durably.
  c().leave_group("active", {{member, std::nullopt}});
  EXPECT_EQ(c().delete_groups({"active"})[0].error, ErrorCode::none);
  EXPECT_TRUE(c().list_groups().empty());
  restart_engine();
  EXPECT_TRUE(c().list_groups().empty());
  EXPECT_EQ(fetched("active", "t", 0), -1);
}

TEST_P(GroupOffsetsTest, DeleteOffsetsRespectsSubscriptions) {
  auto [member, gen] = active_member("g", {"t"});
  commit("g", {{"t", 0, 1}, {"u", 0, 2}}, gen, member);
  auto r = c().delete_offsets("g", {{"t", 0}, {"u", 0}, {"nope", 0}});
  EXPECT_EQ(r.error, ErrorCode::none);
  ASSERT_EQ(r.partitions.size(), 3u);
  EXPECT_EQ(r.partitions[0].error, ErrorCode::group_subscribed_to_topic);
  EXPECT_EQ(r.partitions[1].error, ErrorCode::none);
  EXPECT_EQ(r.partitions[2].error, ErrorCode::unknown_topic_or_partition);
  EXPECT_EQ(fetched("g", "t", 0), 1);
  EXPECT_EQ(fetched("g", "u", 0), -1);
  EXPECT_EQ(c().delete_offsets("unknown", {{"t", 0}}).error, ErrorCode::group_id_not_found);
  // Empty group: everything may go.
  c().leave_group("g", {{member, std::nullopt}});
  EXPECT_EQ(c().delete_offsets("g", {{"t", 0}}).partitions[0].error, ErrorCode::none);
  EXPECT_EQ(fetched("g", "t", 0), -1);
}

TEST_P(GroupOffsetsTest, NonConsumerGroupsCannotDeleteOffsetsWhileActive) {
  auto req = join_request("connect-group");
  req.protocol_type = "connect";
  auto r = join_now(c(), req);
  sync_now(c(), "connect-group", r.generation_id, r.member_id);
  commit("connect-group", {{"t", 0, 1}}, r.generation_id, r.member_id);
  EXPECT_EQ(c().delete_offsets("connect-group", {{"t", 0}}).error, ErrorCode::non_empty_group);
}

TEST_P(GroupOffsetsTest, OffsetsOfDeletedTopicsDisappear) {
  commit("g", {{"t", 0, 10}, {"u", 0, 20}});
  ASSERT_TRUE(engine_.logs().delete_topic("u"));
  // Hidden at once...
  auto all = c().fetch_offsets("g", std::nullopt);
  ASSERT_EQ(all.partitions.size(), 1u);
  EXPECT_EQ(all.partitions[0].topic, "t");
  EXPECT_EQ(fetched("g", "u", 0), -1);
  // ...and tombstoned by the purge, so a topic recreated under the name starts clean.
  auto purged = c().purge_deleted_topics();
  ASSERT_TRUE(purged);
  EXPECT_EQ(*purged, 1u);
  ASSERT_TRUE(engine_.logs().create_topic("u", 1));
  EXPECT_EQ(fetched("g", "u", 0), -1);
  commit("g", {{"u", 0, 3}});
  ASSERT_TRUE(c().on_topic_deleted("u"));
  EXPECT_EQ(fetched("g", "u", 0), -1);
  restart_engine();
  EXPECT_EQ(fetched("g", "t", 0), 10);
  EXPECT_EQ(fetched("g", "u", 0), -1);
}

TEST_P(GroupOffsetsTest, PurgeRunsOnTheTimerThread) {
  GroupOptions options;
  options.offsets_purge_interval = std::chrono::milliseconds(20);
  start(options);
  commit("g", {{"u", 0, 20}});
  ASSERT_TRUE(engine_.logs().delete_topic("u"));
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (c().offset_store().has_group("g") && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_FALSE(c().offset_store().has_group("g"));
}

TEST_P(GroupOffsetsTest, CallsAfterTheEngineClosedFailCleanly) {
  commit("g", {{"t", 0, 1}});
  ASSERT_TRUE(engine_.logs().close());  // closed, not destroyed: the coordinator still refers to it
  auto stored = c().offset_store().commit("g", {{{"t", 0}, {2, -1, "", 0}}});
  ASSERT_FALSE(stored);
  EXPECT_EQ(stored.error().code(), Errc::closed);
  for (const auto& r : commit("g", {{"t", 0, 2}})) {
    EXPECT_TRUE(r.error == ErrorCode::coordinator_not_available ||
                r.error == ErrorCode::unknown_topic_or_partition);
  }
  EXPECT_EQ(fetched("g", "t", 0), -1);  // the topic is gone with the engine
  coordinator_.reset();
  engine_.open();
}

INSTANTIATE_TEST_SUITE_P(Backends, GroupOffsetsTest,
                         ::testing::Values(Backend::posix, Backend::memory), backend_name);

}  // namespace
}  // namespace kafka_do::coordinator
