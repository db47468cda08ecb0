// Window arithmetic: known answers, including the vectors of Kafka Streams'
// TimeWindows/SessionWindows javadoc.
#include "streams/windows.hpp"

#include <gtest/gtest.h>

namespace kafka::detail {
namespace {

TEST(TimeWindows, TumblingIsEpochAlignedAndHalfOpen) {
  EXPECT_EQ(time_window_starts(0, 5000, 5000), (std::vector<int64_t>{0}));
  EXPECT_EQ(time_window_starts(4999, 5000, 5000), (std::vector<int64_t>{0}));
  EXPECT_EQ(time_window_starts(5000, 5000, 5000), (std::vector<int64_t>{5000}));
  EXPECT_EQ(time_window_starts(12345, 5000, 5000), (std::vector<int64_t>{10000}));
}

TEST(TimeWindows, HoppingHoldsEveryWindowThatContainsTheRecord) {
  // size 5000, advance 3000: [0,5000) [3000,8000) [6000,11000) ...
  EXPECT_EQ(time_window_starts(1000, 5000, 3000), (std::vector<int64_t>{0}));
  EXPECT_EQ(time_window_starts(4000, 5000, 3000), (std::vector<int64_t>{0, 3000}));
  EXPECT_EQ(time_window_starts(5000, 5000, 3000), (std::vector<int64_t>{3000}));
  EXPECT_EQ(time_window_starts(7999, 5000, 3000), (std::vector<int64_t>{3000, 6000}));
  // size 10, advance 2: five windows hold 10.
  EXPECT_EQ(time_window_starts(10, 10, 2), (std::vector<int64_t>{2, 4, 6, 8, 10}));
}

TEST(SlidingWindows, JavadocVector) {
  // difference 5000, records at 8000, 9200 and 12400.
  const auto windows = sliding_windows({8000, 9200, 12400}, 5000);
  const std::vector<ClosedWindow> expected = {
      {3000, 8000}, {4200, 9200}, {7400, 12400}, {8001, 13001}, {9201, 14201}};
  EXPECT_EQ(windows, expected);
}

TEST(SlidingWindows, RepeatedTimestampsAndIdenticalBoundsAreOneWindow) {
  // 13001's left window is 8000's right window.
  const auto windows = sliding_windows({8000, 8000, 13001}, 5000);
  const std::vector<ClosedWindow> expected = {{3000, 8000}, {8001, 13001}};
  EXPECT_EQ(windows, expected);
}

}  // namespace
}  // namespace kafka::detail
