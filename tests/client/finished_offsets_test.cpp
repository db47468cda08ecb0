// FinishedOffsets: where a partition's commit may go when records finish in any order.
#include "client/finished_offsets.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace kafka_do::client {
namespace {

TEST(FinishedOffsetsTest, NothingToCommitBeforeARecordWasHandedOut) {
  FinishedOffsets f;
  EXPECT_EQ(f.watermark(), -1);
  EXPECT_EQ(f.finish(3), std::nullopt);
  EXPECT_EQ(f.watermark(), -1);
}

TEST(FinishedOffsetsTest, OnlyFinishingMakesAWatermarkWorthCommitting) {
  FinishedOffsets f;
  f.handed_out(40);
  f.handed_out(41);
  EXPECT_EQ(f.watermark(), 40);
  EXPECT_EQ(f.finished_watermark(), -1);  // nothing finished: the group's offset stands
  f.finished_below(41);                   // a commit by position is not a finish
  EXPECT_EQ(f.finished_watermark(), -1);
  f.finish(41);
  EXPECT_EQ(f.finished_watermark(), 42);
  f.handed_out(10);  // re-read: starts over
  EXPECT_EQ(f.finished_watermark(), -1);
}

TEST(FinishedOffsetsTest, InOrderFinishesAdvanceOneByOne) {
  FinishedOffsets f;
  for (int64_t o = 100; o < 105; ++o) f.handed_out(o);
  EXPECT_EQ(f.watermark(), 100);
  for (int64_t o = 100; o < 105; ++o) EXPECT_EQ(f.finish(o), o + 1);
}

TEST(FinishedOffsetsTest, AnUnfinishedRecordHoldsTheWatermarkUntilItFinishes) {
  FinishedOffsets f;
  for (int64_t o = 0; o < 10; ++o) f.handed_out(o);
  EXPECT_EQ(f.finish(9), std::nullopt);
  EXPECT_EQ(f.finish(5), std::nullopt);
  EXPECT_EQ(f.watermark(), 0);
  for (int64_t o = 0; o < 4; ++o) f.finish(o);
  EXPECT_EQ(f.watermark(), 4);
  EXPECT_EQ(f.finish(4), 6);  // 5 was finished already
  f.finish(6);
  f.finish(8);
  EXPECT_EQ(f.watermark(), 7);
  EXPECT_EQ(f.finish(7), 10);  // 8 and 9 were waiting behind 7
}

TEST(FinishedOffsetsTest, GapsInTheLogCountAsFinished) {
  FinishedOffsets f;
  f.handed_out(10);
  f.handed_out(11);
  f.handed_out(15);  // 12-14: a transaction marker, compacted records
  f.handed_out(16);
  EXPECT_EQ(f.finish(11), std::nullopt);
  EXPECT_EQ(f.finish(10), 15);  // straight past the gap to the first unfinished record
  EXPECT_EQ(f.finish(16), std::nullopt);
  EXPECT_EQ(f.finish(15), 17);
}

TEST(FinishedOffsetsTest, AGapAfterEverythingFinishedMovesTheWatermarkToTheNextRecord) {
  FinishedOffsets f;
  f.handed_out(0);
  f.finish(0);
  f.handed_out(5);
  EXPECT_EQ(f.watermark(), 5);
}

TEST(FinishedOffsetsTest, OffsetsNotHandedOutOrBelowTheWatermarkChangeNothing) {
  FinishedOffsets f;
  f.handed_out(20);
  f.handed_out(21);
  EXPECT_EQ(f.finish(19), std::nullopt);
  EXPECT_EQ(f.finish(22), std::nullopt);  // not handed out yet: cannot be finished
  EXPECT_EQ(f.finish(20), 21);
  EXPECT_EQ(f.finish(20), std::nullopt);  // twice
  EXPECT_EQ(f.watermark(), 21);
}

TEST(FinishedOffsetsTest, ACommitByPositionFinishesEverythingBelowIt) {
  FinishedOffsets f;
  for (int64_t o = 0; o < 10; ++o) f.handed_out(o);
  f.finish(7);
  f.finished_below(6);
  EXPECT_EQ(f.watermark(), 6);
  EXPECT_EQ(f.finish(6), 8);
  f.finished_below(3);  // behind the watermark: nothing moves back
  EXPECT_EQ(f.watermark(), 8);
}

TEST(FinishedOffsetsTest, ReReadingFromAnEarlierOffsetStartsOver) {
  FinishedOffsets f;
  for (int64_t o = 0; o < 10; ++o) f.handed_out(o);
  f.finish(0);
  f.finish(5);
  f.handed_out(3);  // the partition was read again from 3 (a seek, a rebalance)
  EXPECT_EQ(f.watermark(), 3);
  EXPECT_EQ(f.finish(5), std::nullopt);  // not handed out since the restart
  EXPECT_EQ(f.finish(3), 4);
}

// Any finishing order ends at the end, and the watermark never passes an unfinished record.
TEST(FinishedOffsetsTest, RandomOrdersNeverPassAnUnfinishedRecord) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    FinishedOffsets f;
    std::vector<int64_t> offsets;
    int64_t o = 0;
    for (int i = 0; i < 50; ++i) {
      o += 1 + int64_t(rng() % 3);  // with gaps
      offsets.push_back(o);
      f.handed_out(o);
    }
    std::vector<int64_t> order = offsets;
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<bool> done(size_t(o + 1), false);
    for (int64_t x : order) {
      done[size_t(x)] = true;
      f.finish(x);
      for (int64_t y : offsets) {
        if (y < f.watermark()) {
          ASSERT_TRUE(done[size_t(y)]) << "passed unfinished " << y;
        }
      }
    }
    EXPECT_EQ(f.watermark(), offsets.back() + 1);
  }
}

}  // namespace
}  // namespace kafka_do::client
