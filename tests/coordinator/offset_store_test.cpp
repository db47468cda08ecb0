#include "coordinator/offset_store.hpp"

#include <gtest/gtest.h>

#include "coordinator/offset_record.hpp"
#include "coordinator_support.hpp"
#include "model/record_batch.hpp"

namespace kafka_do::coordinator {
namespace {

using testing::Backend;
using testing::Engine;
namespace rec = offset_record;

CommittedOffset at(int64_t offset, std::optional<std::string> metadata = "m") {
  return {offset, 7, std::move(metadata), 1700000000000};
}

class OffsetStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  OffsetStoreTest() : engine_(GetParam()) {}

  std::unique_ptr<OffsetStore> open(OffsetStoreOptions options = {}) {
    auto s = OffsetStore::open(engine_.logs(), options);
    EXPECT_TRUE(s) << s.error().to_string();
    return s ? std::move(*s) : nullptr;
  }

  // Appends raw records to the store's partition, as a crashed writer would have left them.
  void append_raw(const std::vector<std::pair<std::string, std::optional<std::string>>>& records) {
    auto log = engine_.logs().partition("__consumer_offsets", 0);
    ASSERT_TRUE(log);
    model::BatchBuilder b;
    for (const auto& [k, v] : records) {
      if (v) {
        b.add(1, k, std::string_view(*v));
      } else {
        b.add(1, k, std::nullopt);
      }
    }
    auto batch = b.build();
    ASSERT_TRUE(batch);
    ASSERT_TRUE((*log)->append(*batch));
  }

  Engine engine_;
};

TEST_P(OffsetStoreTest, CommitsAndDeletesSurviveReopen) {
  {
    auto s = open();
    ASSERT_TRUE(s->commit(
        "g1", {{{"t", 0}, at(10)}, {{"t", 1}, at(11, std::nullopt)}, {{"u", 0}, at(12)}}));
    ASSERT_TRUE(s->commit("g1", {{{"t", 0}, at(20)}}));
    ASSERT_TRUE(s->commit("g2", {{{"t", 0}, at(5)}}));
    auto removed = s->remove("g1", {{"u", 0}, {"nope", 3}});
    ASSERT_TRUE(removed);
    EXPECT_EQ(*removed, 1u);
    ASSERT_TRUE(s->commit("g3", {{{"t", 0}, at(1)}}));
    ASSERT_TRUE(s->remove_group("g3"));
  }
  engine_.reopen();
  auto s = open();
  EXPECT_EQ(s->groups(), (std::vector<std::string>{"g1", "g2"}));
  EXPECT_EQ(s->get("g1", {"t", 0}), at(20));
  EXPECT_EQ(s->get("g1", {"t", 1}), at(11, std::nullopt));
  EXPECT_FALSE(s->get("g1", {"u", 0}));
  EXPECT_EQ(s->get("g2", {"t", 0}), at(5));
  EXPECT_FALSE(s->has_group("g3"));
  EXPECT_TRUE(s->recovery_report().empty());
}

TEST_P(OffsetStoreTest, CompactionBoundsWhatARestartReplays) {
  // 100k commits over 100 partitions: after the cleaner has run, a restart replays about one
  // record per live offset plus the active segment, not the commits.
  OffsetStoreOptions options;
  options.segment_bytes = 64 << 10;
  std::map<int32_t, int64_t> expected;
  {
    auto s = open(options);
    EXPECT_TRUE(s->log()->config().compacts());
    for (int i = 0; i < 100'000; ++i) {
      const int32_t p = i % 100;
      ASSERT_TRUE(s->commit("g", {{{"t", p}, at(i)}}));
      expected[p] = i;
    }
    ASSERT_TRUE(s->commit("doomed", {{{"t", 0}, at(1)}}));
    ASSERT_TRUE(s->remove_group("doomed"));
    // Due whatever is dirty: the engine's background cleaner may already have cleaned part of
    // it (a slow run takes longer than its 15 s backoff), and this call must finish the job.
    ASSERT_TRUE(engine_.logs().alter_topic_config("__consumer_offsets",
                                                  {{"min.cleanable.dirty.ratio", "0"}}));
    auto cleaned = engine_.logs().clean_due(1700000000000);
    ASSERT_TRUE(cleaned) << cleaned.error().to_string();
  }
  engine_.reopen();
  auto s = open(options);
  ASSERT_EQ(s->groups(), (std::vector<std::string>{"g"}));
  for (const auto& [p, offset] : expected) {
    auto got = s->get("g", {"t", p});
    ASSERT_TRUE(got);
    EXPECT_EQ(got->offset, offset);
  }
  EXPECT_TRUE(s->recovery_report().empty()) << s->recovery_report().front();
  const auto stats = s->stats();
  // 100 live offsets, a tombstone, and at most one active segment of 64 KiB (~60-byte records).
  EXPECT_LT(stats.records_replayed, 100u + 1 + (64u << 10) / 50) << stats.records_replayed;
  EXPECT_LT(stats.bytes_replayed, 2u * (64u << 10)) << stats.bytes_replayed;
}

TEST_P(OffsetStoreTest, APartitionOfAnEarlierVersionIsMigratedOnce) {
  // An earlier version's partition: no compaction, commits plus a complete snapshot.
  ASSERT_TRUE(engine_.logs().create_topic("__consumer_offsets", 1, {{"retention.ms", "-1"}}));
  append_raw({{rec::encode_offset_key(rec::Type::offset_commit, "g", {"t", 0}),
               rec::encode_offset_value(at(1))},
              {rec::encode_offset_key(rec::Type::offset_commit, "g", {"t", 1}),
               rec::encode_offset_value(at(2))}});
  append_raw(
      {{rec::encode_marker_key(rec::Type::snapshot_begin, 1), rec::encode_marker_value({1, 1})},
       {rec::encode_offset_key(rec::Type::snapshot_entry, "g", {"t", 0}),
        rec::encode_offset_value(at(5))},
       {rec::encode_marker_key(rec::Type::snapshot_end, 1), rec::encode_marker_value({1, 1})}});
  append_raw({{rec::encode_offset_key(rec::Type::offset_commit, "g", {"t", 2}),
               rec::encode_offset_value(at(7))}});
  {
    auto s = open();
    EXPECT_TRUE(s->stats().migrated);
    EXPECT_TRUE(s->log()->config().compacts());
    EXPECT_EQ(s->log()->log_start_offset(), 6);  // the history before the rewrite is gone
    EXPECT_EQ(s->get("g", {"t", 0}), at(5));
    EXPECT_FALSE(s->get("g", {"t", 1}));  // the snapshot superseded it
    EXPECT_EQ(s->get("g", {"t", 2}), at(7));
  }
  engine_.reopen();
  auto s = open();
  EXPECT_FALSE(s->stats().migrated);
  EXPECT_EQ(s->stats().records_replayed, 2u);
  EXPECT_EQ(s->offsets("g").size(), 2u);
  EXPECT_EQ(s->get("g", {"t", 0}), at(5));
}

// Earlier versions wrote snapshots; replay still reads them (the records below are as such a
// version left them).
TEST_P(OffsetStoreTest, InterruptedSnapshotKeepsThePreviousState) {
  {
    auto s = open();
    ASSERT_TRUE(s->commit("g", {{{"t", 0}, at(10)}, {{"t", 1}, at(11)}}));
    ASSERT_TRUE(s->commit("g", {{{"t", 2}, at(12)}}));
  }
  // A crash half way through snapshot 50: its begin and one entry (with a value that differs
  // and without t-1 and t-2), but no end marker.
  append_raw(
      {{rec::encode_marker_key(rec::Type::snapshot_begin, 50), rec::encode_marker_value({50, 3})},
       {rec::encode_offset_key(rec::Type::snapshot_entry, "g", {"t", 0}),
        rec::encode_offset_value(at(777))}});
  engine_.reopen();
  {
    auto s = open();
    EXPECT_EQ(s->get("g", {"t", 0}), at(10));
    EXPECT_EQ(s->get("g", {"t", 1}), at(11));
    EXPECT_EQ(s->get("g", {"t", 2}), at(12));
    ASSERT_EQ(s->recovery_report().size(), 1u);
    EXPECT_NE(s->recovery_report()[0].find("incomplete"), std::string::npos)
        << s->recovery_report()[0];
    // Life goes on after the torn snapshot: commits land behind it and count.
    ASSERT_TRUE(s->commit("g", {{{"t", 3}, at(13)}}));
  }
  // A later snapshot whose end marker disagrees with its entry count is ignored too.
  append_raw(
      {{rec::encode_marker_key(rec::Type::snapshot_begin, 60), rec::encode_marker_value({60, 5})},
       {rec::encode_offset_key(rec::Type::snapshot_entry, "g", {"t", 0}),
        rec::encode_offset_value(at(888))}});
  append_raw(
      {{rec::encode_marker_key(rec::Type::snapshot_end, 60), rec::encode_marker_value({60, 5})}});
  engine_.reopen();
  auto s = open();
  EXPECT_EQ(s->get("g", {"t", 0}), at(10));
  EXPECT_EQ(s->get("g", {"t", 1}), at(11));
  EXPECT_EQ(s->get("g", {"t", 2}), at(12));
  EXPECT_EQ(s->get("g", {"t", 3}), at(13));
  EXPECT_EQ(s->recovery_report().size(), 2u);
}

TEST_P(OffsetStoreTest, CompleteSnapshotSupersedesEarlierHistory) {
  {
    auto s = open();
    ASSERT_TRUE(s->commit("g", {{{"t", 0}, at(10)}, {{"t", 1}, at(11)}}));
  }
  // A complete snapshot (written by hand, history left in place as after a crash before the
  // trim) that no longer has t-1: it wins over the history before it.
  append_raw(
      {{rec::encode_marker_key(rec::Type::snapshot_begin, 1), rec::encode_marker_value({1, 1})},
       {rec::encode_offset_key(rec::Type::snapshot_entry, "g", {"t", 0}),
        rec::encode_offset_value(at(10))},
       {rec::encode_marker_key(rec::Type::snapshot_end, 1), rec::encode_marker_value({1, 1})}});
  engine_.reopen();
  auto s = open();
  EXPECT_EQ(s->get("g", {"t", 0}), at(10));
  EXPECT_FALSE(s->get("g", {"t", 1}));
}

TEST_P(OffsetStoreTest, UndecodableRecordsAreSkippedAndReported) {
  {
    auto s = open();
    ASSERT_TRUE(s->commit("g", {{{"t", 0}, at(10)}}));
  }
  append_raw(
      {{"garbage", std::string("x")}, {std::string("\x00\x09", 2), std::string("future type")}});
  engine_.reopen();
  auto s = open();
  EXPECT_EQ(s->get("g", {"t", 0}), at(10));
  EXPECT_EQ(s->recovery_report().size(), 2u);
}

TEST_P(OffsetStoreTest, RemoveIfTombstonesAcrossGroups) {
  {
    auto s = open();
    ASSERT_TRUE(s->commit("a", {{{"gone", 0}, at(1)}, {{"kept", 0}, at(2)}}));
    ASSERT_TRUE(s->commit("b", {{{"gone", 1}, at(3)}}));
    auto removed = s->remove_if(
        [](const std::string&, const TopicPartition& tp) { return tp.topic == "gone"; });
    ASSERT_TRUE(removed);
    EXPECT_EQ(*removed, 2u);
  }
  engine_.reopen();
  auto s = open();
  EXPECT_EQ(s->groups(), (std::vector<std::string>{"a"}));
  EXPECT_EQ(s->get("a", {"kept", 0}), at(2));
}

INSTANTIATE_TEST_SUITE_P(Backends, OffsetStoreTest,
                         ::testing::Values(Backend::posix, Backend::memory), testing::backend_name);

TEST(OffsetRecordTest, WorkedExampleFromStateFormat) {
  // docs/format/state_format.md, "Worked example": group "g", topic "t", partition 2, offset 42,
  // leader epoch 5, commit time 1000 ms, metadata "hi".
  const std::string key = rec::encode_offset_key(rec::Type::offset_commit, "g", {"t", 2});
  EXPECT_EQ(key, std::string("\x00\x01\x00\x01g\x00\x01t\x00\x00\x00\x02", 12));
  const std::string value = rec::encode_offset_value({42, 5, "hi", 1000});
  EXPECT_EQ(value, std::string("\x00\x00"
                               "\x00\x00\x00\x00\x00\x00\x00\x2a"
                               "\x00\x00\x00\x05"
                               "\x00\x00\x00\x00\x00\x00\x03\xe8"
                               "\x00\x00\x00\x02hi",
                               28));
  auto k = rec::decode_key(key);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->type, int16_t(rec::Type::offset_commit));
  EXPECT_EQ(k->offset.group, "g");
  EXPECT_EQ(k->offset.partition, (TopicPartition{"t", 2}));
  auto v = rec::decode_offset_value(value);
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, (CommittedOffset{42, 5, "hi", 1000}));
  EXPECT_FALSE(rec::decode_key(key.substr(0, 7)));
  EXPECT_FALSE(rec::decode_offset_value(value + "x"));
  EXPECT_EQ(rec::decode_offset_value(std::string("\x00\x07", 2)).error().code(), Errc::unsupported);
  auto null_meta = rec::decode_offset_value(rec::encode_offset_value({1, -1, std::nullopt, 0}));
  ASSERT_TRUE(null_meta);
  EXPECT_FALSE(null_meta->metadata);
  const std::string begin = rec::encode_marker_key(rec::Type::snapshot_begin, 3);
  EXPECT_EQ(begin, std::string("\x00\x02\x00\x00\x00\x00\x00\x00\x00\x03", 10));
  auto m = rec::decode_marker_value(rec::encode_marker_value({3, 9}));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->entry_count, 9);
}

}  // namespace
}  // namespace kafka_do::coordinator
