// The key file: salted lines round trip, `username:secret` lines keep working (as legacy
// superusers), malformed files name the line, and a running broker's KeyFile follows edits.
#include "broker/security/key_store.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "broker/security/key_file.hpp"
#include "support/temp_dir.hpp"

namespace kafka_do::broker::security {
namespace {

TEST(KeyStore, SaltedKeysRoundTripWithoutTheSecret) {
  KeyStore store;
  ASSERT_TRUE(store.add(make_api_key("alice", "s3cret", true)));
  ASSERT_TRUE(store.add(make_api_key("bob.reader", "b0b pass", false)));
  EXPECT_FALSE(store.add(make_api_key("alice", "other", true))) << "names are unique";
  const std::string text = store.serialize();
  EXPECT_EQ(text.find("s3cret"), std::string::npos);
  auto parsed = KeyStore::parse(text, "keys");
  ASSERT_TRUE(parsed) << parsed.error().message();
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_TRUE(parsed->find("alice")->superuser);
  EXPECT_FALSE(parsed->find("bob.reader")->superuser);
  EXPECT_TRUE(parsed->verify_secret("alice", "s3cret"));
  EXPECT_TRUE(parsed->verify_secret("bob.reader", "b0b pass"));
  EXPECT_FALSE(parsed->verify_secret("alice", "s3cre"));
  EXPECT_FALSE(parsed->verify_secret("carol", "s3cret"));
  EXPECT_EQ(parsed->serialize(), text);
}

TEST(KeyStore, LegacyLinesKeepWorkingAsSuperusers) {
  auto keys = KeyStore::parse("# old file\n\nalice:s3cret:with-colon and space\n", "f");
  ASSERT_TRUE(keys) << keys.error().message();
  EXPECT_EQ(keys->legacy_count(), 1u);
  EXPECT_TRUE(keys->find("alice")->superuser);
  EXPECT_TRUE(keys->verify_secret("alice", "s3cret:with-colon and space"));
  // Written back salted: the plaintext secret leaves the file.
  const std::string migrated = keys->serialize();
  EXPECT_EQ(migrated.find("s3cret"), std::string::npos);
  auto reread = KeyStore::parse(migrated, "f");
  ASSERT_TRUE(reread);
  EXPECT_EQ(reread->legacy_count(), 0u);
  EXPECT_TRUE(reread->verify_secret("alice", "s3cret:with-colon and space"));
}

TEST(KeyStore, MalformedFilesNameTheLine) {
  const auto error = [](const std::string& text) {
    auto keys = KeyStore::parse(text, "keys.txt");
    return keys ? std::string("parsed") : keys.error().message();
  };
  EXPECT_EQ(error("# only a comment\n"), "keys.txt holds no API keys");
  EXPECT_TRUE(KeyStore::parse("# only a comment\n", "f", /*allow_empty=*/true));
  EXPECT_EQ(error("a:1\na:2\n"), "keys.txt:2: key 'a' appears twice");
  EXPECT_NE(error("no-colon-here\n").find("keys.txt:1: expected"), std::string::npos);
  EXPECT_NE(error("alice admin SCRAM-SHA-256=1:2:3:4 SCRAM-SHA-512=1:2:3:4\n")
                .find("keys.txt:1: role must be"),
            std::string::npos);
  EXPECT_NE(error("alice user SCRAM-SHA-256=4096:AAAA:AAAA:AAAA SCRAM-SHA-512=4096:A:B:C\n")
                .find("keys.txt:1: salt and keys must be base64"),
            std::string::npos);
  EXPECT_FALSE(check_key_name("has space"));
  EXPECT_FALSE(check_key_name(""));
  EXPECT_TRUE(check_key_name("svc-orders@prod.eu_1"));
}

TEST(KeyStore, PlainTokens) {
  auto token = parse_plain_token(std::string("\0alice\0pw:with\0nul", 18));
  ASSERT_TRUE(token);
  EXPECT_EQ(token->username, "alice");
  EXPECT_EQ(token->password, std::string("pw:with\0nul", 11));
  EXPECT_FALSE(parse_plain_token("alice-pw"));
}

void write_file(const std::string& path, const std::string& text) {
  // As `kafkado keys` does: a new file renamed over the old one.
  { std::ofstream(path + ".tmp") << text; }
  std::filesystem::rename(path + ".tmp", path);
}

TEST(KeyFile, FollowsEditsAndKeepsTheKeysWhenAnEditIsBroken) {
  kafka_do::testing::TempDir dir;
  const std::string path = dir / "keys";
  write_file(path, "alice:one\n");
  std::vector<std::string> log;
  auto file = KeyFile::open(path, [&](const std::string& line) { log.push_back(line); });
  ASSERT_TRUE(file) << file.error().message();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("1 key(s) in " + path + " are 'username:secret' lines"), std::string::npos);
  EXPECT_TRUE((*file)->current()->verify_secret("alice", "one"));

  KeyStore next;
  ASSERT_TRUE(next.add(make_api_key("bob", "two", true)));
  write_file(path, next.serialize());
  auto keys = (*file)->current();
  EXPECT_FALSE(keys->find("alice")) << "alice was removed from the file";
  EXPECT_TRUE(keys->verify_secret("bob", "two"));

  write_file(path, "bob superuser garbage\n");
  EXPECT_TRUE((*file)->current()->verify_secret("bob", "two")) << "a broken edit keeps the keys";
  EXPECT_NE(log.back().find("keeping the 1 API keys in force: " + path + ":1:"), std::string::npos);

  write_file(path, "# everyone revoked\n");
  EXPECT_EQ((*file)->current()->size(), 0u) << "an emptied file locks everyone out";
  EXPECT_FALSE(KeyFile::open(dir / "missing", [](const std::string&) {}));
}

// recent() (what every Produce and Fetch asks for its quota) does not stat the file per call,
// yet sees an edit within KeyFile::kRecheck; current() (a login) sees it at once.
TEST(KeyFile, RecentSeesAnEditWithinTheRecheckInterval) {
  kafka_do::testing::TempDir dir;
  const std::string path = dir / "keys";
  KeyStore first;
  ASSERT_TRUE(first.add(make_api_key("alice", "one", false)));
  write_file(path, first.serialize());
  auto file = KeyFile::open(path, [](const std::string&) {});
  ASSERT_TRUE(file) << file.error().message();
  const auto before = (*file)->recent();
  EXPECT_EQ((*file)->recent(), before) << "the same snapshot, not a reread";

  KeyStore next;
  ASSERT_TRUE(next.add(make_api_key("bob", "two", false)));
  write_file(path, next.serialize());
  const auto edited = std::chrono::steady_clock::now();
  std::shared_ptr<const KeyStore> seen;
  while ((seen = (*file)->recent())->find("bob") == nullptr &&
         std::chrono::steady_clock::now() - edited < 10 * KeyFile::kRecheck) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(seen->find("bob")) << "recent() never saw the edit";
  EXPECT_FALSE(seen->find("alice"));

  write_file(path, first.serialize());
  EXPECT_TRUE((*file)->current()->find("alice")) << "a login sees the file as it is now";
}

}  // namespace
}  // namespace kafka_do::broker::security
