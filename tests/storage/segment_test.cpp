#include "storage/segment.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/segment_format.hpp"
#include "support/batches.hpp"
#include "support/temp_dir.hpp"

namespace kafka_do::storage {
namespace {

using testing::decode_all;
using testing::make_batch;

enum class Backend { posix, memory };

struct Written {
  int64_t base_offset;
  uint64_t position;
  std::string bytes;
};

class SegmentTest : public ::testing::TestWithParam<Backend> {
 protected:
  static constexpr int64_t kBase = 100;

  SegmentTest()
      : fs_(GetParam() == Backend::posix ? fs::posix_file_system() : fs::memory_file_system()),
        dir_(GetParam() == Backend::posix ? tmp_.path() + "/t-0" : "/data/t-0") {}

  void SetUp() override { ASSERT_TRUE(fs_->create_directories(dir_)); }

  std::string file(std::string_view suffix, int64_t base = kBase) const {
    return dir_ + "/" + segment_format::file_stem(base) + std::string(suffix);
  }

  std::shared_ptr<Segment> create(size_t interval = 4096) {
    auto s = Segment::create(fs_, dir_, kBase, interval);
    EXPECT_TRUE(s) << s.error().to_string();
    return s ? *s : nullptr;
  }

  std::shared_ptr<Segment> reopen(bool active, SegmentRecovery* recovery = nullptr,
                                  size_t interval = 4096) {
    auto s = Segment::open(fs_, dir_, kBase, interval, active, recovery);
    EXPECT_TRUE(s) << s.error().to_string();
    return s ? *s : nullptr;
  }

  // Appends a batch of `values` (timestamps ts, ts+1, ...) at the segment's next offset, or at
  // `base` (a compacted segment has gaps).
  static Written append(Segment& seg, const std::vector<std::string>& values, int64_t ts,
                        int64_t base = -1) {
    std::string batch = make_batch(values, ts);
    const int64_t b = base >= 0 ? base : seg.next_offset();
    model::set_base_offset(batch.data(), b);
    auto h = model::parse_batch_header(batch);
    EXPECT_TRUE(h);
    const uint64_t position = seg.size();
    EXPECT_TRUE(seg.append(batch, *h));
    return {b, position, batch};
  }

  // Three batches of three records: offsets 100-102 (timestamps 1000-1002), 103-105 (2000-2002)
  // and 106-108 (3000-3002).
  static std::vector<Written> append_three(Segment& seg) {
    return {append(seg, {"a0", "a1", "a2"}, 1000), append(seg, {"b0", "b1", "b2"}, 2000),
            append(seg, {"c0", "c1", "c2"}, 3000)};
  }

  std::string read_file(const std::string& path) {
    auto r = fs::read_file(*fs_, path);
    EXPECT_TRUE(r) << r.error().to_string();
    return r ? *r : std::string();
  }

  // Replaces a file's contents (the file layer only appends and truncates).
  void rewrite(const std::string& path, const std::string& contents) {
    auto f = fs_->open(path, fs::OpenMode::read_write);
    ASSERT_TRUE(f);
    ASSERT_TRUE((*f)->truncate(0));
    ASSERT_TRUE((*f)->append(contents));
  }

  void append_raw(const std::string& path, std::string_view bytes) {
    auto f = fs_->open(path, fs::OpenMode::read_write);
    ASSERT_TRUE(f);
    ASSERT_TRUE((*f)->append(bytes));
  }

  static std::vector<int64_t> offsets(std::string_view batches) {
    std::vector<int64_t> out;
    for (const auto& r : decode_all(batches)) out.push_back(r.offset);
    return out;
  }

  testing::TempDir tmp_;
  std::shared_ptr<fs::FileSystem> fs_;
  std::string dir_;
};

TEST_P(SegmentTest, CreateMakesAnEmptyLogNamedAfterItsBaseOffset) {
  auto seg = create();
  ASSERT_NE(seg, nullptr);
  EXPECT_EQ(seg->base_offset(), kBase);
  EXPECT_EQ(seg->next_offset(), kBase);
  EXPECT_EQ(seg->size(), 0u);
  EXPECT_TRUE(seg->empty());
  EXPECT_FALSE(seg->sealed());
  EXPECT_EQ(seg->max_timestamp(), model::kNoTimestamp);
  EXPECT_EQ(seg->log_path(), dir_ + "/00000000000000000100.log");
  EXPECT_TRUE(fs_->exists(seg->log_path()));
  auto found = seg->find_batch(kBase, seg->size());
  ASSERT_TRUE(found);
  EXPECT_FALSE(found->has_value());
  auto read = seg->read(0, 1 << 20, seg->size(), INT64_MAX);
  ASSERT_TRUE(read);
  EXPECT_TRUE(read->empty());
}

TEST_P(SegmentTest, CreateRefusesAnExistingLog) {
  ASSERT_NE(create(), nullptr);
  auto again = Segment::create(fs_, dir_, kBase, 4096);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), Errc::already_exists);
}

TEST_P(SegmentTest, CreateRemovesStaleIndexFilesOfTheSameBase) {
  ASSERT_TRUE(fs::write_file_atomically(*fs_, file(".index"), std::string(16, 'x')));
  ASSERT_TRUE(fs::write_file_atomically(*fs_, file(".timeindex"), std::string(24, 'x')));
  auto seg = create();
  ASSERT_NE(seg, nullptr);
  EXPECT_FALSE(fs_->exists(file(".index")));
  EXPECT_FALSE(fs_->exists(file(".timeindex")));
}

TEST_P(SegmentTest, OpenOfAMissingSegmentIsNotFound) {
  for (bool active : {true, false}) {
    auto seg = Segment::open(fs_, dir_, kBase, 4096, active, nullptr);
    ASSERT_FALSE(seg);
    EXPECT_EQ(seg.error().code(), Errc::not_found);
  }
}

TEST_P(SegmentTest, AppendAdvancesSizeNextOffsetAndMaxTimestamp) {
  auto seg = create();
  ASSERT_NE(seg, nullptr);
  const Written a = append(*seg, {"x", "y", "z"}, 5000);
  EXPECT_EQ(a.position, 0u);
  EXPECT_EQ(seg->size(), a.bytes.size());
  EXPECT_EQ(seg->next_offset(), kBase + 3);
  EXPECT_EQ(seg->max_timestamp(), 5002);
  EXPECT_FALSE(seg->empty());
  const Written b = append(*seg, {"older"}, 10);  // an older timestamp: the max stays
  EXPECT_EQ(b.position, a.bytes.size());
  EXPECT_EQ(seg->size(), a.bytes.size() + b.bytes.size());
  EXPECT_EQ(seg->next_offset(), kBase + 4);
  EXPECT_EQ(seg->max_timestamp(), 5002);
  EXPECT_EQ(read_file(seg->log_path()), a.bytes + b.bytes);  // batches back to back, as given
}

TEST_P(SegmentTest, ReadReturnsWholeBatchesWhileTheyFitInMaxBytes) {
  auto seg = create();
  ASSERT_NE(seg, nullptr);
  const auto w = append_three(*seg);
  const uint64_t end = seg->size();
  auto all = seg->read(0, 1 << 20, end, INT64_MAX);
  ASSERT_TRUE(all);
  EXPECT_EQ(*all, w[0].bytes + w[1].bytes + w[2].bytes);
  // Two batches and a bit: the third does not fit, and is not cut.
  auto two = seg->read(0, w[0].bytes.size() + w[1].bytes.size() + 10, end, INT64_MAX);
  ASSERT_TRUE(two);
  EXPECT_EQ(*two, w[0].bytes + w[1].bytes);
  // The first batch comes whole even when larger than max_bytes, unless the caller says no.
  auto one = seg->read(0, 1, end, INT64_MAX);
  ASSERT_TRUE(one);
  EXPECT_EQ(*one, w[0].bytes);
  auto none = seg->read(0, 1, end, INT64_MAX, /*first_may_exceed=*/false);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  // From the middle.
  auto from_second = seg->read(w[1].position, 1 << 20, end, INT64_MAX);
  ASSERT_TRUE(from_second);
  EXPECT_EQ(offsets(*from_second), (std::vector<int64_t>{103, 104, 105, 106, 107, 108}));
}

TEST_P(SegmentTest, ReadStopsAtTheLimitAndBeforeEndOffset) {
  auto seg = create();
  ASSERT_NE(seg, nullptr);
  const auto w = append_three(*seg);
  // limit: the bytes a reader may see (the partition hides unpublished batches this way).
  auto limited = seg->read(0, 1 << 20, w[2].position, INT64_MAX);
  ASSERT_TRUE(limited);
  EXPECT_EQ(*limited, w[0].bytes + w[1].bytes);
  auto at_limit = seg->read(w[2].position, 1 << 20, w[2].position, INT64_MAX);
  ASSERT_TRUE(at_limit);
  EXPECT_TRUE(at_limit->empty());
  // A limit inside a batch hides that batch.
  auto mid = seg->read(w[2].position, 1 << 20, w[2].position + 70, INT64_MAX);
  ASSERT_TRUE(mid);
  EXPECT_TRUE(mid->empty());
  // end_offset: no batch whose base offset is at or past it.
  auto before_third = seg->read(0, 1 << 20, seg->size(), w[2].base_offset);
  ASSERT_TRUE(before_third);
  EXPECT_EQ(*before_third, w[0].bytes + w[1].bytes);
  auto inside_second = seg->read(0, 1 << 20, seg->size(), w[1].base_offset + 1);
  ASSERT_TRUE(inside_second);
  EXPECT_EQ(*inside_second, w[0].bytes + w[1].bytes);  // whole batches: 104 is inside the second
  auto nothing = seg->read(w[1].position, 1 << 20, seg->size(), w[1].base_offset);
  ASSERT_TRUE(nothing);
  EXPECT_TRUE(nothing->empty());
}

TEST_P(SegmentTest, FindBatchReturnsThePositionOfTheBatchHoldingTheOffset) {
  for (size_t interval : {size_t(1), size_t(1) << 20}) {  // every batch indexed, or none but one
    SCOPED_TRACE("index interval " + std::to_string(interval));
    ASSERT_TRUE(fs_->remove_all(dir_));
    ASSERT_TRUE(fs_->create_directories(dir_));
    auto seg = create(interval);
    ASSERT_NE(seg, nullptr);
    const auto w = append_three(*seg);
    const uint64_t end = seg->size();
    auto at = [&](int64_t offset, uint64_t limit) -> std::optional<uint64_t> {
      auto r = seg->find_batch(offset, limit);
      EXPECT_TRUE(r) << r.error().to_string();
      return r ? *r : std::nullopt;
    };
    EXPECT_EQ(at(100, end), w[0].position);
    EXPECT_EQ(at(102, end), w[0].position);
    EXPECT_EQ(at(103, end), w[1].position);
    EXPECT_EQ(at(105, end), w[1].position);
    EXPECT_EQ(at(108, end), w[2].position);
    EXPECT_EQ(at(0, end), w[0].position);             // before the segment: its first batch
    EXPECT_EQ(at(109, end), std::nullopt);            // the next offset: not here yet
    EXPECT_EQ(at(107, w[2].position), std::nullopt);  // past the limit
    EXPECT_EQ(at(104, w[2].position), w[1].position);
  }
}

TEST_P(SegmentTest, AnOffsetInACompactionGapFindsTheNextBatch) {
  auto seg = create(1);
  ASSERT_NE(seg, nullptr);
  const Written a = append(*seg, {"a"}, 1000, 100);
  const Written b = append(*seg, {"b", "c"}, 1001, 110);  // 101-109 were compacted away
  EXPECT_EQ(seg->next_offset(), 112);
  auto found = seg->find_batch(105, seg->size());
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, b.position);
  EXPECT_EQ(*seg->find_batch(100, seg->size()), a.position);
  // Reopening scans the log: gaps are fine, the offsets still only grow.
  seg.reset();
  SegmentRecovery rec;
  auto reopened = reopen(/*active=*/true, &rec);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(rec.truncated_bytes, 0u) << rec.reason;
  EXPECT_EQ(rec.batches, 2);
  EXPECT_EQ(reopened->next_offset(), 112);
}

TEST_P(SegmentTest, FindOffsetForTimestampFindsTheFirstRecordAtOrAfterIt) {
  auto seg = create(1);
  ASSERT_NE(seg, nullptr);
  append_three(*seg);
  auto check = [](const Segment& s) {
    auto at = [&](int64_t ts) -> std::optional<int64_t> {
      auto r = s.find_offset_for_timestamp(ts, s.size());
      EXPECT_TRUE(r) << r.error().to_string();
      return r ? *r : std::nullopt;
    };
    EXPECT_EQ(at(0), 100);
    EXPECT_EQ(at(1000), 100);
    EXPECT_EQ(at(1001), 101);
    EXPECT_EQ(at(1500), 103);  // between batches: the next batch's first record
    EXPECT_EQ(at(2002), 105);
    EXPECT_EQ(at(3000), 106);
    EXPECT_EQ(at(3002), 108);
    EXPECT_EQ(at(3003), std::nullopt);
  };
  check(*seg);
  // Only what is below the limit counts.
  auto limited = seg->find_offset_for_timestamp(2500, 0);
  ASSERT_TRUE(limited);
  EXPECT_EQ(*limited, std::nullopt);
  ASSERT_TRUE(seg->seal());
  check(*seg);  // through the mapped index files
  seg.reset();
  auto reopened = reopen(/*active=*/false);
  ASSERT_NE(reopened, nullptr);
  check(*reopened);
}

TEST_P(SegmentTest, SealWritesTheIndexFilesAndAReopenLoadsThem) {
  auto seg = create(1);
  ASSERT_NE(seg, nullptr);
  const auto w = append_three(*seg);
  EXPECT_GT(seg->index_memory_bytes(), 0u);
  ASSERT_TRUE(seg->seal());
  EXPECT_TRUE(seg->sealed());
  EXPECT_EQ(seg->index_memory_bytes(), 0u);  // sealed: the index is mapped, not on the heap
  EXPECT_EQ(read_file(file(".index")).size(), 3 * segment_format::kOffsetEntrySize);
  // Two batches raise the max timestamp before them, plus the end entry.
  EXPECT_EQ(read_file(file(".timeindex")).size(), 3 * segment_format::kTimeEntrySize);
  ASSERT_TRUE(seg->seal());  // sealing again changes nothing
  const uint64_t size = seg->size();
  seg.reset();

  auto reopened = reopen(/*active=*/false);
  ASSERT_NE(reopened, nullptr);
  EXPECT_TRUE(reopened->sealed());
  EXPECT_EQ(reopened->size(), size);
  EXPECT_EQ(reopened->next_offset(), 109);
  EXPECT_EQ(reopened->max_timestamp(), 3002);
  EXPECT_EQ(*reopened->find_batch(104, size), w[1].position);
  auto all = reopened->read(0, 1 << 20, size, INT64_MAX);
  ASSERT_TRUE(all);
  EXPECT_EQ(*all, w[0].bytes + w[1].bytes + w[2].bytes);
}

TEST_P(SegmentTest, ReopeningASealedSegmentRebuildsMissingOrStaleIndexes) {
  enum Damage { remove_index, remove_time_index, partial_entry, log_lost_a_batch };
  for (Damage damage : {remove_index, remove_time_index, partial_entry, log_lost_a_batch}) {
    SCOPED_TRACE("damage " + std::to_string(int(damage)));
    ASSERT_TRUE(fs_->remove_all(dir_));
    ASSERT_TRUE(fs_->create_directories(dir_));
    std::vector<Written> w;
    {
      auto seg = create(1);
      ASSERT_NE(seg, nullptr);
      w = append_three(*seg);
      ASSERT_TRUE(seg->seal());
    }
    int64_t expected_next = 109;
    uint64_t expected_size = w[2].position + w[2].bytes.size();
    switch (damage) {
      case remove_index:
        ASSERT_TRUE(fs_->remove_file(file(".index")));
        break;
      case remove_time_index:
        ASSERT_TRUE(fs_->remove_file(file(".timeindex")));
        break;
      case partial_entry:
        append_raw(file(".index"), "abc");
        break;
      case log_lost_a_batch:  // the index points past the end of the log: stale
        rewrite(file(".log"), w[0].bytes + w[1].bytes);
        expected_next = 106;
        expected_size = w[2].position;
        break;
    }
    SegmentRecovery rec;
    auto seg = reopen(/*active=*/false, &rec, 1);
    ASSERT_NE(seg, nullptr);
    EXPECT_EQ(rec.batches, damage == log_lost_a_batch ? 2 : 3);  // rebuilt by a scan
    EXPECT_TRUE(seg->sealed());
    EXPECT_EQ(seg->next_offset(), expected_next);
    EXPECT_EQ(seg->size(), expected_size);
    EXPECT_EQ(seg->max_timestamp(), damage == log_lost_a_batch ? 2002 : 3002);
    EXPECT_EQ(*seg->find_batch(104, seg->size()), w[1].position);
    // Rebuilt files are whole again.
    EXPECT_EQ(read_file(file(".index")).size(),
              (damage == log_lost_a_batch ? 2 : 3) * segment_format::kOffsetEntrySize);
    EXPECT_TRUE(fs_->exists(file(".timeindex")));
  }
}

TEST_P(SegmentTest, AWholeActiveLogReopensWithoutTruncation) {
  std::vector<Written> w;
  {
    auto seg = create();
    ASSERT_NE(seg, nullptr);
    w = append_three(*seg);
  }
  SegmentRecovery rec;
  auto seg = reopen(/*active=*/true, &rec);
  ASSERT_NE(seg, nullptr);
  EXPECT_EQ(rec.truncated_bytes, 0u);
  EXPECT_EQ(rec.valid_bytes, seg->size());
  EXPECT_EQ(rec.batches, 3);
  EXPECT_TRUE(rec.reason.empty()) << rec.reason;
  EXPECT_FALSE(seg->sealed());
  EXPECT_EQ(seg->next_offset(), 109);
  EXPECT_EQ(seg->max_timestamp(), 3002);
  EXPECT_EQ(*seg->find_batch(107, seg->size()), w[2].position);
}

struct Tail {
  const char* name;
  // The bytes after three good batches, given a fourth well-formed batch at offset 109 and the
  // first batch (offset 100).
  std::string (*make)(const std::string& fourth, const std::string& first);
  const char* reason;  // part of SegmentRecovery::reason
};

const Tail kTails[] = {
    {"TornHeader", [](const std::string& b, const std::string&) { return b.substr(0, 30); },
     "incomplete batch header"},
    {"TornBody", [](const std::string& b, const std::string&) { return b.substr(0, b.size() - 5); },
     "past the end of the log"},
    {"CrcMismatch",
     [](const std::string& b, const std::string&) {
       std::string damaged = b;
       damaged[damaged.size() - 2] ^= 0x40;
       return damaged;
     },
     "CRC mismatch"},
    {"OffsetGoesBack", [](const std::string&, const std::string& first) { return first; },
     "was expected"},
    {"Garbage", [](const std::string&, const std::string&) { return std::string(100, '\xff'); },
     "magic"},
};

class SegmentTornTailTest : public ::testing::TestWithParam<std::tuple<Backend, Tail>> {};

TEST_P(SegmentTornTailTest, ReopeningTheActiveSegmentTruncatesItAndAppendsContinueThere) {
  const auto& [backend, tail] = GetParam();
  testing::TempDir tmp;
  auto fs = backend == Backend::posix ? fs::posix_file_system() : fs::memory_file_system();
  const std::string dir = backend == Backend::posix ? tmp.path() : "/data";
  ASSERT_TRUE(fs->create_directories(dir));
  std::string good, first, junk;
  {
    auto seg = Segment::create(fs, dir, 100, 1);
    ASSERT_TRUE(seg);
    for (int i = 0; i < 3; ++i) {
      std::string b = make_batch({"v" + std::to_string(i), "w"}, 1000 + i);
      model::set_base_offset(b.data(), (*seg)->next_offset());
      ASSERT_TRUE((*seg)->append(b, *model::parse_batch_header(b)));
      good += b;
      if (i == 0) first = b;
    }
    std::string fourth = make_batch({"torn"}, 2000);
    model::set_base_offset(fourth.data(), (*seg)->next_offset());
    junk = tail.make(fourth, first);
    // The crash: the tail reached the file, the segment never knew about it.
    auto f = fs->open((*seg)->log_path(), fs::OpenMode::read_write);
    ASSERT_TRUE(f);
    ASSERT_TRUE((*f)->append(junk));
  }
  SegmentRecovery rec;
  auto seg = Segment::open(fs, dir, 100, 1, /*active=*/true, &rec);
  ASSERT_TRUE(seg) << seg.error().to_string();
  EXPECT_EQ(rec.valid_bytes, good.size());
  EXPECT_EQ(rec.truncated_bytes, junk.size());
  EXPECT_EQ(rec.batches, 3);
  EXPECT_NE(rec.reason.find(tail.reason), std::string::npos) << rec.reason;
  EXPECT_NE(rec.reason.find((*seg)->log_path()), std::string::npos) << rec.reason;
  EXPECT_EQ((*seg)->size(), good.size());
  EXPECT_EQ((*seg)->next_offset(), 106);
  EXPECT_EQ((*seg)->max_timestamp(), 1003);
  auto on_disk = fs::read_file(*fs, (*seg)->log_path());
  ASSERT_TRUE(on_disk);
  EXPECT_EQ(*on_disk, good);  // the tail is gone from the file too

  std::string next = make_batch({"after"}, 3000);
  model::set_base_offset(next.data(), 106);
  ASSERT_TRUE((*seg)->append(next, *model::parse_batch_header(next)));
  auto found = (*seg)->find_batch(106, (*seg)->size());
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, good.size());
  auto read = (*seg)->read(good.size(), 1 << 20, (*seg)->size(), INT64_MAX);
  ASSERT_TRUE(read);
  EXPECT_EQ(*read, next);
}

INSTANTIATE_TEST_SUITE_P(Tails, SegmentTornTailTest,
                         ::testing::Combine(::testing::Values(Backend::posix, Backend::memory),
                                            ::testing::ValuesIn(kTails)),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param) == Backend::posix
                                                  ? "posix_"
                                                  : "memory_") +
                                  std::get<1>(info.param).name;
                         });

TEST_P(SegmentTest, ADamagedBatchEndsAReadAndIsCorruptionNamingTheFileWhenFirst) {
  // A sealed segment is not rescanned on open, so damage stays until a read meets it.
  enum Damage { record_byte, magic_byte };
  for (Damage damage : {record_byte, magic_byte}) {
    SCOPED_TRACE(damage == record_byte ? "record byte" : "magic byte");
    ASSERT_TRUE(fs_->remove_all(dir_));
    ASSERT_TRUE(fs_->create_directories(dir_));
    std::vector<Written> w;
    {
      auto seg = create(1);
      ASSERT_NE(seg, nullptr);
      w = append_three(*seg);
      ASSERT_TRUE(seg->seal());
    }
    std::string log = read_file(file(".log"));
    const uint64_t at = w[1].position + (damage == record_byte ? 70 : 16);
    log[at] = char(log[at] ^ 0x01);
    rewrite(file(".log"), log);
    auto seg = reopen(/*active=*/false);
    ASSERT_NE(seg, nullptr);
    const uint64_t end = seg->size();

    auto from_start = seg->read(0, 1 << 20, end, INT64_MAX);
    ASSERT_TRUE(from_start);
    EXPECT_EQ(*from_start, w[0].bytes);  // what precedes the damage, nothing from it on

    auto at_damage = seg->read(w[1].position, 1 << 20, end, INT64_MAX);
    ASSERT_FALSE(at_damage);
    EXPECT_EQ(at_damage.error().code(), Errc::corruption);
    EXPECT_NE(at_damage.error().message().find(seg->log_path()), std::string::npos)
        << at_damage.error().message();
    EXPECT_NE(at_damage.error().message().find("position " + std::to_string(w[1].position)),
              std::string::npos)
        << at_damage.error().message();
  }
}

TEST_P(SegmentTest, FindBatchReportsADamagedBaseOffsetAsCorruption) {
  std::vector<Written> w;
  {
    auto seg = create(1 << 20);  // one index entry: the lookup scans over the damaged batch
    ASSERT_NE(seg, nullptr);
    w = append_three(*seg);
    ASSERT_TRUE(seg->seal());
  }
  std::string log = read_file(file(".log"));
  model::set_base_offset(log.data() + w[1].position, 5000);  // not covered by the CRC
  rewrite(file(".log"), log);
  auto seg = reopen(/*active=*/false);
  ASSERT_NE(seg, nullptr);
  auto found = seg->find_batch(107, seg->size());
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().code(), Errc::corruption);
  EXPECT_NE(found.error().message().find("has offset 5000"), std::string::npos)
      << found.error().message();
  EXPECT_NE(found.error().message().find(seg->log_path()), std::string::npos);
  EXPECT_EQ(*seg->find_batch(101, seg->size()), w[0].position);  // before the damage: fine
}

TEST_P(SegmentTest, ForEachBatchVisitsEveryBatchInOrderAndStopsAtTheVisitorsError) {
  auto seg = create();
  ASSERT_NE(seg, nullptr);
  const auto w = append_three(*seg);
  std::vector<int64_t> bases;
  std::vector<std::string> bytes;
  ASSERT_TRUE(seg->for_each_batch([&](const model::BatchHeader& h, std::string_view b) -> Status {
    bases.push_back(h.base_offset);
    bytes.emplace_back(b);
    return {};
  }));
  EXPECT_EQ(bases, (std::vector<int64_t>{100, 103, 106}));
  EXPECT_EQ(bytes, (std::vector<std::string>{w[0].bytes, w[1].bytes, w[2].bytes}));

  int visits = 0;
  auto stopped = seg->for_each_batch([&](const model::BatchHeader&, std::string_view) -> Status {
    if (++visits == 2) return Error(Errc::busy, "enough");
    return {};
  });
  ASSERT_FALSE(stopped);
  EXPECT_EQ(stopped.error().code(), Errc::busy);
  EXPECT_EQ(visits, 2);

  std::vector<int64_t> header_bases;
  ASSERT_TRUE(seg->for_each_batch_header(
      [&](const model::BatchHeader& h) { header_bases.push_back(h.base_offset); }));
  EXPECT_EQ(header_bases, (std::vector<int64_t>{100, 103, 106}));
}

TEST_P(SegmentTest, ForEachBatchReportsAMalformedBatchAsCorruption) {
  std::vector<Written> w;
  {
    auto seg = create();
    ASSERT_NE(seg, nullptr);
    w = append_three(*seg);
    ASSERT_TRUE(seg->seal());
  }
  std::string log = read_file(file(".log"));
  log[w[1].position + model::batch_format::kMagicPos] = 7;
  rewrite(file(".log"), log);
  auto seg = reopen(/*active=*/false);
  ASSERT_NE(seg, nullptr);
  int visits = 0;
  auto r = seg->for_each_batch([&](const model::BatchHeader&, std::string_view) -> Status {
    ++visits;
    return {};
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::corruption);
  EXPECT_NE(r.error().message().find(seg->log_path()), std::string::npos) << r.error().message();
  EXPECT_EQ(visits, 1);
}

TEST_P(SegmentTest, RemoveFilesDeletesEveryFileAndReadersKeepTheirView) {
  auto seg = create();
  ASSERT_NE(seg, nullptr);
  const auto w = append_three(*seg);
  ASSERT_TRUE(seg->seal());
  ASSERT_TRUE(fs::write_file_atomically(*fs_, file(".txnindex"), std::string(34, '\0')));
  ASSERT_TRUE(fs::write_file_atomically(*fs_, file(".log", 200), "another segment"));
  ASSERT_TRUE(seg->remove_files());
  for (auto suffix : {".log", ".index", ".timeindex", ".txnindex"}) {
    EXPECT_FALSE(fs_->exists(file(suffix))) << suffix;
  }
  EXPECT_TRUE(fs_->exists(file(".log", 200)));
  // A reader that still holds the segment reads on.
  auto all = seg->read(0, 1 << 20, seg->size(), INT64_MAX);
  ASSERT_TRUE(all);
  EXPECT_EQ(*all, w[0].bytes + w[1].bytes + w[2].bytes);
  EXPECT_EQ(*seg->find_batch(107, seg->size()), w[2].position);
}

INSTANTIATE_TEST_SUITE_P(Backends, SegmentTest, ::testing::Values(Backend::posix, Backend::memory),
                         [](const auto& info) {
                           return info.param == Backend::posix ? "posix" : "memory";
                         });

TEST(SegmentFormatTest, FileNamesHaveTwentyDigitsAndParseBack) {
  namespace sf = segment_format;
  EXPECT_EQ(sf::file_stem(42), "00000000000000000042");
  EXPECT_EQ(sf::file_stem(INT64_MAX), "09223372036854775807");
  EXPECT_EQ(sf::parse_file_name("00000000000000000042.log", sf::kLogSuffix), 42);
  EXPECT_EQ(sf::parse_file_name("09223372036854775807.index", sf::kIndexSuffix), INT64_MAX);
  EXPECT_EQ(sf::parse_file_name("00000000000000000042.index", sf::kLogSuffix), -1);
  EXPECT_EQ(sf::parse_file_name("0000000000000000042.log", sf::kLogSuffix), -1);  // 19 digits
  EXPECT_EQ(sf::parse_file_name("0000000000000000004x.log", sf::kLogSuffix), -1);
  EXPECT_EQ(sf::parse_file_name("99999999999999999999.log", sf::kLogSuffix), -1);  // > INT64_MAX
  EXPECT_EQ(sf::swap_file_name(1, 20),
            "00000000000000000001.00000000000000000020" + std::string(sf::kSwapSuffix));
  int64_t base = 0, end = 0;
  ASSERT_TRUE(sf::parse_swap_file_name(sf::swap_file_name(1, 20), &base, &end));
  EXPECT_EQ(base, 1);
  EXPECT_EQ(end, 20);
  EXPECT_FALSE(sf::parse_swap_file_name(sf::swap_file_name(20, 20), &base, &end));  // empty range
  EXPECT_FALSE(sf::parse_swap_file_name("00000000000000000001.swap", &base, &end));
}

}  // namespace
}  // namespace kafka_do::storage
