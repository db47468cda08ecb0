// Idempotent producers through PartitionLog::append: retries are answered with the original
// offsets and not written twice, gaps and stale epochs are refused, and the state survives a
// reopen of the partition.
#include "storage/producer_state.hpp"

#include <gtest/gtest.h>

#include "base/file_system.hpp"
#include "storage/partition_log.hpp"
#include "support/batches.hpp"

namespace kafka_do::storage {
namespace {

// A batch of `count` records from producer `id`/`epoch` starting at `sequence`.
std::string producer_batch(int64_t id, int16_t epoch, int32_t sequence, int count) {
  model::BatchBuilder builder(
      {.producer_id = id, .producer_epoch = epoch, .base_sequence = sequence});
  for (int i = 0; i < count; ++i) {
    builder.add(1000 + i, "k", "seq" + std::to_string(sequence + i));
  }
  auto built = builder.build();
  EXPECT_TRUE(built);
  return built ? *built : std::string();
}

class ProducerStateTest : public ::testing::Test {
 protected:
  std::shared_ptr<PartitionLog> open() {
    auto log = PartitionLog::open(fs_, "/data/p0", "t", 0, {}, {}, nullptr);
    EXPECT_TRUE(log) << log.error().to_string();
    return log ? *log : nullptr;
  }

  Result<AppendResult> append(PartitionLog& log, int64_t id, int16_t epoch, int32_t sequence,
                              int count = 3) {
    std::string batch = producer_batch(id, epoch, sequence, count);
    return log.append(batch);
  }

  std::shared_ptr<fs::FileSystem> fs_ = fs::memory_file_system();
};

TEST_F(ProducerStateTest, RetryOfARecentBatchReturnsTheOriginalOffsetsWithoutWriting) {
  auto log = open();
  ASSERT_TRUE(append(*log, 7, 0, 0));  // offsets 0..2
  ASSERT_TRUE(append(*log, 7, 0, 3));  // offsets 3..5
  auto retry = append(*log, 7, 0, 0);  // the first batch again
  ASSERT_TRUE(retry) << retry.error().to_string();
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->base_offset, 0);
  EXPECT_EQ(retry->last_offset, 2);
  EXPECT_EQ(log->high_watermark(), 6);

  auto next = append(*log, 7, 0, 6);
  ASSERT_TRUE(next);
  EXPECT_FALSE(next->duplicate);
  EXPECT_EQ(next->base_offset, 6);
}

TEST_F(ProducerStateTest, AGapInTheSequenceIsRefused) {
  auto log = open();
  ASSERT_TRUE(append(*log, 7, 0, 0));
  auto gap = append(*log, 7, 0, 5);  // 3 and 4 are missing
  ASSERT_FALSE(gap);
  EXPECT_EQ(gap.error().code(), Errc::out_of_sequence);
  EXPECT_EQ(log->high_watermark(), 3);
  // A batch that overlaps but does not match a retained one is not a duplicate either.
  auto overlap = append(*log, 7, 0, 1, 2);
  ASSERT_FALSE(overlap);
  EXPECT_EQ(overlap.error().code(), Errc::out_of_sequence);
}

TEST_F(ProducerStateTest, AStaleEpochIsFencedAndANewEpochStartsAtZero) {
  auto log = open();
  ASSERT_TRUE(append(*log, 7, 1, 0));
  auto stale = append(*log, 7, 0, 3);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code(), Errc::fenced);

  auto bad_start = append(*log, 7, 2, 3);
  ASSERT_FALSE(bad_start);
  EXPECT_EQ(bad_start.error().code(), Errc::out_of_sequence);
  ASSERT_TRUE(append(*log, 7, 2, 0));
  EXPECT_EQ(log->high_watermark(), 6);
}

TEST_F(ProducerStateTest, ProducersAreIndependentAndOnlyTheLastFiveBatchesAreRemembered) {
  auto log = open();
  for (int32_t i = 0; i < 7; ++i) ASSERT_TRUE(append(*log, 1, 0, i * 3));
  ASSERT_TRUE(append(*log, 2, 0, 0));  // another producer starts its own sequence
  // Batches 2..6 of producer 1 are retained; batch 0 is too old to be recognised.
  auto recent = append(*log, 1, 0, 2 * 3);
  ASSERT_TRUE(recent);
  EXPECT_TRUE(recent->duplicate);
  EXPECT_EQ(recent->base_offset, 6);
  auto too_old = append(*log, 1, 0, 0);
  ASSERT_FALSE(too_old);
  EXPECT_EQ(too_old.error().code(), Errc::out_of_sequence);
}

TEST_F(ProducerStateTest, StateIsRebuiltFromTheLogOnReopen) {
  {
    auto log = open();
    ASSERT_TRUE(append(*log, 9, 0, 0));
    ASSERT_TRUE(append(*log, 9, 0, 3));
    ASSERT_TRUE(log->close());
  }
  auto log = open();
  auto retry = append(*log, 9, 0, 3);
  ASSERT_TRUE(retry) << retry.error().to_string();
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->base_offset, 3);
  auto gap = append(*log, 9, 0, 9);
  ASSERT_FALSE(gap);
  EXPECT_EQ(gap.error().code(), Errc::out_of_sequence);
  EXPECT_EQ(log->high_watermark(), 6);
}

TEST_F(ProducerStateTest, StateSurvivesASegmentRollAndAReopen) {
  {
    auto log = open();
    ASSERT_TRUE(append(*log, 9, 0, 0));
    ASSERT_TRUE(append(*log, 9, 0, 3));
    ASSERT_TRUE(log->roll());  // the producer's batches are now all in a sealed segment
    ASSERT_TRUE(log->close());
  }
  std::vector<std::string> report;
  auto log = PartitionLog::open(fs_, "/data/p0", "t", 0, {}, {}, &report);
  ASSERT_TRUE(log) << log.error().to_string();
  EXPECT_TRUE(report.empty());
  auto retry = append(**log, 9, 0, 3);
  ASSERT_TRUE(retry) << retry.error().to_string();
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->base_offset, 3);
  auto gap = append(**log, 9, 0, 9);
  ASSERT_FALSE(gap);
  EXPECT_EQ(gap.error().code(), Errc::out_of_sequence);
}

TEST_F(ProducerStateTest, ADamagedSnapshotIsReportedAndIgnored) {
  {
    auto log = open();
    ASSERT_TRUE(append(*log, 9, 0, 0));
    ASSERT_TRUE(log->roll());
    ASSERT_TRUE(log->close());
  }
  const std::string snapshot = "/data/p0/00000000000000000003.producers";
  ASSERT_TRUE(fs_->exists(snapshot));
  auto bytes = fs::read_file(*fs_, snapshot);
  ASSERT_TRUE(bytes);
  std::string damaged = *bytes;
  damaged[damaged.size() / 2] ^= 0x40;
  ASSERT_TRUE(fs::write_file_atomically(*fs_, snapshot, damaged));
  std::vector<std::string> report;
  auto log = PartitionLog::open(fs_, "/data/p0", "t", 0, {}, {}, &report);
  ASSERT_TRUE(log) << log.error().to_string();
  ASSERT_EQ(report.size(), 1u);
  EXPECT_NE(report[0].find("checksum"), std::string::npos) << report[0];
  // The producer counts as new: its next batch is accepted at any sequence.
  EXPECT_TRUE(append(**log, 9, 0, 42));
}

TEST(ProducerStateTable, ForgetsTheProducerThatWroteLongestAgoPastTheCap) {
  ProducerStateTable table;
  model::BatchHeader h;
  h.producer_epoch = 0;
  h.base_sequence = 0;
  for (size_t i = 0; i <= ProducerStateTable::kMaxProducers; ++i) {
    h.producer_id = int64_t(i);
    h.base_offset = int64_t(i);
    table.record(h);
  }
  EXPECT_EQ(table.producer_count(), ProducerStateTable::kMaxProducers);
  h.producer_id = 0;  // the first producer was forgotten: a gap is no longer detected
  h.base_sequence = 7;
  auto first = table.check(h);
  ASSERT_TRUE(first);
  h.producer_id = 1;  // the second is still known
  EXPECT_FALSE(table.check(h));
}

TEST(ProducerStateTable, SnapshotRoundTrips) {
  ProducerStateTable table;
  model::BatchHeader h;
  h.producer_id = 5;
  h.producer_epoch = 2;
  for (int32_t i = 0; i < 7; ++i) {
    h.base_sequence = i * 2;
    h.last_offset_delta = 1;
    h.base_offset = 100 + i * 2;
    table.record(h);
  }
  auto decoded = ProducerStateTable::decode(table.encode());
  ASSERT_TRUE(decoded) << decoded.error().to_string();
  EXPECT_EQ(decoded->encode(), table.encode());
  h.base_sequence = 12;  // the last batch: a duplicate in the decoded table too
  auto checked = decoded->check(h);
  ASSERT_TRUE(checked);
  ASSERT_TRUE(checked->has_value());
  EXPECT_EQ((*checked)->base_offset, 112);
  EXPECT_FALSE(ProducerStateTable::decode(table.encode().substr(1)));
}

TEST_F(ProducerStateTest, AnUnknownProducerIsAcceptedAtAnySequence) {
  // Its state may have gone with an older segment; refusing would wedge the producer.
  auto log = open();
  auto first = append(*log, 11, 0, 42);
  ASSERT_TRUE(first) << first.error().to_string();
  EXPECT_FALSE(first->duplicate);
  ASSERT_TRUE(append(*log, 11, 0, 45));
}

TEST(ProducerStateTable, SequencesWrapAfterInt32Max) {
  ProducerStateTable table;
  model::BatchHeader h;
  h.producer_id = 1;
  h.producer_epoch = 0;
  h.base_sequence = INT32_MAX - 1;
  h.last_offset_delta = 1;  // sequences INT32_MAX-1 and INT32_MAX
  EXPECT_EQ(ProducerStateTable::last_sequence(h), INT32_MAX);
  table.record(h);
  model::BatchHeader next = h;
  next.base_sequence = 0;
  next.last_offset_delta = 0;
  auto checked = table.check(next);
  ASSERT_TRUE(checked);
  EXPECT_FALSE(checked->has_value());
}

}  // namespace
}  // namespace kafka_do::storage
