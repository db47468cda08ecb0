#include "storage/segment_index.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "base/coding.hpp"
#include "model/record_batch.hpp"
#include "support/forwarding_file_system.hpp"
#include "support/temp_dir.hpp"

namespace kafka_do::storage {
namespace {

using model::kNoTimestamp;

enum class Backend { posix, memory };

// Index files written by hand: (relative offset, position) and (timestamp, relative offset).
std::string offset_file(const std::vector<std::pair<uint32_t, uint32_t>>& entries) {
  std::string out;
  ByteWriter w(out);
  for (auto [rel, pos] : entries) {
    w.u32(rel);
    w.u32(pos);
  }
  return out;
}

std::string time_file(const std::vector<std::pair<int64_t, uint32_t>>& entries) {
  std::string out;
  ByteWriter w(out);
  for (auto [ts, rel] : entries) {
    w.i64(ts);
    w.u32(rel);
  }
  return out;
}

class SegmentIndexTest : public ::testing::TestWithParam<Backend> {
 protected:
  static constexpr int64_t kBase = 100;

  SegmentIndexTest()
      : fs_(GetParam() == Backend::posix ? fs::posix_file_system() : fs::memory_file_system()),
        dir_(GetParam() == Backend::posix ? tmp_.path() : "/data"),
        index_path_(dir_ + "/00000000000000000100.index"),
        time_path_(dir_ + "/00000000000000000100.timeindex") {}

  void SetUp() override { ASSERT_TRUE(fs_->create_directories(dir_)); }

  // Three batches: offsets 100-104 at position 0 (timestamps up to 1000), 105-109 at 100 (up to
  // 2000), 110-114 at 250 (up to 3000). Every batch is indexed (interval 0).
  static void add_three(SegmentIndex& index) {
    index.add(kBase + 0, 0, kNoTimestamp);
    index.add(kBase + 5, 100, 1000);
    index.add(kBase + 10, 250, 2000);
  }

  void write(const std::string& path, const std::string& bytes) {
    ASSERT_TRUE(fs_->remove_file(path));
    auto f = fs_->open(path, fs::OpenMode::create_new);
    ASSERT_TRUE(f);
    ASSERT_TRUE((*f)->append(bytes));
  }

  std::string read(const std::string& path) {
    auto r = fs::read_file(*fs_, path);
    EXPECT_TRUE(r) << r.error().to_string();
    return r ? *r : std::string();
  }

  Result<SegmentIndex::Loaded> load(SegmentIndex& index, uint64_t log_size = 1000) {
    return index.load(*fs_, index_path_, time_path_, log_size);
  }

  // The lookups every test checks, the same before sealing, after sealing and after loading.
  static void expect_three_lookups(const SegmentIndex& index) {
    EXPECT_EQ(index.entry_count(), 3u);
    EXPECT_EQ(index.position_for_offset(kBase), 0u);        // exact, first
    EXPECT_EQ(index.position_for_offset(kBase + 5), 100u);  // exact
    EXPECT_EQ(index.position_for_offset(kBase + 7), 100u);  // between entries: the one before
    EXPECT_EQ(index.position_for_offset(kBase + 10), 250u);
    EXPECT_EQ(index.position_for_offset(kBase + 1000), 250u);  // after the last
    EXPECT_EQ(index.position_for_offset(kBase - 1), 0u);       // before the segment
    EXPECT_EQ(index.position_for_offset(0), 0u);
    // Timestamps: the last batch before which every timestamp is below the one looked for.
    EXPECT_EQ(index.scan_start_for_timestamp(0), kBase);
    EXPECT_EQ(index.scan_start_for_timestamp(1000), kBase);
    EXPECT_EQ(index.scan_start_for_timestamp(1001), kBase + 5);
    EXPECT_EQ(index.scan_start_for_timestamp(2000), kBase + 5);
    EXPECT_EQ(index.scan_start_for_timestamp(2001), kBase + 10);
  }

  testing::TempDir tmp_;
  std::shared_ptr<fs::FileSystem> fs_;
  std::string dir_;
  std::string index_path_;
  std::string time_path_;
};

TEST_P(SegmentIndexTest, AnEmptyIndexPointsAtTheStart) {
  SegmentIndex index(kBase, 4096);
  EXPECT_EQ(index.entry_count(), 0u);
  EXPECT_EQ(index.position_for_offset(kBase + 50), 0u);
  EXPECT_EQ(index.scan_start_for_timestamp(12345), kBase);
}

TEST_P(SegmentIndexTest, LookupsFindTheLastEntryAtOrBeforeTheTarget) {
  SegmentIndex index(kBase, 0);
  add_three(index);
  expect_three_lookups(index);
}

TEST_P(SegmentIndexTest, EntriesAreAddedOncePerIntervalOfBytes) {
  SegmentIndex index(kBase, 100);
  index.add(kBase + 0, 0, kNoTimestamp);  // first batch: always
  index.add(kBase + 1, 50, 10);           // 50 bytes since the last entry: skipped
  index.add(kBase + 2, 120, 20);          // 120: indexed
  index.add(kBase + 3, 170, 30);          // 50: skipped
  index.add(kBase + 4, 230, 40);          // 110: indexed
  EXPECT_EQ(index.entry_count(), 3u);
  EXPECT_EQ(index.position_for_offset(kBase + 1), 0u);
  EXPECT_EQ(index.position_for_offset(kBase + 3), 120u);
  EXPECT_EQ(index.position_for_offset(kBase + 4), 230u);
  // Time entries exist only where offset entries do.
  EXPECT_EQ(index.scan_start_for_timestamp(15), kBase);
  EXPECT_EQ(index.scan_start_for_timestamp(35), kBase + 2);
  EXPECT_EQ(index.scan_start_for_timestamp(41), kBase + 4);
}

TEST_P(SegmentIndexTest, ATimestampThatDoesNotGrowAddsNoTimeEntry) {
  SegmentIndex index(kBase, 0);
  index.add(kBase + 0, 0, kNoTimestamp);
  index.add(kBase + 1, 10, 2000);
  index.add(kBase + 2, 20, 1500);  // an older record came later: the max before is still 2000
  index.add(kBase + 3, 30, 2000);
  EXPECT_EQ(index.scan_start_for_timestamp(1999), kBase);
  EXPECT_EQ(index.scan_start_for_timestamp(2001), kBase + 1);  // not kBase + 2 or 3
}

TEST_P(SegmentIndexTest, SealWritesBothFilesInTheDocumentedFormat) {
  SegmentIndex index(kBase, 0);
  add_three(index);
  ASSERT_TRUE(index.seal(*fs_, index_path_, time_path_, kBase + 15, 3000));
  // u32 relative offset, u32 position; big-endian.
  EXPECT_EQ(read(index_path_), std::string("\0\0\0\0\0\0\0\0"
                                           "\0\0\0\x05\0\0\0\x64"
                                           "\0\0\0\x0a\0\0\0\xfa",
                                           24));
  // i64 max timestamp before the batch, u32 relative offset; then the end entry (segment max
  // timestamp, next offset).
  EXPECT_EQ(read(time_path_), std::string("\0\0\0\0\0\0\x03\xe8\0\0\0\x05"
                                          "\0\0\0\0\0\0\x07\xd0\0\0\0\x0a"
                                          "\0\0\0\0\0\0\x0b\xb8\0\0\0\x0f",
                                          36));
  EXPECT_EQ(index.memory_bytes(), 0u);  // a sealed index lives in the mapped files
  expect_three_lookups(index);
  // The end entry answers "nothing at or after this timestamp here" with the next offset.
  EXPECT_EQ(index.scan_start_for_timestamp(3001), kBase + 15);
}

TEST_P(SegmentIndexTest, SealingTwiceKeepsTheFirstFiles) {
  SegmentIndex index(kBase, 0);
  add_three(index);
  ASSERT_TRUE(index.seal(*fs_, index_path_, time_path_, kBase + 15, 3000));
  const std::string offsets = read(index_path_), times = read(time_path_);
  ASSERT_TRUE(index.seal(*fs_, index_path_, time_path_, kBase + 99, 9999));
  EXPECT_EQ(read(index_path_), offsets);
  EXPECT_EQ(read(time_path_), times);
}

TEST_P(SegmentIndexTest, LoadRestoresTheLookupsTheNextOffsetAndTheMaxTimestamp) {
  {
    SegmentIndex index(kBase, 0);
    add_three(index);
    ASSERT_TRUE(index.seal(*fs_, index_path_, time_path_, kBase + 15, 3000));
  }
  SegmentIndex loaded(kBase, 0);
  auto r = load(loaded, 300);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->next_offset, kBase + 15);
  EXPECT_EQ(r->max_timestamp, 3000);
  EXPECT_EQ(loaded.memory_bytes(), 0u);
  expect_three_lookups(loaded);
}

TEST_P(SegmentIndexTest, AnEmptySegmentSealsAndLoads) {
  {
    SegmentIndex index(kBase, 0);
    ASSERT_TRUE(index.seal(*fs_, index_path_, time_path_, kBase, kNoTimestamp));
  }
  EXPECT_EQ(read(index_path_), "");
  SegmentIndex loaded(kBase, 0);
  auto r = load(loaded, 0);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->next_offset, kBase);
  EXPECT_EQ(r->max_timestamp, kNoTimestamp);
  EXPECT_EQ(loaded.entry_count(), 0u);
}

TEST_P(SegmentIndexTest, LoadRefusesMissingFiles) {
  SegmentIndex index(kBase, 0);
  EXPECT_FALSE(load(index));
  write(index_path_, offset_file({{0, 0}}));
  EXPECT_FALSE(load(index));  // the time index is still missing
  ASSERT_TRUE(fs_->remove_file(index_path_));
  write(time_path_, time_file({{1000, 1}}));
  EXPECT_FALSE(load(index));  // now the offset index is
}

struct BadIndex {
  const char* name;
  std::vector<std::pair<uint32_t, uint32_t>> offsets;
  std::vector<std::pair<int64_t, uint32_t>> times;
  size_t chop_offsets = 0;  // bytes cut off the end of the offset file (partial entry)
  size_t chop_times = 0;
};

// The files of a healthy index: entries (0,0), (5,100), (10,250); times (1000,5), (2000,10) and the
// end entry (3000,15). Each case damages one thing.
const BadIndex kBadIndexes[] = {
    {"PartialOffsetEntry", {{0, 0}, {5, 100}, {10, 250}}, {{1000, 5}, {3000, 15}}, 3, 0},
    {"PartialTimeEntry", {{0, 0}, {5, 100}, {10, 250}}, {{1000, 5}, {3000, 15}}, 0, 5},
    {"OffsetsOutOfOrder", {{0, 0}, {10, 100}, {5, 250}}, {{3000, 15}}},
    {"RepeatedOffset", {{0, 0}, {5, 100}, {5, 250}}, {{3000, 15}}},
    {"PositionsOutOfOrder", {{0, 0}, {5, 250}, {10, 100}}, {{3000, 15}}},
    {"PositionPastTheLog", {{0, 0}, {5, 100}, {10, 1000}}, {{3000, 15}}},
    {"TimestampsGoBack", {{0, 0}, {5, 100}, {10, 250}}, {{2000, 5}, {1000, 10}, {3000, 15}}},
    {"TimeOffsetsOutOfOrder", {{0, 0}, {5, 100}, {10, 250}}, {{1000, 10}, {2000, 5}, {3000, 15}}},
    {"NoEndEntry", {{0, 0}, {5, 100}, {10, 250}}, {}},
    {"EndEntryBeforeTheLastBatch", {{0, 0}, {5, 100}, {10, 250}}, {{1000, 5}, {3000, 10}}},
};

class SegmentIndexCorruptionTest : public ::testing::TestWithParam<std::tuple<Backend, BadIndex>> {
};

TEST_P(SegmentIndexCorruptionTest, IsRefusedAsCorruption) {
  const auto& [backend, bad] = GetParam();
  testing::TempDir tmp;
  auto fs = backend == Backend::posix ? fs::posix_file_system() : fs::memory_file_system();
  const std::string dir = backend == Backend::posix ? tmp.path() : "/data";
  ASSERT_TRUE(fs->create_directories(dir));
  const std::string index_path = dir + "/x.index", time_path = dir + "/x.timeindex";
  std::string offsets = offset_file(bad.offsets), times = time_file(bad.times);
  offsets.resize(offsets.size() - bad.chop_offsets);
  times.resize(times.size() - bad.chop_times);
  ASSERT_TRUE(fs::write_file_atomically(*fs, index_path, offsets));
  ASSERT_TRUE(fs::write_file_atomically(*fs, time_path, times));

  SegmentIndex index(100, 0);
  auto r = index.load(*fs, index_path, time_path, /*log_size=*/1000);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::corruption);
  EXPECT_NE(r.error().message().find(dir + "/x."), std::string::npos)
      << "the error names the file: " << r.error().message();
}

TEST(SegmentIndexCorruptionControl, TheHealthyFilesOfTheCorruptionCasesLoad) {
  // Guards the table above: without damage the same construction loads.
  auto fs = fs::memory_file_system();
  ASSERT_TRUE(fs->create_directories("/data"));
  ASSERT_TRUE(
      fs::write_file_atomically(*fs, "/data/x.index", offset_file({{0, 0}, {5, 100}, {10, 250}})));
  ASSERT_TRUE(fs::write_file_atomically(*fs, "/data/x.timeindex",
                                        time_file({{1000, 5}, {2000, 10}, {3000, 15}})));
  SegmentIndex index(100, 0);
  auto r = index.load(*fs, "/data/x.index", "/data/x.timeindex", 1000);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->next_offset, 115);
  EXPECT_EQ(r->max_timestamp, 3000);
  EXPECT_EQ(index.position_for_offset(107), 100u);
  // A position must be inside the log: the same files against a log of 250 bytes are stale.
  SegmentIndex shorter(100, 0);
  EXPECT_FALSE(shorter.load(*fs, "/data/x.index", "/data/x.timeindex", 250));
}

INSTANTIATE_TEST_SUITE_P(Cases, SegmentIndexCorruptionTest,
                         ::testing::Combine(::testing::Values(Backend::posix, Backend::memory),
                                            ::testing::ValuesIn(kBadIndexes)),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param) == Backend::posix
                                                  ? "posix_"
                                                  : "memory_") +
                                  std::get<1>(info.param).name;
                         });

TEST_P(SegmentIndexTest, TruncateToPositionDropsTheEntriesAtAndAfterIt) {
  SegmentIndex index(kBase, 0);
  add_three(index);
  index.truncate_to_position(100);
  EXPECT_EQ(index.entry_count(), 1u);
  EXPECT_EQ(index.position_for_offset(kBase + 12), 0u);
  EXPECT_EQ(index.scan_start_for_timestamp(5000), kBase);  // their time entries went too
  // Appending resumes from the truncation point.
  index.add(kBase + 5, 100, 1000);
  EXPECT_EQ(index.entry_count(), 2u);
  EXPECT_EQ(index.position_for_offset(kBase + 6), 100u);
  index.truncate_to_position(251);  // past every entry: nothing to drop
  EXPECT_EQ(index.entry_count(), 2u);
}

TEST_P(SegmentIndexTest, ClearForgetsEverythingIncludingASealedMapping) {
  SegmentIndex index(kBase, 0);
  add_three(index);
  ASSERT_TRUE(index.seal(*fs_, index_path_, time_path_, kBase + 15, 3000));
  index.clear();
  EXPECT_EQ(index.entry_count(), 0u);
  EXPECT_EQ(index.position_for_offset(kBase + 10), 0u);
  EXPECT_EQ(index.scan_start_for_timestamp(5000), kBase);
  index.add(kBase + 10, 250, 2000);  // usable again, in memory
  EXPECT_EQ(index.position_for_offset(kBase + 11), 250u);
}

// Fails opening one kind of file, once.
class FailOnceFileSystem : public testing::ForwardingFileSystem {
 public:
  FailOnceFileSystem(std::shared_ptr<fs::FileSystem> inner, std::string suffix)
      : ForwardingFileSystem(std::move(inner)), suffix_(std::move(suffix)) {}
  Result<std::unique_ptr<fs::File>> open(const std::string& path, fs::OpenMode mode) override {
    if (!failed_ && mode == fs::OpenMode::create_new && path.ends_with(suffix_)) {
      failed_ = true;
      return Error(Errc::io_error, "injected failure creating " + path);
    }
    return ForwardingFileSystem::open(path, mode);
  }

 private:
  std::string suffix_;
  bool failed_ = false;
};

TEST_P(SegmentIndexTest, ASealThatFailedCanBeRetriedAndItsFilesLoad) {
  FailOnceFileSystem failing(fs_, ".timeindex");
  SegmentIndex index(kBase, 0);
  add_three(index);
  ASSERT_FALSE(index.seal(failing, index_path_, time_path_, kBase + 15, 3000));
  expect_three_lookups(index);  // still usable in memory
  ASSERT_TRUE(index.seal(failing, index_path_, time_path_, kBase + 15, 3000));
  expect_three_lookups(index);
  // The retry wrote the same files a first-time seal writes, so a reopen loads them.
  EXPECT_EQ(read(time_path_).size(), 3 * 12u);
  SegmentIndex loaded(kBase, 0);
  auto r = load(loaded, 300);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->next_offset, kBase + 15);
  EXPECT_EQ(r->max_timestamp, 3000);
}

INSTANTIATE_TEST_SUITE_P(Backends, SegmentIndexTest,
                         ::testing::Values(Backend::posix, Backend::memory), [](const auto& info) {
                           return info.param == Backend::posix ? "posix" : "memory";
                         });

}  // namespace
}  // namespace kafka_do::storage
