#include "storage/log_manager.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "support/batches.hpp"
#include "support/temp_dir.hpp"

namespace kafka_do::storage {
namespace {

class LogManagerTest : public ::testing::TestWithParam<bool> {
 protected:
  LogManagerTest()
      : fs_(GetParam() ? fs::posix_file_system() : fs::memory_file_system()),
        dir_(GetParam() ? tmp_.path() + "/data" : "/data") {}

  std::unique_ptr<LogManager> open() {
    auto m = LogManager::open(fs_, dir_);
    EXPECT_TRUE(m) << m.error().to_string();
    return m ? std::move(*m) : nullptr;
  }

  testing::TempDir tmp_;
  std::shared_ptr<fs::FileSystem> fs_;
  std::string dir_;
};

TEST_P(LogManagerTest, CreatesListsDescribesAndDeletesTopics) {
  auto m = open();
  ASSERT_TRUE(m->create_topic("orders", 3, {{"retention.ms", "60000"}}));
  ASSERT_TRUE(m->create_topic("events", 1));
  auto names = m->topic_names();
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"events", "orders"}));
  auto d = m->describe_topic("orders");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->partitions, 3);
  EXPECT_EQ(d->config.retention_ms, 60000);
  EXPECT_EQ(d->config.overrides, (std::set<std::string>{"retention.ms"}));
  EXPECT_EQ(*d->config.get("segment.bytes"), std::to_string(1 << 30));
  ASSERT_TRUE(m->delete_topic("events"));
  EXPECT_FALSE(m->has_topic("events"));
  auto missing = m->describe_topic("events");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Errc::not_found);
  EXPECT_EQ(m->delete_topic("events").error().code(), Errc::not_found);
}

TEST_P(LogManagerTest, RefusesBadNamesCountsConfigsAndDuplicates) {
  auto m = open();
  EXPECT_EQ(m->create_topic("bad name", 1).error().code(), Errc::invalid_argument);
  EXPECT_EQ(m->create_topic("ok", 0).error().code(), Errc::invalid_argument);
  auto bad_config = m->create_topic("ok", 1, {{"retention.ms", "soon"}});
  ASSERT_FALSE(bad_config);
  EXPECT_NE(bad_config.error().message().find("retention.ms"), std::string::npos);
  auto unknown = m->create_topic("ok", 1, {{"no.such.key", "1"}});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message().find("no.such.key"), std::string::npos);
  EXPECT_FALSE(m->has_topic("ok"));
  ASSERT_TRUE(m->create_topic("ok", 1));
  EXPECT_EQ(m->create_topic("ok", 1).error().code(), Errc::already_exists);
}

TEST_P(LogManagerTest, TopicsConfigsAndDataSurviveReopen) {
  {
    auto m = open();
    ASSERT_TRUE(m->create_topic("orders", 2, {{"segment.bytes", "100000"}}));
    ASSERT_TRUE(m->alter_topic_config(
        "orders", {{"retention.bytes", "123456"}, {"segment.bytes", std::nullopt}}));
    ASSERT_TRUE(m->create_partitions("orders", 4));
    std::string batch = testing::make_batch({"a", "b"});
    ASSERT_TRUE((*m->partition("orders", 3))->append(batch));
    ASSERT_TRUE(m->close());
  }
  auto m = open();
  auto d = m->describe_topic("orders");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->partitions, 4);
  EXPECT_EQ(d->config.retention_bytes, 123456);
  EXPECT_EQ(d->config.segment_bytes, 1 << 30);  // reset to default
  EXPECT_EQ((*m->partition("orders", 3))->high_watermark(), 2);
  EXPECT_EQ((*m->partition("orders", 0))->high_watermark(), 0);
  EXPECT_EQ(m->partition("orders", 4).error().code(), Errc::not_found);
}

TEST_P(LogManagerTest, AlteredConfigAppliesToLivePartitions) {
  auto m = open();
  ASSERT_TRUE(m->create_topic("t", 1));
  auto log = *m->partition("t", 0);
  std::string big = testing::make_batch({std::string(5000, 'x')});
  ASSERT_TRUE(log->append(big));
  ASSERT_TRUE(m->alter_topic_config("t", {{"max.message.bytes", "1000"}}));
  std::string again = testing::make_batch({std::string(5000, 'x')});
  auto r = log->append(again);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::too_large);
  EXPECT_FALSE(m->create_partitions("t", 1));  // cannot shrink or keep
}

TEST_P(LogManagerTest, DeletedTopicCanBeRecreatedEmpty) {
  auto m = open();
  ASSERT_TRUE(m->create_topic("t", 1));
  std::string batch = testing::make_batch({"x"});
  ASSERT_TRUE((*m->partition("t", 0))->append(batch));
  ASSERT_TRUE(m->delete_topic("t"));
  ASSERT_TRUE(m->create_topic("t", 2));
  EXPECT_EQ((*m->partition("t", 0))->high_watermark(), 0);
  ASSERT_TRUE(m->close());
  auto reopened = open();
  EXPECT_EQ(reopened->describe_topic("t")->partitions, 2);
}

TEST_P(LogManagerTest, ManyPartitionsStayCheap) {
  auto m = open();
  ASSERT_TRUE(m->create_topic("wide", 1000));
  size_t index_bytes = 0;
  for (int p = 0; p < 1000; ++p) {
    auto log = *m->partition("wide", p);
    std::string batch = testing::make_batch({"x"});
    ASSERT_TRUE(log->append(batch));
    index_bytes += log->index_memory_bytes();
  }
  // One index entry per partition so far: a few dozen bytes each.
  EXPECT_LT(index_bytes, 1000u * 64);
  ASSERT_TRUE(m->close());
  auto reopened = open();
  EXPECT_EQ((*reopened->partition("wide", 999))->high_watermark(), 1);
}

TEST_P(LogManagerTest, BackgroundRetentionDeletesExpiredSegments) {
  LogOptions options;
  options.retention_check_interval = std::chrono::milliseconds(20);
  auto m = LogManager::open(fs_, dir_, options);
  ASSERT_TRUE(m);
  ASSERT_TRUE((*m)->create_topic("old", 1, {{"segment.bytes", "1000"}, {"retention.ms", "60000"}}));
  auto log = *(*m)->partition("old", 0);
  for (int i = 0; i < 10; ++i) {
    std::string batch =
        testing::make_batch({std::string(400, 'x')}, /*timestamp=*/1000);  // 1970: long expired
    ASSERT_TRUE(log->append(batch));
  }
  // 10 batches of ~470 bytes in 1000-byte segments: 5 segments, 4 of them sealed and expired
  // (the background thread may already be deleting them).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (log->segment_count() > 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(log->segment_count(), 1u);  // only the active segment is left
  EXPECT_EQ(log->log_start_offset(), 8);
  EXPECT_EQ(log->high_watermark(), 10);
}

INSTANTIATE_TEST_SUITE_P(Backends, LogManagerTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "posix" : "memory"; });

}  // namespace
}  // namespace kafka_do::storage
