#include "storage/partition_log.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

#include "support/batches.hpp"
#include "support/temp_dir.hpp"

namespace kafka_do::storage {
namespace {

using testing::decode_all;
using testing::make_batch;

enum class Backend { posix, memory };

class PartitionLogTest : public ::testing::TestWithParam<Backend> {
 protected:
  PartitionLogTest()
      : fs_(GetParam() == Backend::posix ? fs::posix_file_system() : fs::memory_file_system()),
        dir_(GetParam() == Backend::posix ? tmp_.path() + "/p0" : "/data/p0") {}

  std::shared_ptr<PartitionLog> open(TopicConfig config = {}, LogOptions options = {},
                                     std::vector<std::string>* report = nullptr) {
    auto log = PartitionLog::open(fs_, dir_, "t", 0, config, options, report);
    EXPECT_TRUE(log) << log.error().to_string();
    return log ? *log : nullptr;
  }

  AppendResult append(PartitionLog& log, const std::vector<std::string>& values,
                      int64_t timestamp = 1000) {
    std::string batch = make_batch(values, timestamp);
    auto r = log.append(batch);
    EXPECT_TRUE(r) << r.error().to_string();
    return r ? *r : AppendResult{};
  }

  std::vector<std::string> read_values(PartitionLog& log, int64_t from,
                                       size_t max_bytes = 1 << 20) {
    std::vector<std::string> values;
    int64_t offset = from;
    while (offset < log.high_watermark()) {
      auto r = log.read(offset, max_bytes);
      EXPECT_TRUE(r) << r.error().to_string();
      if (!r || r->records.empty()) break;
      for (auto& rec : decode_all(r->records)) {
        if (rec.offset >= offset) {
          values.push_back(rec.value.value_or(""));
          offset = rec.offset + 1;
        }
      }
    }
    return values;
  }

  testing::TempDir tmp_;
  std::shared_ptr<fs::FileSystem> fs_;
  std::string dir_;
};

TEST_P(PartitionLogTest, AssignsDenseOffsetsAndReadsBackInOrder) {
  auto log = open();
  EXPECT_EQ(append(*log, {"a", "b", "c"}).base_offset, 0);
  auto second = append(*log, {"d"});
  EXPECT_EQ(second.base_offset, 3);
  EXPECT_EQ(second.last_offset, 3);
  EXPECT_EQ(append(*log, {"e", "f"}).base_offset, 4);
  EXPECT_EQ(log->high_watermark(), 6);
  EXPECT_EQ(read_values(*log, 0), (std::vector<std::string>{"a", "b", "c", "d", "e", "f"}));
}

TEST_P(PartitionLogTest, ReadInsideABatchReturnsTheWholeBatch) {
  auto log = open();
  append(*log, {"a", "b", "c"});
  append(*log, {"d"});
  auto r = log->read(1, 1 << 20);
  ASSERT_TRUE(r);
  auto records = decode_all(r->records);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records.front().offset, 0);  // the batch holding offset 1 starts at 0
}

TEST_P(PartitionLogTest, ReadAtHighWatermarkIsEmptyAndBeyondIsOutOfRange) {
  auto log = open();
  append(*log, {"a"});
  auto at_end = log->read(1, 1 << 20);
  ASSERT_TRUE(at_end);
  EXPECT_TRUE(at_end->records.empty());
  EXPECT_EQ(at_end->high_watermark, 1);
  auto beyond = log->read(2, 1 << 20);
  ASSERT_FALSE(beyond);
  EXPECT_EQ(beyond.error().code(), Errc::out_of_range);
}

TEST_P(PartitionLogTest, MaxBytesBoundsTheReadButReturnsAtLeastOneBatch) {
  auto log = open();
  for (int i = 0; i < 10; ++i) append(*log, {std::string(1000, char('a' + i))});
  auto small = log->read(0, 10);
  ASSERT_TRUE(small);
  EXPECT_EQ(decode_all(small->records).size(), 1u);
  auto some = log->read(0, 3500);
  ASSERT_TRUE(some);
  EXPECT_EQ(decode_all(some->records).size(), 3u);
}

TEST_P(PartitionLogTest, RollsBySizeAndReadsAcrossSegments) {
  TopicConfig config;
  config.segment_bytes = 4096;
  auto log = open(config);
  std::vector<std::string> expected;
  for (int i = 0; i < 200; ++i) {
    expected.push_back("value-" + std::to_string(i) + std::string(50, 'x'));
    append(*log, {expected.back()});
  }
  EXPECT_GT(log->segment_count(), 3u);
  EXPECT_EQ(read_values(*log, 0, 1000), expected);
  // Every offset is reachable directly, including segment boundaries.
  for (int64_t o = 0; o < 200; ++o) {
    auto r = log->read(o, 1);
    ASSERT_TRUE(r) << o;
    auto recs = decode_all(r->records);
    ASSERT_FALSE(recs.empty()) << o;
    EXPECT_EQ(recs.front().offset, o);
  }
}

TEST_P(PartitionLogTest, ReopenKeepsEverythingAndContinuesOffsets) {
  TopicConfig config;
  config.segment_bytes = 2048;
  {
    auto log = open(config);
    for (int i = 0; i < 100; ++i) append(*log, {"v" + std::to_string(i)});
    ASSERT_TRUE(log->close());
  }
  auto log = open(config);
  EXPECT_EQ(log->high_watermark(), 100);
  EXPECT_EQ(append(*log, {"after"}).base_offset, 100);
  auto values = read_values(*log, 0);
  ASSERT_EQ(values.size(), 101u);
  EXPECT_EQ(values[42], "v42");
  EXPECT_EQ(values.back(), "after");
}

TEST_P(PartitionLogTest, TimeIndexFindsFirstOffsetAtOrAfterTimestampAcrossSegments) {
  TopicConfig config;
  config.segment_bytes = 3000;
  LogOptions options;
  options.index_interval_bytes = 256;
  auto log = open(config, options);
  // Batch i holds two records with timestamps 10000 + 10*i and 10000 + 10*i + 5.
  for (int i = 0; i < 300; ++i) {
    model::BatchBuilder b;
    b.add(10000 + 10 * i, "k", "a" + std::to_string(i));
    b.add(10000 + 10 * i + 5, "k", "b" + std::to_string(i));
    std::string batch = *b.build();
    ASSERT_TRUE(log->append(batch));
  }
  ASSERT_GT(log->segment_count(), 5u);
  auto at = [&](int64_t ts) -> int64_t {
    auto r = log->offset_for_timestamp(ts);
    EXPECT_TRUE(r);
    return r && *r ? **r : -1;
  };
  EXPECT_EQ(at(0), 0);
  EXPECT_EQ(at(10000), 0);
  EXPECT_EQ(at(10001), 1);
  EXPECT_EQ(at(10005), 1);
  EXPECT_EQ(at(10006), 2);
  EXPECT_EQ(at(10000 + 10 * 150), 300);
  EXPECT_EQ(at(10000 + 10 * 150 + 3), 301);
  EXPECT_EQ(at(10000 + 10 * 299 + 5), 599);
  EXPECT_EQ(at(10000 + 10 * 299 + 6), -1);  // nothing that late
  // After reopening (sealed segments served from their index files) the answers are the same.
  ASSERT_TRUE(log->close());
  log = open(config, options);
  EXPECT_EQ(at(10000 + 10 * 77 + 4), 155);
  EXPECT_EQ(at(10000 + 10 * 299 + 6), -1);
}

TEST_P(PartitionLogTest, TimeLookupHandlesOutOfOrderTimestamps) {
  auto log = open();
  model::BatchBuilder b;
  b.add(500, "k", "late");
  b.add(100, "k", "early");
  b.add(300, "k", "mid");
  std::string batch = *b.build();
  ASSERT_TRUE(log->append(batch));
  EXPECT_EQ(**log->offset_for_timestamp(200), 0);  // first record with ts >= 200 is offset 0
  EXPECT_FALSE(log->offset_for_timestamp(501)->has_value());
}

TEST_P(PartitionLogTest, RollsByAgeOfTheActiveSegment) {
  TopicConfig config;
  config.segment_ms = 20;
  auto log = open(config);
  append(*log, {"first"});
  append(*log, {"same segment"});  // well within 20 ms of its creation
  const size_t before = log->segment_count();
  const auto created = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - created < std::chrono::milliseconds(25)) {
  }
  append(*log, {"after segment.ms"});
  EXPECT_EQ(log->segment_count(), before + 1);
  EXPECT_EQ(read_values(*log, 0),
            (std::vector<std::string>{"first", "same segment", "after segment.ms"}));
}

TEST_P(PartitionLogTest, RetentionBySizeDeletesOldestSegmentsButNeverTheActiveOne) {
  TopicConfig config;
  config.segment_bytes = 2000;
  config.retention_bytes = 5000;
  config.retention_ms = -1;
  auto log = open(config);
  for (int i = 0; i < 100; ++i) append(*log, {std::string(200, 'x')});
  const size_t before = log->segment_count();
  auto deleted = log->apply_retention(1'000'000'000'000);
  ASSERT_TRUE(deleted);
  EXPECT_GT(*deleted, 0u);
  EXPECT_EQ(log->segment_count(), before - *deleted);
  EXPECT_LE(log->size_bytes(), 5000u + 2000u);
  EXPECT_GT(log->log_start_offset(), 0);
  EXPECT_EQ(log->high_watermark(), 100);
  // Reading below the start is out of range; from the start works.
  auto below = log->read(0, 1000);
  ASSERT_FALSE(below);
  EXPECT_EQ(below.error().code(), Errc::out_of_range);
  EXPECT_EQ(read_values(*log, log->log_start_offset()).size(),
            size_t(100 - log->log_start_offset()));
}

TEST_P(PartitionLogTest, RetentionByTimeDeletesExpiredSegments) {
  TopicConfig config;
  config.segment_bytes = 1000;
  config.retention_ms = 60'000;
  auto log = open(config);
  const int64_t now = 10'000'000;
  for (int i = 0; i < 20; ++i)
    append(*log, {std::string(300, 'o')}, now - 3'600'000);                       // an hour old
  for (int i = 0; i < 5; ++i) append(*log, {std::string(300, 'n')}, now - 1000);  // fresh
  ASSERT_TRUE(log->apply_retention(now));
  // Two batches fit a segment, so the 20 old batches fill 10 sealed segments, all expired.
  EXPECT_EQ(log->log_start_offset(), 20);
  auto values = read_values(*log, log->log_start_offset());
  ASSERT_EQ(values.size(), 5u);
  for (const auto& v : values) EXPECT_EQ(v, std::string(300, 'n'));
  // Records with no expired segment are untouched.
  TopicConfig keep_forever;
  keep_forever.retention_ms = -1;
  log->set_config(keep_forever);
  const size_t segments = log->segment_count();
  ASSERT_TRUE(log->apply_retention(now * 10));
  EXPECT_EQ(log->segment_count(), segments);
}

TEST_P(PartitionLogTest, DeleteRecordsMovesTheStartAndSurvivesReopen) {
  auto log = open();
  for (int i = 0; i < 10; ++i) append(*log, {"v" + std::to_string(i)});
  auto start = log->delete_records_before(7);
  ASSERT_TRUE(start);
  EXPECT_EQ(*start, 7);
  EXPECT_FALSE(log->read(6, 100));
  EXPECT_EQ(read_values(*log, 7), (std::vector<std::string>{"v7", "v8", "v9"}));
  EXPECT_FALSE(log->delete_records_before(11));
  ASSERT_TRUE(log->close());
  log = open();
  EXPECT_EQ(log->log_start_offset(), 7);
}

TEST_P(PartitionLogTest, OversizedBatchIsRefusedWithTooLarge) {
  TopicConfig config;
  config.max_message_bytes = 1000;
  auto log = open(config);
  std::string batch = make_batch({std::string(2000, 'x')});
  auto r = log->append(batch);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::too_large);
  EXPECT_EQ(log->high_watermark(), 0);
  append(*log, {"small"});
  EXPECT_EQ(log->high_watermark(), 1);
}

TEST_P(PartitionLogTest, MalformedBatchIsRefusedAndTheLogStaysIntact) {
  auto log = open();
  append(*log, {"good"});
  std::string bad = make_batch({"x"});
  bad[bad.size() - 1] ^= 1;  // CRC no longer matches
  auto r = log->append(bad);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::corruption);
  std::string garbage(100, '\x07');
  EXPECT_FALSE(log->append(garbage));
  append(*log, {"still good"});
  EXPECT_EQ(read_values(*log, 0), (std::vector<std::string>{"good", "still good"}));
}

TEST_P(PartitionLogTest, LogAppendTimeTopicStampsBatches) {
  TopicConfig config;
  ASSERT_TRUE(config.set("message.timestamp.type", "LogAppendTime"));
  auto log = open(config);
  auto r = append(*log, {"a", "b"}, 5);
  EXPECT_GT(r.log_append_time, 1'600'000'000'000);
  auto records = decode_all(log->read(0, 1 << 20)->records);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].timestamp, r.log_append_time);
  EXPECT_EQ(records[1].timestamp, r.log_append_time);
}

TEST_P(PartitionLogTest, ConcurrentWritersAndReadersSeeOnlyWholeBatchesInOrder) {
  for (FlushPolicy policy : {FlushPolicy::os, FlushPolicy::every_batch}) {
    TopicConfig config;
    config.segment_bytes = 64 * 1024;
    LogOptions options;
    options.flush_policy = policy;
    ASSERT_TRUE(fs_->remove_all(dir_));
    auto log = open(config, options);
    constexpr int kWriters = 4;
    const int per_writer = policy == FlushPolicy::every_batch ? 150 : 1000;
    std::atomic<bool> done{false};
    std::atomic<int64_t> reader_records{0};
    std::thread reader([&] {
      int64_t offset = 0;
      while (!done.load() || offset < log->high_watermark()) {
        auto r = log->read(offset, 8192);
        ASSERT_TRUE(r) << r.error().to_string();
        if (r->records.empty()) {
          log->wait_for_data(offset,
                             std::chrono::steady_clock::now() + std::chrono::milliseconds(50));
          continue;
        }
        for (const auto& rec : decode_all(r->records)) {
          if (rec.offset < offset) continue;
          ASSERT_EQ(rec.offset, offset);  // dense, in order, never a partial batch
          ++offset;
        }
        reader_records = offset;
      }
    });
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w] {
        for (int i = 0; i < per_writer; ++i) {
          std::string batch =
              make_batch({"w" + std::to_string(w) + "-" + std::to_string(i), "pair"});
          auto r = log->append(batch);
          ASSERT_TRUE(r);
          ASSERT_LE(r->last_offset, log->high_watermark() - 1);  // acknowledged => visible
        }
      });
    }
    for (auto& t : writers) t.join();
    done = true;
    reader.join();
    EXPECT_EQ(log->high_watermark(), kWriters * per_writer * 2);
    EXPECT_EQ(reader_records.load(), kWriters * per_writer * 2);
    // Each writer's records appear in the order it wrote them.
    std::vector<int> next(kWriters, 0);
    for (const auto& v : read_values(*log, 0)) {
      if (v == "pair") continue;
      const int w = v[1] - '0';
      EXPECT_EQ(v, "w" + std::to_string(w) + "-" + std::to_string(next[size_t(w)]++));
    }
    ASSERT_TRUE(log->close());
  }
}

TEST_P(PartitionLogTest, WaitForDataWakesOnAppendAndTimesOut) {
  auto log = open();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(log->wait_for_data(0, start + std::chrono::milliseconds(20)));
  std::thread writer([&] { append(*log, {"x"}); });
  EXPECT_TRUE(log->wait_for_data(0, std::chrono::steady_clock::now() + std::chrono::seconds(10)));
  writer.join();
  std::atomic<int64_t> seen{-1};
  {
    auto sub = log->on_append([&](int64_t hwm) { seen = hwm; });
    append(*log, {"y"});
    EXPECT_EQ(seen.load(), 2);
  }
  append(*log, {"z"});
  EXPECT_EQ(seen.load(), 2);  // unsubscribed
}

TEST_P(PartitionLogTest, ClosedLogRefusesAppends) {
  auto log = open();
  ASSERT_TRUE(log->close());
  std::string batch = make_batch({"x"});
  auto r = log->append(batch);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::closed);
}

INSTANTIATE_TEST_SUITE_P(Backends, PartitionLogTest,
                         ::testing::Values(Backend::posix, Backend::memory), [](const auto& info) {
                           return info.param == Backend::posix ? "posix" : "memory";
                         });

}  // namespace
}  // namespace kafka_do::storage
