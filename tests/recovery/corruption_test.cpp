// Torn and corrupt data on disk: what recovery truncates, what reads refuse, what is rebuilt.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "storage/log_manager.hpp"
#include "storage/segment_format.hpp"
#include "support/batches.hpp"
#include "support/temp_dir.hpp"

namespace kafka_do::storage {
namespace {

namespace stdfs = std::filesystem;

class CorruptionTest : public ::testing::Test {
 protected:
  std::unique_ptr<LogManager> open() {
    auto m = LogManager::open(fs::posix_file_system(), dir_);
    EXPECT_TRUE(m) << m.error().to_string();
    return m ? std::move(*m) : nullptr;
  }

  // Creates topic "t" (segment.bytes small so there are several segments) with `count` records.
  void populate(int count, int64_t segment_bytes = 4096) {
    auto m = open();
    ASSERT_TRUE(m->create_topic("t", 1, {{"segment.bytes", std::to_string(segment_bytes)}}));
    auto log = *m->partition("t", 0);
    for (int i = 0; i < count; ++i) {
      std::string batch =
          testing::make_batch({"value-" + std::to_string(i) + std::string(100, 'x')});
      ASSERT_TRUE(log->append(batch));
    }
    ASSERT_TRUE(m->close());
  }

  std::string partition_dir() const { return dir_ + "/topics/t/0"; }

  std::vector<std::string> segment_files(std::string_view suffix) const {
    std::vector<std::string> out;
    for (const auto& e : stdfs::directory_iterator(partition_dir())) {
      const std::string name = e.path().filename().string();
      if (segment_format::parse_file_name(name, suffix) >= 0) out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  static void append_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream f(path, std::ios::binary | std::ios::app);
    f.write(bytes.data(), std::streamsize(bytes.size()));
  }

  static void flip_byte(const std::string& path, uint64_t position) {
    std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
    f.seekg(std::streamoff(position));
    char c = 0;
    f.read(&c, 1);
    c = char(c ^ 0x40);
    f.seekp(std::streamoff(position));
    f.write(&c, 1);
  }

  // Values readable from offset 0 until the first error; sets *error to it.
  std::vector<std::string> read_all(PartitionLog& log, std::string* error = nullptr) {
    std::vector<std::string> values;
    int64_t offset = log.log_start_offset();
    while (offset < log.high_watermark()) {
      auto r = log.read(offset, 1 << 16);
      if (!r) {
        if (error) *error = r.error().to_string();
        break;
      }
      if (r->records.empty()) break;
      for (const auto& rec : testing::decode_all(r->records)) {
        if (rec.offset >= offset) {
          values.push_back(*rec.value);
          offset = rec.offset + 1;
        }
      }
    }
    return values;
  }

  testing::TempDir tmp_;
  std::string dir_ = tmp_.path() + "/data";
};

TEST_F(CorruptionTest, TornTailIsTruncatedAndReported) {
  populate(50);
  const std::string tail = segment_files(".log").back();
  const std::string whole = testing::make_batch({"never acknowledged"});
  append_bytes(tail, whole.substr(0, whole.size() / 2));  // a write cut short by a crash
  auto m = open();
  ASSERT_EQ(m->recovery_report().size(), 1u);
  EXPECT_NE(m->recovery_report()[0].find("truncated"), std::string::npos)
      << m->recovery_report()[0];
  auto log = *m->partition("t", 0);
  EXPECT_EQ(log->high_watermark(), 50);
  EXPECT_EQ(read_all(*log).size(), 50u);
  std::string batch = testing::make_batch({"after recovery"});
  auto r = log->append(batch);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->base_offset, 50);
  EXPECT_EQ(read_all(*log).back(), "after recovery");
}

TEST_F(CorruptionTest, FlippedByteInTailBatchTruncatesFromThatBatch) {
  populate(50);
  const std::string tail = segment_files(".log").back();
  const auto size = stdfs::file_size(tail);
  flip_byte(tail, size - 10);  // inside the last batch
  auto m = open();
  ASSERT_EQ(m->recovery_report().size(), 1u);
  EXPECT_NE(m->recovery_report()[0].find("CRC"), std::string::npos) << m->recovery_report()[0];
  auto log = *m->partition("t", 0);
  EXPECT_EQ(log->high_watermark(), 49);
  const auto values = read_all(*log);
  ASSERT_EQ(values.size(), 49u);
  EXPECT_EQ(values.back().substr(0, 9), "value-48x");
}

TEST_F(CorruptionTest, GarbageAppendedToTailIsTruncated) {
  populate(10);
  const std::string tail = segment_files(".log").back();
  const auto before = stdfs::file_size(tail);
  append_bytes(tail, std::string(4096, '\0'));
  auto m = open();
  EXPECT_EQ(m->recovery_report().size(), 1u);
  EXPECT_EQ(stdfs::file_size(tail), before);
  EXPECT_EQ((*m->partition("t", 0))->high_watermark(), 10);
}

// Position of the n-th batch in a segment file.
uint64_t batch_position(const std::string& path, int n) {
  std::ifstream f(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  uint64_t pos = 0;
  for (int i = 0; i < n; ++i)
    pos += model::parse_batch_header(std::string_view(bytes).substr(pos))->total_size();
  return pos;
}

struct Damage {
  const char* name;
  uint64_t offset_in_batch;  // which byte of the batch to flip
  const char* expected_error;
};

class CorruptionBeforeTailTest : public CorruptionTest,
                                 public ::testing::WithParamInterface<Damage> {};

TEST_P(CorruptionBeforeTailTest, IsReportedOnReadNamingTheFileAndNeverServed) {
  populate(100);
  const auto logs = segment_files(".log");
  ASSERT_GE(logs.size(), 3u);
  // Damage batch 5 of the first (sealed) segment, which recovery does not rescan.
  flip_byte(logs.front(), batch_position(logs.front(), 5) + GetParam().offset_in_batch);
  auto m = open();
  auto log = *m->partition("t", 0);
  EXPECT_EQ(log->high_watermark(), 100);
  std::string error;
  const auto values = read_all(*log, &error);
  ASSERT_EQ(values.size(), 5u);  // everything before the damaged batch, nothing from it on
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(values[i].substr(0, values[i].find('x')), "value-" + std::to_string(i));
  }
  EXPECT_NE(error.find(GetParam().expected_error), std::string::npos) << error;
  EXPECT_NE(error.find(logs.front()), std::string::npos) << "error should name the file: " << error;
  // Data after the damaged segment is still served.
  auto later = log->read(99, 1 << 16);
  ASSERT_TRUE(later) << later.error().to_string();
  EXPECT_EQ(testing::decode_all(later->records).back().offset, 99);
}

INSTANTIATE_TEST_SUITE_P(
    Damages, CorruptionBeforeTailTest,
    ::testing::Values(Damage{"record_byte", 70,
                             "CRC mismatch"},                   // inside the record: CRC catches it
                      Damage{"base_offset", 5, "has offset"}),  // base offset is not CRC-covered
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(CorruptionTest, MissingAndStaleIndexesAreRebuilt) {
  populate(200);
  const auto indexes = segment_files(".index");
  const auto time_indexes = segment_files(".timeindex");
  ASSERT_GE(indexes.size(), 3u);
  stdfs::remove(indexes[0]);
  stdfs::remove(time_indexes[1]);
  append_bytes(indexes[2], "abc");  // partial entry
  auto m = open();
  auto log = *m->partition("t", 0);
  EXPECT_EQ(log->high_watermark(), 200);
  EXPECT_EQ(read_all(*log).size(), 200u);
  for (int64_t o : {0, 37, 99, 150, 199}) {
    auto r = log->read(o, 1);
    ASSERT_TRUE(r);
    EXPECT_EQ(testing::decode_all(r->records).front().offset, o);
  }
  EXPECT_TRUE(stdfs::exists(indexes[0]));
  EXPECT_TRUE(stdfs::exists(time_indexes[1]));
  EXPECT_EQ(stdfs::file_size(indexes[2]) % segment_format::kOffsetEntrySize, 0u);
}

TEST_F(CorruptionTest, SecondOpenOfADataDirectoryFailsNamingTheHolder) {
  auto first = open();
  ASSERT_TRUE(first);
  // Same process, second owner.
  auto again = LogManager::open(fs::posix_file_system(), dir_);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), Errc::locked);
  EXPECT_NE(again.error().message().find("pid " + std::to_string(::getpid())), std::string::npos)
      << again.error().message();
  // Another process.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    auto other = LogManager::open(fs::posix_file_system(), dir_);
    const std::string msg = other ? "opened" : other.error().message();
    (void)!::write(fds[1], msg.data(), msg.size());
    ::_exit(other ? 1 : 0);
  }
  ::close(fds[1]);
  char buf[512] = {};
  const ssize_t n = ::read(fds[0], buf, sizeof(buf) - 1);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_GT(n, 0);
  const std::string message(buf, size_t(n));
  EXPECT_NE(message.find("in use by another process"), std::string::npos) << message;
  EXPECT_NE(message.find(std::to_string(::getpid())), std::string::npos) << message;
  // Once released, the directory opens again.
  ASSERT_TRUE(first->close());
  EXPECT_TRUE(LogManager::open(fs::posix_file_system(), dir_));
}

}  // namespace
}  // namespace kafka_do::storage
