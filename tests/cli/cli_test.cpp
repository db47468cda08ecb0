// End-to-end tests of the kafkado binary: each test runs it as a subprocess on a fresh data
// directory and checks stdout, stderr and the exit code.

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "base/murmur2.hpp"
#include "cli/subprocess.hpp"
#include "support/temp_dir.hpp"

namespace kafka_do::testing {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class CliTest : public ::testing::Test {
 protected:
  // Runs kafkado with --data pointing at this test's directory.
  RunResult kafkado(std::vector<std::string> args, const std::string& input = "") {
    std::vector<std::string> argv = {KAFKADO_PATH, "--data", data_};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions options;
    options.input = input;
    RunResult r = run_process(argv, options);
    EXPECT_FALSE(r.timed_out) << "kafkado timed out: " << testing_args(args);
    return r;
  }

  // Runs and expects success; returns stdout.
  std::string ok(std::vector<std::string> args, const std::string& input = "") {
    RunResult r = kafkado(args, input);
    EXPECT_EQ(r.exit_code, 0) << testing_args(args) << "\nstderr: " << r.err;
    return r.out;
  }

  static std::string testing_args(const std::vector<std::string>& args) {
    std::string s = "kafkado";
    for (const auto& a : args) s += " " + a;
    return s;
  }

  TempDir dir_;
  std::string data_ = dir_ / "data";
};

TEST_F(CliTest, TopicLifecycle) {
  EXPECT_EQ(ok({"topics", "list"}), "");
  EXPECT_EQ(
      ok({"topics", "create", "orders", "--partitions", "3", "--config", "retention.ms=60000"}),
      "Created topic orders with 3 partitions.\n");
  ok({"topics", "create", "audit"});
  EXPECT_EQ(ok({"topics", "list"}), "audit\norders\n");

  const std::string described = ok({"topics", "describe", "orders"});
  EXPECT_NE(described.find("Topic: orders\tPartitions: 3"), std::string::npos) << described;
  for (const char* row : {"  0 ", "  1 ", "  2 "}) {
    EXPECT_NE(described.find(row), std::string::npos) << described;
  }
  EXPECT_NE(described.find("HIGH-WATERMARK"), std::string::npos);
  EXPECT_NE(described.find("LAST-STABLE"), std::string::npos);
  EXPECT_NE(described.find("SIZE-BYTES"), std::string::npos);
  // Every config key, with where its value comes from.
  EXPECT_TRUE(std::regex_search(described, std::regex("retention\\.ms +60000 +topic\n")))
      << described;
  for (const char* key :
       {"retention.bytes", "segment.bytes", "segment.ms", "cleanup.policy",
        "min.cleanable.dirty.ratio", "min.compaction.lag.ms", "max.compaction.lag.ms",
        "delete.retention.ms", "max.message.bytes", "message.timestamp.type"}) {
    EXPECT_NE(described.find(key), std::string::npos) << key;
  }
  EXPECT_NE(described.find("default"), std::string::npos);

  // Creating again fails unless asked to tolerate it.
  RunResult again = kafkado({"topics", "create", "orders"});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
  EXPECT_EQ(ok({"topics", "create", "orders", "--if-not-exists"}), "");

  // Alter: set one key, reset another.
  ok({"topics", "alter", "orders", "--config", "retention.bytes=1000000", "--delete-config",
      "retention.ms"});
  const std::string altered = ok({"topics", "describe", "orders"});
  EXPECT_TRUE(std::regex_search(altered, std::regex("retention\\.bytes +1000000 +topic\n")))
      << altered;
  EXPECT_TRUE(std::regex_search(altered, std::regex("retention\\.ms +604800000 +default\n")))
      << altered;

  ok({"topics", "add-partitions", "orders", "--partitions", "5"});
  EXPECT_NE(ok({"topics", "describe", "orders"}).find("Partitions: 5"), std::string::npos);
  RunResult shrink = kafkado({"topics", "add-partitions", "orders", "--partitions", "2"});
  EXPECT_NE(shrink.exit_code, 0);
  EXPECT_NE(shrink.err.find("must be larger"), std::string::npos) << shrink.err;

  EXPECT_EQ(ok({"topics", "delete", "orders"}), "Deleted topic orders.\n");
  EXPECT_EQ(ok({"topics", "list"}), "audit\n");
  EXPECT_EQ(ok({"topics", "delete", "orders", "--if-exists"}), "");
}

TEST_F(CliTest, DescribeWithoutNameDescribesEveryTopic) {
  ok({"topics", "create", "a"});
  ok({"topics", "create", "b", "-p", "2"});
  const std::string out = ok({"topics", "describe"});
  EXPECT_NE(out.find("Topic: a\tPartitions: 1"), std::string::npos) << out;
  EXPECT_NE(out.find("Topic: b\tPartitions: 2"), std::string::npos) << out;
}

TEST_F(CliTest, InvalidTopicArgumentsAreOneLineErrors) {
  RunResult bad_key = kafkado({"topics", "create", "t", "--config", "no.such.key=1"});
  EXPECT_EQ(bad_key.exit_code, 1);
  EXPECT_EQ(bad_key.err,
            "kafkado: error: unknown topic config 'no.such.key' [INVALID_CONFIG, code 40]\n");

  RunResult bad_form = kafkado({"topics", "create", "t", "--config", "retention.ms"});
  EXPECT_EQ(bad_form.exit_code, 2);
  EXPECT_NE(bad_form.err.find("name=value"), std::string::npos) << bad_form.err;

  RunResult bad_name = kafkado({"topics", "create", "no/slash"});
  EXPECT_EQ(bad_name.exit_code, 1);
  EXPECT_EQ(lines_of(bad_name.err).size(), 1u) << bad_name.err;

  RunResult usage = kafkado({"topics", "create"});
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_EQ(lines_of(usage.err).size(), 1u) << usage.err;

  RunResult nothing = kafkado({"topics", "alter", "t"});
  EXPECT_NE(nothing.exit_code, 0);
}

TEST_F(CliTest, UnknownTopicSaysHowToCreateIt) {
  const std::string expected =
      "kafkado: error: topic 'nope' does not exist (create it with: kafkado topics create nope) "
      "[UNKNOWN_TOPIC_OR_PARTITION, code 3]\n";
  for (std::vector<std::string> args :
       {std::vector<std::string>{"consume", "nope", "-e"},
        std::vector<std::string>{"produce", "nope"},
        std::vector<std::string>{"topics", "describe", "nope"},
        std::vector<std::string>{"topics", "delete", "nope"},
        std::vector<std::string>{"topics", "alter", "nope", "--config", "retention.ms=1"},
        std::vector<std::string>{"topics", "add-partitions", "nope", "--partitions", "2"}}) {
    RunResult r = kafkado(args, args[0] == "produce" ? "x\n" : "");
    EXPECT_NE(r.exit_code, 0) << testing_args(args);
    EXPECT_EQ(r.err, expected) << testing_args(args);
    EXPECT_EQ(r.out, "") << testing_args(args);
  }
}

TEST_F(CliTest, KeyedRecordsRoundTripAndLandOnTheirKeysPartition) {
  constexpr int kPartitions = 4;
  constexpr int kRecords = 10000;
  ok({"topics", "create", "keyed", "--partitions", std::to_string(kPartitions)});
  std::vector<std::string> input;
  std::map<int, std::vector<std::string>> expected_by_partition;
  for (int i = 0; i < kRecords; ++i) {
    const std::string key = "customer-" + std::to_string(i % 97);
    // Values hold the separator and spaces: only the first separator splits.
    const std::string value = "{\"order\":" + std::to_string(i) + ",\"note\":\"a:b c\"}";
    input.push_back(key + ":" + value);
    expected_by_partition[partition_for_key(key, kPartitions)].push_back(key + "\t" + value);
  }
  EXPECT_EQ(ok({"produce", "keyed", "--key-separator", ":"}, join_lines(input)), "");

  std::vector<std::string> all;
  for (int p = 0; p < kPartitions; ++p) {
    const auto got = lines_of(
        ok({"consume", "keyed", "-o", "beginning", "-e", "-K", "\t", "-p", std::to_string(p)}));
    // Exactly the records whose key hashes here, in the order they were produced.
    EXPECT_EQ(got, expected_by_partition[p]) << "partition " << p;
    all.insert(all.end(), got.begin(), got.end());
  }
  EXPECT_EQ(all.size(), size_t(kRecords));

  // All partitions at once: the same records (interleaving across partitions is free).
  auto together = lines_of(ok({"consume", "keyed", "-o", "beginning", "-e", "-K", "\t"}));
  std::sort(together.begin(), together.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(together, all);
}

TEST_F(CliTest, KeylessRecordsRoundTripSpreadOverPartitions) {
  constexpr int kRecords = 10000;
  ok({"topics", "create", "plain", "--partitions", "3"});
  std::vector<std::string> input;
  for (int i = 0; i < kRecords; ++i) input.push_back("value " + std::to_string(i));
  EXPECT_EQ(ok({"produce", "plain"}, join_lines(input)), "");

  std::vector<std::string> all;
  int used_partitions = 0;
  for (int p = 0; p < 3; ++p) {
    const auto got =
        lines_of(ok({"consume", "plain", "-o", "beginning", "-e", "-p", std::to_string(p)}));
    if (!got.empty()) ++used_partitions;
    // Within a partition records keep their produce order.
    std::vector<int> numbers;
    for (const auto& line : got) numbers.push_back(std::stoi(line.substr(6)));
    EXPECT_TRUE(std::is_sorted(numbers.begin(), numbers.end())) << "partition " << p;
    all.insert(all.end(), got.begin(), got.end());
  }
  // About 7 batches of 16 KiB, each moving the sticky partition: more than one partition gets data.
  EXPECT_GE(used_partitions, 2);
  std::sort(all.begin(), all.end());
  std::sort(input.begin(), input.end());
  EXPECT_EQ(all, input);

  // Keyless records print an empty key, and %K says it is null (-1), as kcat does.
  const auto keyed =
      lines_of(ok({"consume", "plain", "-o", "beginning", "-e", "-f", "%K|%k|%s\\n", "-c", "1"}));
  ASSERT_EQ(keyed.size(), 1u);
  EXPECT_EQ(keyed[0].rfind("-1||value ", 0), 0u) << keyed[0];
}

TEST_F(CliTest, LinesAreTakenVerbatim) {
  ok({"topics", "create", "raw"});
  // An empty line is an empty record; CRLF endings lose the CR; a last line without a newline
  // still counts.
  ok({"produce", "raw"}, "first\n\nwith  spaces\t and tab\nwindows\r\nüñíçødé\nlast");
  EXPECT_EQ(ok({"consume", "raw", "-o", "beginning", "-e"}),
            "first\n\nwith  spaces\t and tab\nwindows\nüñíçødé\nlast\n");
}

TEST_F(CliTest, MissingKeySeparatorFailsNamingTheLine) {
  ok({"topics", "create", "t"});
  RunResult r = kafkado({"produce", "t", "--key-separator", ":"}, "a:1\nb:2\nno separator\nc:3\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("line 3 has no key separator ':'"), std::string::npos) << r.err;
  // The lines before it were produced.
  EXPECT_EQ(ok({"consume", "t", "-o", "beginning", "-e", "-K", "="}), "a=1\nb=2\n");
}

TEST_F(CliTest, PartitionOffsetAndCount) {
  ok({"topics", "create", "t", "--partitions", "2"});
  std::string input;
  for (int i = 0; i < 100; ++i) input += std::to_string(i) + "\n";
  ok({"produce", "t", "-p", "1"}, input);

  EXPECT_EQ(ok({"consume", "t", "-o", "beginning", "-e", "-p", "0"}), "");
  EXPECT_EQ(ok({"consume", "t", "-e", "-p", "1", "-o", "95"}), "95\n96\n97\n98\n99\n");
  EXPECT_EQ(ok({"consume", "t", "-e", "-o", "-2"}),
            "98\n99\n");  // 2 before the end, each partition
  EXPECT_EQ(ok({"consume", "t", "-e", "-p", "1", "-o", "beginning", "-c", "3"}), "0\n1\n2\n");
  EXPECT_EQ(ok({"consume", "t", "-e", "-p", "1", "-o", "end"}), "");
  EXPECT_EQ(ok({"consume", "t", "-e", "-p", "1", "-o", "500"}), "");
  EXPECT_EQ(ok({"consume", "t", "-e", "-p", "1", "-o", "98", "-f", "%t %p %o %s|%S\\n"}),
            "t 1 98 98|2\nt 1 99 99|2\n");
  // Default start is the end, as with kcat and Kafka's console consumer.
  EXPECT_EQ(ok({"consume", "t", "-e"}), "");
  EXPECT_EQ(lines_of(ok({"consume", "t", "-o", "beginning", "-e"})).size(), 100u);
  // From a time: everything was written after 2020, nothing after 2100.
  EXPECT_EQ(lines_of(ok({"consume", "t", "-o", "@2020-01-01T00:00:00Z", "-e"})).size(), 100u);
  EXPECT_EQ(ok({"consume", "t", "-o", "@4102444800000", "-e"}), "");

  RunResult bad_offset = kafkado({"consume", "t", "-e", "-o", "yesterday"});
  EXPECT_EQ(bad_offset.exit_code, 2);
  EXPECT_NE(bad_offset.err.find("-o 'yesterday'"), std::string::npos) << bad_offset.err;
  RunResult bad_time = kafkado({"consume", "t", "-e", "-o", "@2026-13-01"});
  EXPECT_EQ(bad_time.exit_code, 2);
  RunResult bad_partition = kafkado({"consume", "t", "-e", "-p", "7"});
  EXPECT_EQ(bad_partition.exit_code, 2);
  EXPECT_NE(bad_partition.err.find("partitions 0..1, not 7"), std::string::npos)
      << bad_partition.err;
  RunResult bad_produce = kafkado({"produce", "t", "-p", "2"}, "x\n");
  EXPECT_EQ(bad_produce.exit_code, 2);
  EXPECT_NE(bad_produce.err.find("partitions 0..1, not 2"), std::string::npos) << bad_produce.err;
  RunResult bad_format = kafkado({"consume", "t", "-e", "-f", "%q"});
  EXPECT_EQ(bad_format.exit_code, 2);
}

TEST_F(CliTest, JsonInAndOut) {
  ok({"topics", "create", "j"});
  // A bad line stops the run, says which line, and what came before it was sent.
  RunResult bad = kafkado({"produce", "j", "--json", "-H", "src=cli"},
                          "{\"a\":1}\n[2]\n{oops\n{\"never\":3}\n");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("line 3 is not valid JSON"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("nothing from line 3 on"), std::string::npos) << bad.err;
  const auto got = lines_of(ok({"consume", "j", "-o", "beginning", "-e", "--json"}));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_NE(got[0].find("\"value\":\"{\\\"a\\\":1}\""), std::string::npos) << got[0];
  EXPECT_NE(got[0].find("\"headers\":[{\"key\":\"src\",\"value\":\"cli\"}]"), std::string::npos)
      << got[0];
  EXPECT_NE(got[0].find("\"key\":null"), std::string::npos) << got[0];
  EXPECT_NE(got[1].find("\"offset\":1"), std::string::npos) << got[1];
  EXPECT_NE(ok({"topics", "describe", "j", "--json"}).find("\"high_watermark\":2"),
            std::string::npos);
}

TEST_F(CliTest, GroupLagResetAndDelete) {
  ok({"topics", "create", "orders", "-p", "2"});
  std::string input;
  for (int i = 0; i < 10; ++i) input += std::to_string(i % 2) + ":" + std::to_string(i) + "\n";
  ok({"produce", "orders", "-K", ":"}, input);
  // The group reads 4 records and commits them; 6 are left.
  EXPECT_EQ(
      lines_of(ok({"consume", "orders", "-G", "billing", "-o", "beginning", "-c", "4"})).size(),
      4u);
  const std::string described = ok({"groups", "describe", "billing"});
  EXPECT_NE(described.find("State: Empty"), std::string::npos) << described;
  EXPECT_NE(described.find("Total lag: 6"), std::string::npos) << described;
  EXPECT_NE(ok({"groups", "list"}).find("billing  Empty  0"), std::string::npos);

  // A dry run prints the plan and commits nothing; then it applies.
  const std::string plan =
      ok({"groups", "reset-offsets", "billing", "-t", "orders", "--to-earliest", "--dry-run"});
  EXPECT_NE(plan.find("Dry run"), std::string::npos) << plan;
  EXPECT_NE(ok({"groups", "describe", "billing"}).find("Total lag: 6"), std::string::npos);
  ok({"groups", "reset-offsets", "billing", "-t", "orders", "--to-earliest"});
  EXPECT_NE(ok({"groups", "describe", "billing"}).find("Total lag: 10"), std::string::npos);
  ok({"groups", "reset-offsets", "billing", "-t", "orders", "--shift-by", "2"});
  EXPECT_NE(ok({"groups", "describe", "billing"}).find("Total lag: 6"), std::string::npos);
  ok({"groups", "reset-offsets", "billing", "-t", "orders", "--to-offset", "100"});
  EXPECT_NE(ok({"groups", "describe", "billing", "--json"}).find("\"total_lag\":0"),
            std::string::npos);
  // The group resumes where it was reset to.
  ok({"groups", "reset-offsets", "billing", "-t", "orders", "--to-offset", "4"});
  EXPECT_EQ(lines_of(ok({"consume", "orders", "-G", "billing", "-e"})).size(), 2u);
  EXPECT_EQ(kafkado({"groups", "reset-offsets", "billing", "-t", "orders"}).exit_code, 2);

  EXPECT_EQ(ok({"groups", "delete", "billing"}), "Deleted group billing.\n");
  EXPECT_EQ(ok({"groups", "list"}), "GROUP  STATE  MEMBERS\n");
}

// The tool a user runs after a crash: a clean directory passes, a flipped byte in a sealed
// segment is found and named, exit 3.
TEST_F(CliTest, CheckFindsAFlippedByte) {
  ok({"topics", "create", "t", "-c", "segment.bytes=2048"});
  std::string input;
  for (int i = 0; i < 200; ++i) input += "record number " + std::to_string(i) + "\n";
  ok({"produce", "t"}, input);
  ok({"produce", "t"}, input);
  const std::string clean = ok({"check"});
  EXPECT_NE(clean.find(": ok"), std::string::npos) << clean;
  EXPECT_EQ(clean.find("DAMAGE"), std::string::npos) << clean;

  const std::string segment = data_ + "/topics/t/0/00000000000000000000.log";
  {
    std::fstream f(segment, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f.good());
    f.seekg(100);
    char c = 0;
    f.read(&c, 1);
    c = char(c ^ 0x20);
    f.seekp(100);
    f.write(&c, 1);
  }
  RunResult damaged = kafkado({"check"});
  EXPECT_EQ(damaged.exit_code, 3) << damaged.out << damaged.err;
  EXPECT_NE(damaged.out.find("DAMAGE: t/0/00000000000000000000.log at byte 0: CRC mismatch"),
            std::string::npos)
      << damaged.out;
  EXPECT_NE(damaged.out.find("1 problems found"), std::string::npos) << damaged.out;
  RunResult json = kafkado({"check", "--json"});
  EXPECT_EQ(json.exit_code, 3);
  EXPECT_NE(json.out.find("\"ok\":false"), std::string::npos) << json.out;
}

TEST_F(CliTest, ProduceCanCreateTheTopic) {
  RunResult r = kafkado({"produce", "fresh", "--create", "--partitions", "2"}, "a\nb\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(ok({"topics", "describe", "fresh"}).find("Partitions: 2"), std::string::npos);
  auto got = lines_of(ok({"consume", "fresh", "-o", "beginning", "-e"}));
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"a", "b"}));
  // --partitions without --create is a usage error.
  EXPECT_EQ(kafkado({"produce", "fresh", "--partitions", "3"}, "c\n").exit_code, 2);
}

TEST_F(CliTest, EveryFlushPolicyWorks) {
  ok({"topics", "create", "t"});
  for (const char* policy : {"every-batch", "interval", "os"}) {
    ok({"--flush", policy, "produce", "t"}, std::string(policy) + "\n");
  }
  EXPECT_EQ(ok({"consume", "t", "-o", "beginning", "-e"}), "every-batch\ninterval\nos\n");
  EXPECT_EQ(kafkado({"--flush", "sometimes", "topics", "list"}).exit_code, 2);
}

TEST_F(CliTest, DataDirectoryComesFromTheEnvironment) {
  const std::string env_dir = dir_ / "from-env";
  RunOptions options;
  options.env["KAFKA_DO_DATA"] = env_dir;
  RunResult created = run_process({KAFKADO_PATH, "topics", "create", "envtopic"}, options);
  ASSERT_EQ(created.exit_code, 0) << created.err;
  RunResult listed = run_process({KAFKADO_PATH, "topics", "list"}, options);
  EXPECT_EQ(listed.out, "envtopic\n");
  // --data wins over the environment.
  RunResult explicit_dir = run_process({KAFKADO_PATH, "topics", "list", "--data", data_}, options);
  EXPECT_EQ(explicit_dir.exit_code, 0);
  EXPECT_EQ(explicit_dir.out, "");
}

TEST_F(CliTest, GlobalOptionsMayFollowTheCommand) {
  RunOptions options;
  options.unset_env = {"KAFKA_DO_DATA"};
  RunResult r = run_process({KAFKADO_PATH, "topics", "create", "late", "--data", data_}, options);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ok({"topics", "list"}), "late\n");
}

TEST_F(CliTest, HelpWorksForEveryCommand) {
  for (std::vector<std::string> args : {std::vector<std::string>{"--help"},
                                        {"topics", "--help"},
                                        {"topics", "create", "--help"},
                                        {"topics", "list", "--help"},
                                        {"topics", "describe", "--help"},
                                        {"topics", "alter", "--help"},
                                        {"topics", "add-partitions", "--help"},
                                        {"topics", "delete", "--help"},
                                        {"produce", "--help"},
                                        {"consume", "--help"},
                                        {"groups", "--help"},
                                        {"groups", "list", "--help"},
                                        {"groups", "describe", "--help"},
                                        {"groups", "reset-offsets", "--help"},
                                        {"groups", "delete", "--help"},
                                        {"check", "--help"},
                                        {"serve", "--help"}}) {
    RunResult r = kafkado(args);
    EXPECT_EQ(r.exit_code, 0) << testing_args(args);
    EXPECT_NE(r.out.find("Usage:"), std::string::npos) << testing_args(args);
    if (args.size() > 1 && args[0] != "groups" && args[0] != "topics") {
      EXPECT_NE(r.out.find("Example:"), std::string::npos) << testing_args(args);
    }
    if (args.size() > 2) {
      EXPECT_NE(r.out.find("Example:"), std::string::npos) << testing_args(args);
    }
  }
}

// A follower holds the data directory: a second kafkado fails at once naming it, and SIGTERM
// ends the follower cleanly after it printed what was there.
TEST_F(CliTest, FollowerHoldsTheLockAndStopsOnSigterm) {
  ok({"topics", "create", "t", "--partitions", "2"});
  std::string input;
  for (int i = 0; i < 100; ++i) input += "r" + std::to_string(i) + "\n";
  ok({"produce", "t"}, input);

  const std::string out_path = dir_ / "follower.out";
  const std::string err_path = dir_ / "follower.err";
  BackgroundProcess follower({KAFKADO_PATH, "--data", data_, "consume", "t", "-o", "beginning"},
                             out_path, err_path);
  const std::string pid = std::to_string(follower.pid());
  // It owns the directory once LOCK names it, and it has printed everything once the output
  // holds all 100 lines (it flushes before waiting for more).
  ASSERT_TRUE(eventually([&] { return read_text(data_ + "/LOCK") == pid + "\n"; }, 20s))
      << read_text(err_path);
  ASSERT_TRUE(eventually([&] { return lines_of(read_text(out_path)).size() == 100; }, 20s))
      << read_text(err_path);

  for (std::vector<std::string> args :
       {std::vector<std::string>{"topics", "list"}, {"produce", "t"}, {"consume", "t", "-e"}}) {
    RunResult second = kafkado(args, "x\n");
    EXPECT_EQ(second.exit_code, 1) << testing_args(args);
    EXPECT_NE(second.err.find("is in use by another process (pid " + pid), std::string::npos)
        << second.err;
    EXPECT_EQ(lines_of(second.err).size(), 1u) << second.err;
  }

  follower.signal(SIGTERM);
  EXPECT_EQ(follower.wait(20s), 0) << read_text(err_path);
  auto got = lines_of(read_text(out_path));
  std::sort(got.begin(), got.end());
  auto expected = lines_of(input);
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(got, expected);

  // The lock went with it.
  EXPECT_EQ(ok({"topics", "list"}), "t\n");
}

TEST_F(CliTest, FollowerAtTheEndStopsOnSigint) {
  ok({"topics", "create", "t"});
  ok({"produce", "t"}, "old\n");
  const std::string out_path = dir_ / "follower.out";
  BackgroundProcess follower({KAFKADO_PATH, "--data", data_, "consume", "t"}, out_path,
                             dir_ / "follower.err");
  const std::string pid = std::to_string(follower.pid());
  ASSERT_TRUE(eventually([&] { return read_text(data_ + "/LOCK") == pid + "\n"; }, 20s));
  follower.signal(SIGINT);
  EXPECT_EQ(follower.wait(20s), 0);
  // It started at the end, so the old record was not printed.
  EXPECT_EQ(read_text(out_path), "");
}

TEST_F(CliTest, ConsumeIntoAClosedPipeEndsQuietly) {
  ok({"topics", "create", "t"});
  std::string input;
  for (int i = 0; i < 200000; ++i)
    input += "some longer line of text number " + std::to_string(i) + "\n";
  ok({"produce", "t"}, input);
  // `kafkado consume ... | head -1`: the shell's way of stopping a reader.
  RunOptions options;
  RunResult r = run_process({"/bin/bash", "-c",
                             std::string("'") + KAFKADO_PATH + "' --data '" + data_ +
                                 "' consume t -o beginning -e | head -1; "
                                 "exit ${PIPESTATUS[0]}"},
                            options);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines_of(r.out).front(), "some longer line of text number 0");
  EXPECT_EQ(r.err, "");
}

}  // namespace
}  // namespace kafka_do::testing
