// The file layer's contract, run against both implementations: the engine is tested on the
// memory file system and shipped on the POSIX one, so the two must behave alike.
#include "base/file_system.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

namespace kafka_do::fs {
namespace {

enum class Backend { posix, memory };

class FileSystemTest : public ::testing::TestWithParam<Backend> {
 protected:
  FileSystemTest()
      : fs_(GetParam() == Backend::posix ? posix_file_system() : memory_file_system()),
        root_(GetParam() == Backend::posix ? tmp_.path() + "/root" : "/data/root") {}

  void SetUp() override { ASSERT_TRUE(fs_->create_directories(root_)); }

  std::string path(const std::string& name) const { return join_path(root_, name); }

  std::unique_ptr<File> open(const std::string& p, OpenMode mode) {
    auto f = fs_->open(p, mode);
    EXPECT_TRUE(f) << f.error().to_string();
    return f ? std::move(*f) : nullptr;
  }

  // The whole file through read_at.
  static std::string contents(const File& f) {
    std::string out(f.size(), '\0');
    auto n = f.read_at(0, out.data(), out.size());
    EXPECT_TRUE(n);
    out.resize(n ? *n : 0);
    return out;
  }

  void write(const std::string& p, std::string_view data) {
    auto f = open(p, OpenMode::create_new);
    ASSERT_NE(f, nullptr);
    ASSERT_TRUE(f->append(data));
    ASSERT_TRUE(f->sync());
  }

  std::vector<std::string> sorted_list(const std::string& dir) {
    auto names = fs_->list(dir);
    EXPECT_TRUE(names) << names.error().to_string();
    if (!names) return {};
    std::sort(names->begin(), names->end());
    return *names;
  }

  testing::TempDir tmp_;  // only used by the POSIX backend
  std::shared_ptr<FileSystem> fs_;
  std::string root_;
};

TEST_P(FileSystemTest, OpeningAMissingFileFailsUnlessTheModeCreatesIt) {
  for (OpenMode mode : {OpenMode::read_write, OpenMode::read_only}) {
    auto f = fs_->open(path("missing"), mode);
    ASSERT_FALSE(f);
    EXPECT_EQ(f.error().code(), Errc::not_found);
  }
  EXPECT_FALSE(fs_->exists(path("missing")));

  auto created = open(path("new"), OpenMode::create_new);
  ASSERT_NE(created, nullptr);
  EXPECT_EQ(created->size(), 0u);
  EXPECT_EQ(created->path(), path("new"));
  EXPECT_TRUE(fs_->exists(path("new")));
  EXPECT_FALSE(fs_->is_directory(path("new")));

  auto also = open(path("also"), OpenMode::read_write_create);
  ASSERT_NE(also, nullptr);
  EXPECT_TRUE(fs_->exists(path("also")));
}

TEST_P(FileSystemTest, CreateNewRefusesAnExistingFileAndOtherModesKeepItsContents) {
  write(path("f"), "abc");
  auto again = fs_->open(path("f"), OpenMode::create_new);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), Errc::already_exists);
  for (OpenMode mode : {OpenMode::read_write_create, OpenMode::read_write, OpenMode::read_only}) {
    auto f = open(path("f"), mode);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(contents(*f), "abc");  // never truncated by opening
  }
}

TEST_P(FileSystemTest, FilesCannotBeCreatedInAMissingDirectory) {
  for (OpenMode mode : {OpenMode::create_new, OpenMode::read_write_create}) {
    auto f = fs_->open(path("no-such-dir/f"), mode);
    ASSERT_FALSE(f);
    EXPECT_EQ(f.error().code(), Errc::not_found);
  }
  EXPECT_FALSE(fs_->exists(path("no-such-dir")));
  EXPECT_FALSE(fs_->exists(path("no-such-dir/f")));
}

TEST_P(FileSystemTest, AppendsGoToTheEndAndReadAtIsShortOnlyAtTheEnd) {
  auto f = open(path("log"), OpenMode::create_new);
  ASSERT_NE(f, nullptr);
  ASSERT_TRUE(f->append("hello"));
  ASSERT_TRUE(f->append(""));
  ASSERT_TRUE(f->append(std::string_view(" w\0rld", 6)));
  EXPECT_EQ(f->size(), 11u);
  EXPECT_EQ(contents(*f), std::string("hello w\0rld", 11));

  char buf[64];
  auto n = f->read_at(6, buf, sizeof(buf));
  ASSERT_TRUE(n);
  EXPECT_EQ(std::string(buf, *n), std::string("w\0rld", 5));  // short: the file ends there
  n = f->read_at(2, buf, 3);
  ASSERT_TRUE(n);
  EXPECT_EQ(std::string(buf, *n), "llo");
  n = f->read_at(11, buf, sizeof(buf));
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 0u);
  n = f->read_at(1000, buf, sizeof(buf));
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 0u);
}

TEST_P(FileSystemTest, AnotherHandleSeesAppendedDataAndAReopenedFileAppendsAtItsEnd) {
  {
    auto writer = open(path("f"), OpenMode::create_new);
    ASSERT_NE(writer, nullptr);
    ASSERT_TRUE(writer->append("abc"));
    auto reader = open(path("f"), OpenMode::read_only);
    ASSERT_NE(reader, nullptr);
    EXPECT_EQ(contents(*reader), "abc");
  }
  auto reopened = open(path("f"), OpenMode::read_write);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->size(), 3u);
  ASSERT_TRUE(reopened->append("def"));
  EXPECT_EQ(contents(*open(path("f"), OpenMode::read_only)), "abcdef");
}

TEST_P(FileSystemTest, TruncateShrinksOrExtendsWithZerosAndLaterAppendsFollowIt) {
  auto f = open(path("f"), OpenMode::create_new);
  ASSERT_NE(f, nullptr);
  ASSERT_TRUE(f->append("abcdef"));
  ASSERT_TRUE(f->truncate(3));
  EXPECT_EQ(f->size(), 3u);
  ASSERT_TRUE(f->append("XY"));
  EXPECT_EQ(contents(*f), "abcXY");
  ASSERT_TRUE(f->truncate(8));
  EXPECT_EQ(contents(*f), std::string("abcXY\0\0\0", 8));
  ASSERT_TRUE(f->truncate(0));
  ASSERT_TRUE(f->sync());
  f.reset();
  EXPECT_EQ(open(path("f"), OpenMode::read_only)->size(), 0u);
}

TEST_P(FileSystemTest, AReadOnlyHandleRefusesWrites) {
  write(path("f"), "abc");
  auto f = open(path("f"), OpenMode::read_only);
  ASSERT_NE(f, nullptr);
  EXPECT_FALSE(f->append("more"));
  EXPECT_FALSE(f->truncate(1));
  EXPECT_EQ(contents(*open(path("f"), OpenMode::read_only)), "abc");
}

TEST_P(FileSystemTest, SyncSucceedsOnFilesAndDirectories) {
  auto f = open(path("f"), OpenMode::create_new);
  ASSERT_NE(f, nullptr);
  ASSERT_TRUE(f->append("x"));
  EXPECT_TRUE(f->sync());
  EXPECT_TRUE(fs_->sync_directory(root_));
}

TEST_P(FileSystemTest, MapShowsTheFileAsOfTheMapping) {
  auto f = open(path("f"), OpenMode::create_new);
  ASSERT_NE(f, nullptr);
  auto empty = f->map();
  ASSERT_TRUE(empty) << empty.error().to_string();
  EXPECT_TRUE((*empty)->data().empty());
  ASSERT_TRUE(f->append("0123456789"));
  auto region = f->map();
  ASSERT_TRUE(region) << region.error().to_string();
  ASSERT_TRUE(f->append("abc"));  // after the mapping: not part of it
  EXPECT_EQ((*region)->data(), "0123456789");
  auto later = open(path("f"), OpenMode::read_only)->map();
  ASSERT_TRUE(later);
  EXPECT_EQ((*later)->data(), "0123456789abc");
}

TEST_P(FileSystemTest, ListNamesDirectChildrenOnly) {
  write(path("a.log"), "1");
  write(path("b.index"), "2");
  ASSERT_TRUE(fs_->create_directories(path("sub/deeper")));
  write(path("sub/inner"), "3");
  EXPECT_EQ(sorted_list(root_), (std::vector<std::string>{"a.log", "b.index", "sub"}));
  EXPECT_EQ(sorted_list(root_ + "/"), sorted_list(root_));
  EXPECT_EQ(sorted_list(path("sub")), (std::vector<std::string>{"deeper", "inner"}));
  EXPECT_TRUE(sorted_list(path("sub/deeper")).empty());

  auto missing = fs_->list(path("nope"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Errc::not_found);
  EXPECT_FALSE(fs_->list(path("a.log")));  // a file is not a directory
}

TEST_P(FileSystemTest, CreateDirectoriesMakesEveryLevelAndIsIdempotent) {
  ASSERT_TRUE(fs_->create_directories(path("x/y/z")));
  for (const char* d : {"x", "x/y", "x/y/z"}) {
    EXPECT_TRUE(fs_->exists(path(d))) << d;
    EXPECT_TRUE(fs_->is_directory(path(d))) << d;
  }
  EXPECT_TRUE(fs_->create_directories(path("x/y/z")));
  EXPECT_TRUE(fs_->create_directories(path("x")));
  EXPECT_FALSE(fs_->is_directory(path("missing")));
  EXPECT_FALSE(fs_->exists(path("missing")));
}

TEST_P(FileSystemTest, CreateDirectoriesThroughAFileFailsAndCreatesNothing) {
  write(path("f"), "data");
  EXPECT_FALSE(fs_->create_directories(path("f")));
  EXPECT_FALSE(fs_->create_directories(path("f/sub/deeper")));
  EXPECT_FALSE(fs_->exists(path("f/sub")));
  EXPECT_FALSE(fs_->exists(path("f/sub/deeper")));
  EXPECT_FALSE(fs_->is_directory(path("f/sub/deeper")));
  EXPECT_FALSE(fs_->is_directory(path("f")));
  EXPECT_EQ(contents(*open(path("f"), OpenMode::read_only)), "data");
}

TEST_P(FileSystemTest, RemoveFileDeletesAndIgnoresAMissingFile) {
  write(path("f"), "x");
  ASSERT_TRUE(fs_->remove_file(path("f")));
  EXPECT_FALSE(fs_->exists(path("f")));
  EXPECT_TRUE(fs_->remove_file(path("f")));  // already gone: not an error
  EXPECT_TRUE(sorted_list(root_).empty());
  auto gone = fs_->open(path("f"), OpenMode::read_only);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code(), Errc::not_found);
}

TEST_P(FileSystemTest, AnOpenHandleOutlivesRemovalAndRename) {
  write(path("f"), "still here");
  auto f = open(path("f"), OpenMode::read_only);
  ASSERT_NE(f, nullptr);
  ASSERT_TRUE(fs_->rename(path("f"), path("g")));
  EXPECT_EQ(contents(*f), "still here");
  ASSERT_TRUE(fs_->remove_file(path("g")));
  EXPECT_FALSE(fs_->exists(path("g")));
  EXPECT_EQ(contents(*f), "still here");
  // A new file under the old name is a different file.
  write(path("g"), "new");
  EXPECT_EQ(contents(*f), "still here");
}

TEST_P(FileSystemTest, RemoveAllDeletesATreeAFileOrNothing) {
  ASSERT_TRUE(fs_->create_directories(path("t/a/b")));
  write(path("t/a/b/f"), "1");
  write(path("t/g"), "2");
  write(path("keep"), "3");
  ASSERT_TRUE(fs_->remove_all(path("t")));
  EXPECT_FALSE(fs_->exists(path("t")));
  EXPECT_FALSE(fs_->exists(path("t/a/b/f")));
  EXPECT_FALSE(fs_->exists(path("t/g")));
  ASSERT_TRUE(fs_->remove_all(path("keep")));
  EXPECT_FALSE(fs_->exists(path("keep")));
  EXPECT_TRUE(fs_->remove_all(path("never-existed")));
  EXPECT_TRUE(sorted_list(root_).empty());
}

TEST_P(FileSystemTest, RemoveAllOfADirectoryLeavesItsNamePrefixedSiblings) {
  ASSERT_TRUE(fs_->create_directories(path("t")));
  write(path("t/f"), "1");
  ASSERT_TRUE(fs_->create_directories(path("t-other")));
  write(path("t-other/f"), "2");
  write(path("t.json"), "3");
  ASSERT_TRUE(fs_->remove_all(path("t")));
  EXPECT_EQ(sorted_list(root_), (std::vector<std::string>{"t-other", "t.json"}));
  EXPECT_TRUE(fs_->exists(path("t-other/f")));
}

TEST_P(FileSystemTest, RenameMovesAFileAndReplacesTheTarget) {
  write(path("a"), "A");
  write(path("b"), "B");
  ASSERT_TRUE(fs_->rename(path("a"), path("b")));
  EXPECT_FALSE(fs_->exists(path("a")));
  EXPECT_EQ(contents(*open(path("b"), OpenMode::read_only)), "A");
  EXPECT_EQ(sorted_list(root_), (std::vector<std::string>{"b"}));
}

TEST_P(FileSystemTest, RenameMovesADirectoryWithEverythingInIt) {
  ASSERT_TRUE(fs_->create_directories(path("topic-0/sub")));
  write(path("topic-0/00.log"), "log");
  write(path("topic-0/sub/x"), "x");
  ASSERT_TRUE(fs_->create_directories(path("trash")));
  ASSERT_TRUE(fs_->rename(path("topic-0"), path("trash/topic-0")));
  EXPECT_FALSE(fs_->exists(path("topic-0")));
  EXPECT_FALSE(fs_->exists(path("topic-0/00.log")));
  EXPECT_TRUE(fs_->is_directory(path("trash/topic-0")));
  EXPECT_TRUE(fs_->is_directory(path("trash/topic-0/sub")));
  EXPECT_EQ(contents(*open(path("trash/topic-0/00.log"), OpenMode::read_only)), "log");
  EXPECT_EQ(contents(*open(path("trash/topic-0/sub/x"), OpenMode::read_only)), "x");
  EXPECT_EQ(sorted_list(path("trash/topic-0")), (std::vector<std::string>{"00.log", "sub"}));
  EXPECT_EQ(sorted_list(root_), (std::vector<std::string>{"trash"}));
}

TEST_P(FileSystemTest, RenameOfAMissingFileFailsAndCreatesNothing) {
  EXPECT_FALSE(fs_->rename(path("missing"), path("target")));
  EXPECT_FALSE(fs_->exists(path("target")));
}

TEST_P(FileSystemTest, RenameIntoAMissingDirectoryFailsAndKeepsTheSource) {
  write(path("f"), "data");
  EXPECT_FALSE(fs_->rename(path("f"), path("no-such-dir/f")));
  EXPECT_FALSE(fs_->exists(path("no-such-dir/f")));
  EXPECT_FALSE(fs_->exists(path("no-such-dir")));
  EXPECT_EQ(contents(*open(path("f"), OpenMode::read_only)), "data");
}

TEST_P(FileSystemTest, ALockIsExclusiveUntilReleased) {
  const std::string lock_path = path("lock");
  auto first = fs_->lock(lock_path);
  ASSERT_TRUE(first) << first.error().to_string();
  auto second = fs_->lock(lock_path);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code(), Errc::locked);
  EXPECT_NE(second.error().message().find(root_), std::string::npos)
      << "the error names the data directory: " << second.error().message();
  auto other = fs_->lock(path("other-lock"));  // a different lock is independent
  EXPECT_TRUE(other);
  first->reset();
  auto third = fs_->lock(lock_path);
  EXPECT_TRUE(third) << "released locks can be taken again";
}

TEST_P(FileSystemTest, WriteFileAtomicallyReplacesContentsAndLeavesNoTemporary) {
  const std::string meta = path("topic.json");
  ASSERT_TRUE(write_file_atomically(*fs_, meta, "first"));
  auto read = read_file(*fs_, meta);
  ASSERT_TRUE(read);
  EXPECT_EQ(*read, "first");
  ASSERT_TRUE(write_file_atomically(*fs_, meta, "second, longer"));
  read = read_file(*fs_, meta);
  ASSERT_TRUE(read);
  EXPECT_EQ(*read, "second, longer");
  ASSERT_TRUE(write_file_atomically(*fs_, meta, ""));
  EXPECT_EQ(*read_file(*fs_, meta), "");
  EXPECT_EQ(sorted_list(root_), (std::vector<std::string>{"topic.json"}));
}

TEST_P(FileSystemTest, WriteFileAtomicallyOverwritesAStaleTemporary) {
  write(path("meta.tmp"), "left over by a crash, and longer than the new contents");
  ASSERT_TRUE(write_file_atomically(*fs_, path("meta"), "new"));
  EXPECT_EQ(*read_file(*fs_, path("meta")), "new");
  EXPECT_FALSE(fs_->exists(path("meta.tmp")));
}

TEST_P(FileSystemTest, ReadFileOfAMissingFileIsNotFound) {
  auto r = read_file(*fs_, path("missing"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::not_found);
  EXPECT_NE(r.error().message().find(path("missing")), std::string::npos);
}

TEST_P(FileSystemTest, DurableOnlyOnDisk) {
  EXPECT_EQ(fs_->durable(), GetParam() == Backend::posix);
}

INSTANTIATE_TEST_SUITE_P(Backends, FileSystemTest,
                         ::testing::Values(Backend::posix, Backend::memory), [](const auto& info) {
                           return info.param == Backend::posix ? "posix" : "memory";
                         });

TEST(FileSystemPathTest, JoinPathAddsOneSeparator) {
  EXPECT_EQ(join_path("a", "b"), "a/b");
  EXPECT_EQ(join_path("a/", "b"), "a/b");
  EXPECT_EQ(join_path("/data/t-0", "00000000000000000000.log"),
            "/data/t-0/00000000000000000000.log");
  EXPECT_EQ(join_path("", "b"), "b");
}

TEST(FileSystemPathTest, ParentPathStripsTheLastComponent) {
  EXPECT_EQ(parent_path("a/b/c"), "a/b");
  EXPECT_EQ(parent_path("/data/lock"), "/data");
  EXPECT_EQ(parent_path("/top"), "/");
  EXPECT_EQ(parent_path("name"), ".");
}

TEST(PosixFileSystemTest, ASecondLockNamesTheHoldingProcess) {
  testing::TempDir tmp;
  auto fs = posix_file_system();
  auto first = fs->lock(tmp / "lock");
  ASSERT_TRUE(first);
  auto second = fs->lock(tmp / "lock");
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message().find("pid " + std::to_string(::getpid())), std::string::npos)
      << second.error().message();
}

TEST(MemoryFileSystemTest, EveryInstanceIsSeparateAndStartsEmpty) {
  auto a = memory_file_system();
  auto b = memory_file_system();
  ASSERT_TRUE(a->create_directories("/d"));
  ASSERT_TRUE(write_file_atomically(*a, "/d/f", "x"));
  EXPECT_TRUE(a->exists("/d/f"));
  EXPECT_FALSE(b->exists("/d"));
  EXPECT_FALSE(b->exists("/d/f"));
  EXPECT_NE(a.get(), b.get());
}

}  // namespace
}  // namespace kafka_do::fs
