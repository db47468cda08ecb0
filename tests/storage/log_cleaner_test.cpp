// Log compaction through the engine: the latest record of every key survives, offsets are kept,
// tombstones expire after delete.retention.ms, the map bound holds, and a crash at any step of a
// pass (every file-system operation in turn) leaves a log that recovers to the same table.
#include "storage/log_cleaner.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <random>
#include <thread>

#include "model/record_batch.hpp"
#include "storage/log_manager.hpp"
#include "support/batches.hpp"
#include "support/forwarding_file_system.hpp"
#include "support/temp_dir.hpp"

namespace kafka_do::storage {
namespace {

using testing::decode_all;

constexpr int64_t kNow = 1'700'000'000'000;  // the cleaner's clock in these tests

enum class Backend { posix, memory };

TopicConfig compacted(int64_t segment_bytes = 4096) {
  TopicConfig config;
  EXPECT_TRUE(config.set("cleanup.policy", "compact"));
  config.segment_bytes = segment_bytes;
  config.min_cleanable_dirty_ratio = 0.01;
  return config;
}

struct Put {
  std::string key;
  std::optional<std::string> value;  // nullopt: a tombstone
};

std::string make_keyed_batch(const std::vector<Put>& puts, int64_t timestamp,
                             model::Compression compression = model::Compression::none) {
  model::BatchBuilder builder({.compression = compression});
  for (const auto& p : puts) {
    builder.add(
        timestamp, p.key,
        p.value ? std::optional<std::string_view>(*p.value) : std::optional<std::string_view>());
  }
  auto built = builder.build();
  EXPECT_TRUE(built);
  return built ? *built : std::string();
}

// Every record the log serves from its start, reading the way a fetching client does: from the
// offset after the last batch returned.
std::vector<model::Record> read_all(const PartitionLog& log) {
  std::vector<model::Record> out;
  int64_t offset = log.log_start_offset();
  while (offset < log.high_watermark()) {
    auto r = log.read(offset, 64 << 10);
    EXPECT_TRUE(r) << r.error().to_string();
    if (!r || r->records.empty()) break;
    std::string_view bytes = r->records;
    int64_t next = offset;
    while (!bytes.empty()) {
      auto h = model::parse_batch_header(bytes);
      if (!h) break;
      next = std::max(next, h->next_offset());
      bytes.remove_prefix(h->total_size());
    }
    for (auto& rec : decode_all(r->records)) {
      if (rec.offset >= offset) out.push_back(std::move(rec));
    }
    EXPECT_GT(next, offset) << "a read must move the position forward";
    offset = next;
  }
  return out;
}

// key -> latest value (nullopt for a tombstone) as a consumer of the whole log sees it.
std::map<std::string, std::optional<std::string>> table_of(const std::vector<model::Record>& rs) {
  std::map<std::string, std::optional<std::string>> t;
  for (const auto& r : rs) t[*r.key] = r.value;
  return t;
}

class LogCleanerTest : public ::testing::TestWithParam<Backend> {
 protected:
  LogCleanerTest()
      : fs_(GetParam() == Backend::posix ? fs::posix_file_system() : fs::memory_file_system()),
        dir_(GetParam() == Backend::posix ? tmp_.path() + "/p0" : "/data/p0") {}

  std::shared_ptr<PartitionLog> open(TopicConfig config, std::vector<std::string>* report = nullptr,
                                     std::shared_ptr<fs::FileSystem> fs = nullptr) {
    auto log = PartitionLog::open(fs ? fs : fs_, dir_, "t", 0, config, {}, report);
    EXPECT_TRUE(log) << log.error().to_string();
    return log ? *log : nullptr;
  }

  // Writes `rounds` updates of `keys` keys in batches of 10 (value "<key>@<round>"), with
  // tombstones for the keys in `deleted` at the end; the expected table is kept in `expected_`.
  void write_updates(PartitionLog& log, int keys, int rounds, std::vector<int> deleted = {},
                     model::Compression compression = model::Compression::none) {
    std::vector<Put> batch;
    auto flush = [&] {
      if (batch.empty()) return;
      auto bytes = make_keyed_batch(batch, kNow - 1000, compression);
      auto r = log.append(bytes);
      ASSERT_TRUE(r) << r.error().to_string();
      batch.clear();
    };
    for (int round = 0; round < rounds; ++round) {
      for (int k = 0; k < keys; ++k) {
        const std::string key = "key-" + std::to_string(k);
        const std::string value = key + "@" + std::to_string(round) + "-" + std::string(40, 'x');
        batch.push_back({key, value});
        expected_[key] = value;
        if (batch.size() == 10) flush();
      }
    }
    for (int k : deleted) {
      const std::string key = "key-" + std::to_string(k);
      batch.push_back({key, std::nullopt});
      expected_[key] = std::nullopt;
      if (batch.size() == 10) flush();
    }
    flush();
  }

  testing::TempDir tmp_;
  std::shared_ptr<fs::FileSystem> fs_;
  std::string dir_;
  std::map<std::string, std::optional<std::string>> expected_;
};

TEST_P(LogCleanerTest, KeepsTheLatestRecordOfEveryKeyAndNeverRenumbers) {
  auto log = open(compacted());
  write_updates(*log, 50, 40);
  ASSERT_TRUE(log->roll());
  const auto before = read_all(*log);
  const uint64_t size_before = log->size_bytes();
  ASSERT_EQ(before.size(), 2000u);

  LogCleaner cleaner(1 << 20);
  auto result = cleaner.clean(*log, kNow);
  ASSERT_TRUE(result) << result.error().to_string();
  EXPECT_TRUE(result->cleaned);
  EXPECT_EQ(result->records_removed, 1950);
  EXPECT_EQ(result->keys_indexed, 50u);
  EXPECT_LT(log->size_bytes(), size_before / 10);

  const auto after = read_all(*log);
  ASSERT_EQ(after.size(), 50u);  // one record per key
  EXPECT_EQ(table_of(after), expected_);
  for (size_t i = 1; i < after.size(); ++i) EXPECT_LT(after[i - 1].offset, after[i].offset);
  // Offsets are the original ones: each survivor is the record written last for its key.
  for (const auto& r : after) {
    int64_t last = -1;
    for (const auto& b : before)
      if (b.key == r.key) last = b.offset;
    EXPECT_EQ(r.offset, last) << *r.key;
  }
  EXPECT_EQ(log->high_watermark(), 2000);
  EXPECT_EQ(log->log_start_offset(), 0);
  EXPECT_EQ(log->cleaner_checkpoint(), 2000);

  // Nothing more to do until something new is written.
  auto again = cleaner.clean(*log, kNow);
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->cleaned);
}

TEST_P(LogCleanerTest, ActiveSegmentIsNeverCleaned) {
  auto log = open(compacted(1 << 20));
  write_updates(*log, 10, 5);  // all in the active segment
  LogCleaner cleaner(1 << 20);
  auto result = cleaner.clean(*log, kNow);
  ASSERT_TRUE(result);
  EXPECT_FALSE(result->cleaned);
  EXPECT_EQ(read_all(*log).size(), 50u);
}

TEST_P(LogCleanerTest, AReadInsideARemovedRangeReturnsTheNextBatch) {
  auto log = open(compacted());
  write_updates(*log, 20, 10);
  ASSERT_TRUE(log->roll());
  LogCleaner cleaner(1 << 20);
  ASSERT_TRUE(cleaner.clean(*log, kNow));
  // Offsets 0..179 held only superseded records: a fetch at 5 gets the first survivor.
  auto r = log->read(5, 1 << 20);
  ASSERT_TRUE(r) << r.error().to_string();
  auto records = decode_all(r->records);
  ASSERT_FALSE(records.empty());
  EXPECT_EQ(records.front().offset, 180);
  // And at the log start, which compaction never moves.
  EXPECT_EQ(log->log_start_offset(), 0);
  auto first = log->read(0, 1 << 20);
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->records.empty());
}

TEST_P(LogCleanerTest, TombstonesStayForDeleteRetentionThenGo) {
  auto config = compacted();
  config.delete_retention_ms = 60'000;
  auto log = open(config);
  write_updates(*log, 30, 5, /*deleted=*/{3, 7, 11});
  ASSERT_TRUE(log->roll());
  LogCleaner cleaner(1 << 20);
  ASSERT_TRUE(cleaner.clean(*log, kNow));
  auto t = table_of(read_all(*log));
  EXPECT_EQ(t, expected_);  // the tombstones are still there, their keys' values are gone
  EXPECT_EQ(t.at("key-3"), std::nullopt);
  EXPECT_EQ(read_all(*log).size(), 30u);
  EXPECT_EQ(log->earliest_delete_horizon(), kNow + 60'000);

  // Before the horizon nothing changes; after it, the tombstones go although nothing new was
  // written (the horizon alone makes the partition due).
  auto early = cleaner.clean(*log, kNow + 59'000);
  ASSERT_TRUE(early);
  EXPECT_EQ(read_all(*log).size(), 30u);
  auto late = cleaner.clean(*log, kNow + 60'000);
  ASSERT_TRUE(late) << late.error().to_string();
  EXPECT_EQ(late->tombstones_removed, 3);
  const auto records = read_all(*log);
  EXPECT_EQ(records.size(), 27u);
  for (const auto& r : records) EXPECT_TRUE(r.value.has_value()) << *r.key;
  EXPECT_EQ(log->earliest_delete_horizon(), INT64_MAX);
}

TEST_P(LogCleanerTest, TimestampsSurviveTheDeleteHorizon) {
  auto log = open(compacted());
  std::string a = make_keyed_batch({{"a", "1"}, {"b", std::nullopt}, {"c", "3"}}, kNow - 5000);
  ASSERT_TRUE(log->append(a));
  ASSERT_TRUE(log->roll());
  LogCleaner cleaner(1 << 20);
  ASSERT_TRUE(cleaner.clean(*log, kNow));
  const auto records = read_all(*log);
  ASSERT_EQ(records.size(), 3u);
  for (const auto& r : records) EXPECT_EQ(r.timestamp, kNow - 5000);
  auto found = log->offset_for_timestamp(kNow - 5000);
  ASSERT_TRUE(found && *found);
  EXPECT_EQ(**found, 0);
}

TEST_P(LogCleanerTest, CompressedBatchesAreRewrittenWithTheirCodec) {
  for (auto codec : {model::Compression::gzip, model::Compression::snappy, model::Compression::lz4,
                     model::Compression::zstd}) {
    SCOPED_TRACE(model::compression_name(codec));
    expected_.clear();
    auto log = open(compacted());
    write_updates(*log, 15, 8, {}, codec);
    ASSERT_TRUE(log->roll());
    LogCleaner cleaner(1 << 20);
    ASSERT_TRUE(cleaner.clean(*log, kNow));
    auto r = log->read(0, 1 << 20);
    ASSERT_TRUE(r);
    auto h = model::parse_batch_header(r->records);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->compression(), codec);
    EXPECT_EQ(table_of(read_all(*log)), expected_);
    ASSERT_TRUE(log->destroy());
  }
}

TEST_P(LogCleanerTest, ASmallMapCleansInSeveralPassesAndNeverGrows) {
  auto log = open(compacted());
  write_updates(*log, 1000, 3);
  ASSERT_TRUE(log->roll());
  LogCleaner cleaner(OffsetMap::kEntryBytes * 300);  // 270 keys a pass
  int passes = 0;
  while (passes < 20) {
    auto result = cleaner.clean(*log, kNow);
    ASSERT_TRUE(result) << result.error().to_string();
    if (!result->cleaned) break;
    EXPECT_LE(result->keys_indexed, 270u);
    ++passes;
  }
  EXPECT_GE(passes, 4);  // 1000 keys x 3 rounds = 3000 records over ~270-key passes
  EXPECT_EQ(table_of(read_all(*log)), expected_);
  EXPECT_EQ(read_all(*log).size(), 1000u);
}

TEST_P(LogCleanerTest, MinCompactionLagKeepsYoungSegmentsDirty) {
  auto config = compacted();
  config.min_compaction_lag_ms = 10'000;
  auto log = open(config);
  write_updates(*log, 10, 10);  // timestamps kNow - 1000: younger than the lag
  ASSERT_TRUE(log->roll());
  LogCleaner cleaner(1 << 20);
  auto result = cleaner.clean(*log, kNow);
  ASSERT_TRUE(result);
  EXPECT_FALSE(result->cleaned);
  auto later = cleaner.clean(*log, kNow + 10'000);
  ASSERT_TRUE(later);
  EXPECT_TRUE(later->cleaned);
  EXPECT_EQ(read_all(*log).size(), 10u);
}

TEST_P(LogCleanerTest, ACleanedLogReopensToTheSameRecordsAndCheckpoint) {
  {
    auto log = open(compacted());
    write_updates(*log, 40, 10, {5});
    ASSERT_TRUE(log->roll());
    LogCleaner cleaner(1 << 20);
    ASSERT_TRUE(cleaner.clean(*log, kNow));
    write_updates(*log, 5, 2);  // more after the pass, in the active segment
    ASSERT_TRUE(log->close());
  }
  std::vector<std::string> report;
  auto log = open(compacted(), &report);
  EXPECT_TRUE(report.empty()) << report.front();
  EXPECT_EQ(log->cleaner_checkpoint(), 401);
  EXPECT_EQ(table_of(read_all(*log)), expected_);
  EXPECT_EQ(log->log_start_offset(), 0);
  EXPECT_EQ(log->high_watermark(), 411);
}

TEST_P(LogCleanerTest, AKeylessRecordIsRefusedByACompactedTopic) {
  auto log = open(compacted());
  model::BatchBuilder builder;
  builder.add(kNow, "k", "v");
  builder.add(kNow, std::nullopt, "no key");
  auto batch = builder.build();
  ASSERT_TRUE(batch);
  auto r = log->append(*batch);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::invalid_record);
  EXPECT_NE(r.error().message().find("without a key"), std::string::npos);
  EXPECT_EQ(log->high_watermark(), 0);  // nothing of the batch was written
}

TEST_P(LogCleanerTest, RetentionStillAppliesToCompactDelete) {
  auto config = compacted();
  ASSERT_TRUE(config.set("cleanup.policy", "compact,delete"));
  config.retention_ms = 1000;
  auto log = open(config);
  write_updates(*log, 10, 10);
  ASSERT_TRUE(log->roll());
  write_updates(*log, 10, 1);
  auto deleted = log->apply_retention(kNow + 1'000'000);
  ASSERT_TRUE(deleted);
  EXPECT_GT(*deleted, 0u);
  EXPECT_EQ(log->log_start_offset(), 100);
}

// A file system that stops working after `budget` changes (renames, removals, creations, syncs):
// the state on disk is then what a process killed at that point leaves behind.
class DyingFileSystem : public testing::ForwardingFileSystem {
 public:
  DyingFileSystem(std::shared_ptr<fs::FileSystem> inner, int budget)
      : ForwardingFileSystem(std::move(inner)), budget_(budget) {}
  bool dead() const { return budget_ < 0; }

  Result<std::unique_ptr<fs::File>> open(const std::string& path, fs::OpenMode mode) override {
    if (mode != fs::OpenMode::read_only && mode != fs::OpenMode::read_write) KD_TRY(spend());
    return inner().open(path, mode);
  }
  Status remove_file(const std::string& path) override {
    KD_TRY(spend());
    return inner().remove_file(path);
  }
  Status remove_all(const std::string& path) override {
    KD_TRY(spend());
    return inner().remove_all(path);
  }
  Status rename(const std::string& from, const std::string& to) override {
    KD_TRY(spend());
    return inner().rename(from, to);
  }
  Status sync_directory(const std::string& dir) override {
    KD_TRY(spend());
    return inner().sync_directory(dir);
  }

 private:
  Status spend() {
    if (--budget_ < 0) return Error(Errc::io_error, "simulated crash");
    return {};
  }
  int budget_;
};

TEST_P(LogCleanerTest, ACrashAtAnyStepOfAPassRecoversToTheSameTable) {
  // Build the log once, then for every k: copy it, run a pass whose k-th change "crashes", and
  // reopen the copy normally: the table (latest value per key) is unchanged and the log is valid.
  // Stops at the first k the pass survives, so every step of the protocol is hit once.
  auto base = open(compacted(2048));
  write_updates(*base, 60, 12, {1, 2, 3});
  ASSERT_TRUE(base->roll());
  ASSERT_TRUE(base->close());
  const auto want = expected_;
  auto copy_dir = [&](const std::string& from, const std::string& to) {
    ASSERT_TRUE(fs_->create_directories(to));
    auto names = fs_->list(from);
    ASSERT_TRUE(names);
    for (const auto& n : *names) {
      auto bytes = fs::read_file(*fs_, fs::join_path(from, n));
      ASSERT_TRUE(bytes);
      ASSERT_TRUE(fs::write_file_atomically(*fs_, fs::join_path(to, n), *bytes));
    }
  };
  const std::string pristine = dir_ + "-pristine";
  copy_dir(dir_, pristine);
  bool survived = false;
  int k = 0;
  // Every step on the in-memory file system; every 5th on the real one (fsyncs make it slow).
  const int stride = GetParam() == Backend::memory ? 1 : 5;
  for (; k < 500 && !survived; k += stride) {
    ASSERT_TRUE(fs_->remove_all(dir_));
    copy_dir(pristine, dir_);
    auto dying = std::make_shared<DyingFileSystem>(fs_, k);
    {
      auto log = open(compacted(2048), nullptr, dying);
      ASSERT_NE(log, nullptr);
      LogCleaner cleaner(1 << 20);
      auto result = cleaner.clean(*log, kNow);
      survived = bool(result) && !dying->dead();
    }
    std::vector<std::string> report;
    auto log = open(compacted(2048), &report);
    ASSERT_NE(log, nullptr);
    for (const auto& line : report) {
      EXPECT_EQ(line.find("truncated"), std::string::npos) << "k=" << k << ": " << line;
    }
    const auto records = read_all(*log);
    EXPECT_EQ(table_of(records), want) << "crash after " << k << " changes";
    for (size_t i = 1; i < records.size(); ++i)
      ASSERT_LT(records[i - 1].offset, records[i].offset) << "k=" << k;
    // A later pass on the recovered log finishes the job.
    LogCleaner cleaner(1 << 20);
    auto again = cleaner.clean(*log, kNow);
    ASSERT_TRUE(again) << "k=" << k << ": " << again.error().to_string();
    EXPECT_EQ(read_all(*log).size(), want.size()) << "k=" << k;
    EXPECT_EQ(table_of(read_all(*log)), want) << "k=" << k;
  }
  EXPECT_TRUE(survived);
  EXPECT_GT(k, 5);  // the pass has several steps; each was crashed once
}

TEST_P(LogCleanerTest, ReadersDuringCleaningSeeNoErrorAndNoDuplicate) {
  auto log = open(compacted(2048));
  write_updates(*log, 40, 30);
  ASSERT_TRUE(log->roll());
  std::atomic<bool> done{false};
  std::atomic<int> scans{0};
  std::thread reader([&] {
    while (!done.load()) {
      const auto records = read_all(*log);
      for (size_t i = 1; i < records.size(); ++i) {
        ASSERT_LT(records[i - 1].offset, records[i].offset);
      }
      // Whatever mix of old and new segments a scan saw, the table is the same.
      ASSERT_EQ(table_of(records).size(), 40u);
      ++scans;
    }
  });
  LogCleaner cleaner(1 << 20);
  for (int round = 0; round < 15; ++round) {
    write_updates(*log, 40, 2);
    ASSERT_TRUE(log->roll());
    auto result = cleaner.clean(*log, kNow);
    ASSERT_TRUE(result) << result.error().to_string();
  }
  // Let the reader finish at least one scan over the final log.
  const int seen = scans.load();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (scans.load() < seen + 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  done = true;
  reader.join();
  EXPECT_GE(scans.load(), seen + 2);
  EXPECT_EQ(table_of(read_all(*log)), expected_);
}

TEST_P(LogCleanerTest, AppendsAndRollsDuringCleaningLoseNothing) {
  auto log = open(compacted(1024));  // a roll every few batches
  std::atomic<bool> done{false};
  std::atomic<int> passes{0};
  std::map<std::string, std::string> written;
  std::thread writer([&] {
    for (int i = 0; i < 3000; ++i) {
      if (i == 1500) {
        // On the memory backend all 3000 appends can be over before the cleaner thread is
        // scheduled once: the second half waits for a pass (bounded), so one surely overlaps.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (passes.load() == 0 && std::chrono::steady_clock::now() < deadline) {
          std::this_thread::yield();
        }
      }
      const std::string key = "key-" + std::to_string(i % 97);
      const std::string value = "value-" + std::to_string(i);
      auto batch = make_keyed_batch({{key, value}}, kNow - 1000);
      auto r = log->append(batch);
      ASSERT_TRUE(r) << r.error().to_string();
      written[key] = value;
    }
    done = true;
  });
  LogCleaner cleaner(1 << 20);
  while (!done.load()) {
    auto result = cleaner.clean(*log, kNow);
    ASSERT_TRUE(result) << result.error().to_string();
    if (result->cleaned) ++passes;
  }
  writer.join();
  ASSERT_TRUE(log->roll());
  ASSERT_TRUE(cleaner.clean(*log, kNow));
  EXPECT_GT(passes.load(), 0);
  EXPECT_EQ(log->high_watermark(), 3000);
  const auto records = read_all(*log);
  ASSERT_EQ(records.size(), 97u);
  for (const auto& r : records) EXPECT_EQ(*r.value, written.at(*r.key)) << *r.key;
}

INSTANTIATE_TEST_SUITE_P(Backends, LogCleanerTest,
                         ::testing::Values(Backend::posix, Backend::memory), [](const auto& info) {
                           return info.param == Backend::posix ? "posix" : "memory";
                         });

TEST(OffsetMapTest, KeepsTheHighestOffsetAndRespectsItsBudget) {
  OffsetMap map(OffsetMap::kEntryBytes * 1000);
  EXPECT_EQ(map.capacity(), 900u);
  EXPECT_EQ(map.memory_bytes(), OffsetMap::kEntryBytes * 1000);
  for (int i = 0; i < 900; ++i) {
    ASSERT_TRUE(map.has_room(1) || map.get("k" + std::to_string(i)));
    map.put("k" + std::to_string(i), i);
  }
  EXPECT_FALSE(map.has_room(1));
  map.put("k5", 2000);  // an existing key needs no room
  map.put("k6", 1);     // a lower offset never wins
  EXPECT_EQ(map.get("k5"), 2000);
  EXPECT_EQ(map.get("k6"), 6);
  EXPECT_EQ(map.get("missing"), std::nullopt);
  EXPECT_EQ(map.get(""), std::nullopt);
  map.put("", 7);  // the empty key is a key like any other
  EXPECT_EQ(map.get(""), 7);
  map.clear();
  EXPECT_EQ(map.size(), 0u);
  EXPECT_EQ(map.get("k5"), std::nullopt);
}

TEST(LogManagerCleanerTest, CleansCompactedTopicsOnlyAndCountsWhatItDid) {
  testing::TempDir tmp;
  LogOptions options;
  options.cleaner_enabled = false;  // driven by hand here
  std::vector<std::string> lines;
  options.cleaner_log = [&](const std::string& line) { lines.push_back(line); };
  auto logs = LogManager::open(fs::posix_file_system(), tmp.path(), options);
  ASSERT_TRUE(logs);
  ASSERT_TRUE((*logs)->create_topic("table", 1,
                                    {{"cleanup.policy", "compact"},
                                     {"segment.bytes", "2048"},
                                     {"min.cleanable.dirty.ratio", "0.01"}}));
  ASSERT_TRUE((*logs)->create_topic("stream", 1, {{"segment.bytes", "2048"}}));
  for (const char* topic : {"table", "stream"}) {
    auto p = (*logs)->partition(topic, 0);
    ASSERT_TRUE(p);
    for (int i = 0; i < 100; ++i) {
      auto b =
          make_keyed_batch({{"k" + std::to_string(i % 5), "value " + std::to_string(i)}}, kNow);
      ASSERT_TRUE((*p)->append(b));
    }
    ASSERT_TRUE((*p)->roll());
  }
  auto results = (*logs)->clean_due(kNow);
  ASSERT_TRUE(results) << results.error().to_string();
  ASSERT_EQ(results->size(), 1u);
  EXPECT_EQ(results->front().topic, "table");
  const auto stats = (*logs)->cleaner_stats();
  EXPECT_EQ(stats.passes, 1u);
  EXPECT_EQ(stats.records_removed, 95u);
  EXPECT_GT(stats.bytes_read, stats.bytes_written);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("table-0"), std::string::npos) << lines[0];
  EXPECT_EQ(read_all(**(*logs)->partition("stream", 0)).size(), 100u);
  EXPECT_EQ(read_all(**(*logs)->partition("table", 0)).size(), 5u);
  auto described = (*logs)->describe_topic("table");
  ASSERT_TRUE(described);
  EXPECT_EQ(described->config.get("cleanup.policy"), "compact");
  EXPECT_EQ(described->config.get("min.cleanable.dirty.ratio"), "0.01");
}

TEST(LogManagerCleanerTest, TheBackgroundCleanerRunsByItself) {
  testing::TempDir tmp;
  LogOptions options;
  options.cleaner_backoff = std::chrono::milliseconds(20);
  auto logs = LogManager::open(fs::posix_file_system(), tmp.path(), options);
  ASSERT_TRUE(logs);
  ASSERT_TRUE((*logs)->create_topic("table", 1,
                                    {{"cleanup.policy", "compact"},
                                     {"segment.bytes", "1024"},
                                     {"min.cleanable.dirty.ratio", "0"}}));
  auto p = (*logs)->partition("table", 0);
  ASSERT_TRUE(p);
  for (int i = 0; i < 200; ++i) {
    auto b = make_keyed_batch({{"k" + std::to_string(i % 3), "v" + std::to_string(i)}}, kNow);
    ASSERT_TRUE((*p)->append(b));
  }
  ASSERT_TRUE((*p)->roll());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  // Passes may also run while the appends roll segments; wait for the table to settle. The
  // counters are updated after a pass installs its segments, so wait for them too.
  while ((read_all(**p).size() != 3 || (*logs)->cleaner_stats().passes == 0) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_GT((*logs)->cleaner_stats().passes, 0u);
  EXPECT_EQ(read_all(**p).size(), 3u);
  ASSERT_TRUE((*logs)->close());
}

}  // namespace
}  // namespace kafka_do::storage

namespace kafka_do::storage {
namespace {

TEST(LogCleanerProducerStateTest, DuplicateDetectionSurvivesCompactionAndRestart) {
  testing::TempDir tmp;
  const std::string dir = tmp.path() + "/p0";
  auto idempotent = [](int32_t sequence, const std::string& key) {
    model::BatchBuilder b({.producer_id = 7, .producer_epoch = 0, .base_sequence = sequence});
    b.add(kNow, key, "v" + std::to_string(sequence));
    auto built = b.build();
    EXPECT_TRUE(built);
    return *built;
  };
  int64_t last_offset = -1;
  {
    auto log =
        PartitionLog::open(fs::posix_file_system(), dir, "t", 0, compacted(1024), {}, nullptr);
    ASSERT_TRUE(log);
    for (int32_t seq = 0; seq < 60; ++seq) {
      auto batch = idempotent(seq, "k" + std::to_string(seq % 3));
      auto r = (*log)->append(batch);
      ASSERT_TRUE(r) << r.error().to_string();
      last_offset = r->base_offset;
    }
    ASSERT_TRUE((*log)->roll());
    LogCleaner cleaner(1 << 20);
    auto cleaned = cleaner.clean(**log, kNow);
    ASSERT_TRUE(cleaned);
    EXPECT_TRUE(cleaned->cleaned);
    EXPECT_EQ(read_all(**log).size(), 3u);
    ASSERT_TRUE((*log)->close());
  }
  auto log = PartitionLog::open(fs::posix_file_system(), dir, "t", 0, compacted(1024), {}, nullptr);
  ASSERT_TRUE(log);
  // The producer's retry of its last batch is recognised (nothing written, original offset) and
  // its next sequence is accepted: compaction kept what duplicate detection needs.
  auto retry = idempotent(59, "k2");
  auto again = (*log)->append(retry);
  ASSERT_TRUE(again) << again.error().to_string();
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->base_offset, last_offset);
  auto next = idempotent(60, "k0");
  auto appended = (*log)->append(next);
  ASSERT_TRUE(appended) << appended.error().to_string();
  EXPECT_FALSE(appended->duplicate);
  EXPECT_EQ(appended->base_offset, 60);
  auto gap = idempotent(62, "k1");
  auto refused = (*log)->append(gap);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), Errc::out_of_sequence);
}

}  // namespace
}  // namespace kafka_do::storage
