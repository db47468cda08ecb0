#include "storage/topic_config.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "base/file_system.hpp"
#include "storage/log_manager.hpp"

namespace kafka_do::storage {
namespace {

// Every key the table knows, its Kafka default as a string, and a valid non-default value.
struct KeyCase {
  const char* key;
  const char* type;
  const char* default_value;
  const char* other_value;
};

const KeyCase kKeys[] = {
    {"retention.ms", "long", "604800000", "60000"},
    {"retention.bytes", "long", "-1", "1073741824"},
    {"segment.bytes", "int", "1073741824", "1048576"},
    {"segment.ms", "long", "604800000", "3600000"},
    {"cleanup.policy", "string", "delete", "compact"},
    {"min.cleanable.dirty.ratio", "double", "0.5", "0.1"},
    {"min.compaction.lag.ms", "long", "0", "5000"},
    {"max.compaction.lag.ms", "long", "9223372036854775807", "86400000"},
    {"delete.retention.ms", "long", "86400000", "1000"},
    {"max.message.bytes", "int", "1048588", "2000000"},
    {"message.timestamp.type", "string", "CreateTime", "LogAppendTime"},
};

TEST(TopicConfigTest, KeysListsEveryKeyWithItsTypeAndDoc) {
  const auto& keys = TopicConfig::keys();
  ASSERT_EQ(keys.size(), std::size(kKeys));
  for (size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(keys[i].name, kKeys[i].key);
    EXPECT_EQ(keys[i].type, kKeys[i].type) << kKeys[i].key;
    EXPECT_FALSE(keys[i].doc.empty()) << kKeys[i].key;
  }
}

TEST(TopicConfigTest, DefaultsAreKafkasAndNothingIsOverridden) {
  const TopicConfig c;
  for (const auto& k : kKeys) EXPECT_EQ(c.get(k.key), k.default_value) << k.key;
  EXPECT_TRUE(c.overrides.empty());
  EXPECT_TRUE(c.override_map().empty());
  EXPECT_TRUE(c.retention_deletes());
  EXPECT_FALSE(c.compacts());
  EXPECT_FALSE(c.log_append_time());
}

TEST(TopicConfigTest, SetParsesEveryKeyIntoItsFieldAndMarksItOverridden) {
  TopicConfig c;
  for (const auto& k : kKeys) {
    ASSERT_TRUE(c.set(k.key, k.other_value)) << k.key;
    EXPECT_EQ(c.get(k.key), k.other_value) << k.key;
    EXPECT_TRUE(c.overrides.count(k.key)) << k.key;
  }
  EXPECT_EQ(c.retention_ms, 60000);
  EXPECT_EQ(c.retention_bytes, 1073741824);
  EXPECT_EQ(c.segment_bytes, 1048576);
  EXPECT_EQ(c.segment_ms, 3600000);
  EXPECT_EQ(c.cleanup_policy, "compact");
  EXPECT_DOUBLE_EQ(c.min_cleanable_dirty_ratio, 0.1);
  EXPECT_EQ(c.min_compaction_lag_ms, 5000);
  EXPECT_EQ(c.max_compaction_lag_ms, 86400000);
  EXPECT_EQ(c.delete_retention_ms, 1000);
  EXPECT_EQ(c.max_message_bytes, 2000000);
  EXPECT_EQ(c.message_timestamp_type, "LogAppendTime");
  EXPECT_TRUE(c.log_append_time());
  EXPECT_EQ(c.overrides.size(), std::size(kKeys));
}

TEST(TopicConfigTest, SettingADefaultValueStillCountsAsAnOverride) {
  TopicConfig c;
  ASSERT_TRUE(c.set("retention.ms", "604800000"));
  EXPECT_EQ(c.override_map(), (std::map<std::string, std::string>{{"retention.ms", "604800000"}}));
}

TEST(TopicConfigTest, CleanupPolicyDecidesRetentionAndCompaction) {
  struct Case {
    const char* policy;
    bool deletes;
    bool compacts;
  };
  for (const Case& p : {Case{"delete", true, false}, Case{"compact", false, true},
                        Case{"compact,delete", true, true}, Case{"delete,compact", true, true}}) {
    TopicConfig c;
    ASSERT_TRUE(c.set("cleanup.policy", p.policy)) << p.policy;
    EXPECT_EQ(c.retention_deletes(), p.deletes) << p.policy;
    EXPECT_EQ(c.compacts(), p.compacts) << p.policy;
  }
}

TEST(TopicConfigTest, NumbersAcceptTheirWholeRange) {
  TopicConfig c;
  ASSERT_TRUE(c.set("retention.ms", "-1"));  // forever
  EXPECT_EQ(c.retention_ms, -1);
  ASSERT_TRUE(c.set("retention.bytes", "-1"));
  ASSERT_TRUE(c.set("retention.ms", "9223372036854775807"));
  EXPECT_EQ(c.retention_ms, INT64_MAX);
  ASSERT_TRUE(c.set("segment.bytes", "14"));
  ASSERT_TRUE(c.set("segment.bytes", "2147483647"));
  EXPECT_EQ(c.segment_bytes, INT32_MAX);
  ASSERT_TRUE(c.set("segment.ms", "1"));
  ASSERT_TRUE(c.set("max.compaction.lag.ms", "1"));
  ASSERT_TRUE(c.set("min.compaction.lag.ms", "0"));
  ASSERT_TRUE(c.set("delete.retention.ms", "0"));
  ASSERT_TRUE(c.set("max.message.bytes", "0"));
  ASSERT_TRUE(c.set("max.message.bytes", "2147483647"));
  EXPECT_EQ(c.max_message_bytes, INT32_MAX);
  ASSERT_TRUE(c.set("min.cleanable.dirty.ratio", "0"));
  ASSERT_TRUE(c.set("min.cleanable.dirty.ratio", "1"));
  EXPECT_DOUBLE_EQ(c.min_cleanable_dirty_ratio, 1.0);
}

struct BadValue {
  const char* key;
  const char* value;
  const char* message;  // what the error says, after "config <key>: "
};

const BadValue kBadValues[] = {
    {"retention.ms", "soon", "'soon' is not a number"},
    {"retention.ms", "", "'' is not a number"},
    {"retention.ms", "10ms", "'10ms' is not a number"},
    {"retention.ms", "1.5", "'1.5' is not a number"},
    {"retention.ms", " 5", "' 5' is not a number"},
    {"retention.ms", "99999999999999999999", "is not a number"},  // over int64
    {"retention.ms", "-2", "-2 is below the minimum -1"},
    {"retention.bytes", "-2", "-2 is below the minimum -1"},
    {"segment.bytes", "13", "13 is below the minimum 14"},
    {"segment.bytes", "2147483648", "2147483648 is above the maximum 2147483647"},
    {"segment.ms", "0", "0 is below the minimum 1"},
    {"min.compaction.lag.ms", "-1", "-1 is below the minimum 0"},
    {"max.compaction.lag.ms", "0", "0 is below the minimum 1"},
    {"delete.retention.ms", "-1", "-1 is below the minimum 0"},
    {"max.message.bytes", "-1", "-1 is below the minimum 0"},
    {"max.message.bytes", "2147483648", "2147483648 is above the maximum 2147483647"},
    {"min.cleanable.dirty.ratio", "1.5", "'1.5' is not a number in [0, 1]"},
    {"min.cleanable.dirty.ratio", "-0.1", "'-0.1' is not a number in [0, 1]"},
    {"min.cleanable.dirty.ratio", "half", "'half' is not a number in [0, 1]"},
    {"min.cleanable.dirty.ratio", "nan", "'nan' is not a number in [0, 1]"},
    {"min.cleanable.dirty.ratio", "0.5x", "'0.5x' is not a number in [0, 1]"},
    {"cleanup.policy", "Delete",
     "'Delete' is not one of delete, compact, compact,delete, delete,compact"},
    {"cleanup.policy", "compact, delete", "is not one of"},
    {"message.timestamp.type", "createtime",
     "'createtime' is not one of CreateTime, LogAppendTime"},
};

class TopicConfigBadValueTest : public ::testing::TestWithParam<BadValue> {};

TEST_P(TopicConfigBadValueTest, IsInvalidArgumentNamingKeyAndValueAndChangesNothing) {
  const BadValue& bad = GetParam();
  TopicConfig c;
  const auto before = c.get(bad.key);
  auto r = c.set(bad.key, bad.value);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::invalid_argument);
  EXPECT_EQ(r.error().message().rfind("config " + std::string(bad.key) + ": ", 0), 0u)
      << r.error().message();
  EXPECT_NE(r.error().message().find(bad.message), std::string::npos) << r.error().message();
  EXPECT_EQ(c.get(bad.key), before);
  EXPECT_TRUE(c.overrides.empty());
}

INSTANTIATE_TEST_SUITE_P(Values, TopicConfigBadValueTest, ::testing::ValuesIn(kBadValues),
                         [](const auto& info) { return std::to_string(info.index); });

TEST(TopicConfigTest, UnknownKeysAreRefusedEverywhere) {
  TopicConfig c;
  for (const char* key : {"retention.hours", "RETENTION.MS", "", "compression.type"}) {
    auto set = c.set(key, "1");
    ASSERT_FALSE(set) << key;
    EXPECT_EQ(set.error().code(), Errc::invalid_argument);
    EXPECT_EQ(set.error().message(), "unknown topic config '" + std::string(key) + "'");
    auto reset = c.reset(key);
    ASSERT_FALSE(reset);
    EXPECT_EQ(reset.error().code(), Errc::invalid_argument);
    EXPECT_EQ(c.get(key), std::nullopt);
  }
  EXPECT_TRUE(c.overrides.empty());
}

TEST(TopicConfigTest, ResetRestoresTheDefaultAndDropsTheOverride) {
  TopicConfig c;
  for (const auto& k : kKeys) ASSERT_TRUE(c.set(k.key, k.other_value));
  for (const auto& k : kKeys) {
    ASSERT_TRUE(c.reset(k.key)) << k.key;
    EXPECT_EQ(c.get(k.key), k.default_value) << k.key;
    EXPECT_FALSE(c.overrides.count(k.key)) << k.key;
  }
  EXPECT_TRUE(c.overrides.empty());
  const TopicConfig defaults;
  EXPECT_EQ(c.retention_ms, defaults.retention_ms);
  EXPECT_EQ(c.max_compaction_lag_ms, INT64_MAX);
  EXPECT_DOUBLE_EQ(c.min_cleanable_dirty_ratio, 0.5);
  ASSERT_TRUE(c.reset("segment.ms"));  // resetting a key that was never set is fine
}

TEST(TopicConfigTest, OverrideMapHoldsOnlyOverriddenKeysAndFromMapRebuildsTheConfig) {
  TopicConfig c;
  ASSERT_TRUE(c.set("retention.ms", "60000"));
  ASSERT_TRUE(c.set("cleanup.policy", "compact,delete"));
  ASSERT_TRUE(c.set("min.cleanable.dirty.ratio", "0.3"));
  const auto map = c.override_map();
  EXPECT_EQ(map, (std::map<std::string, std::string>{{"cleanup.policy", "compact,delete"},
                                                     {"min.cleanable.dirty.ratio", "0.3"},
                                                     {"retention.ms", "60000"}}));
  auto back = TopicConfig::from_map(map);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->overrides, c.overrides);
  for (const auto& k : kKeys) EXPECT_EQ(back->get(k.key), c.get(k.key)) << k.key;
  EXPECT_EQ(back->override_map(), map);
}

TEST(TopicConfigTest, EveryKeyRoundTripsThroughItsStringForm) {
  TopicConfig c;
  for (const auto& k : kKeys) ASSERT_TRUE(c.set(k.key, k.other_value));
  ASSERT_TRUE(c.set("min.cleanable.dirty.ratio", "0.30000000000000004"));  // shortest form kept
  auto back = TopicConfig::from_map(c.override_map());
  ASSERT_TRUE(back);
  for (const auto& k : kKeys) EXPECT_EQ(back->get(k.key), c.get(k.key)) << k.key;
  EXPECT_EQ(back->min_cleanable_dirty_ratio, c.min_cleanable_dirty_ratio);  // bit for bit
  EXPECT_EQ(back->max_compaction_lag_ms, c.max_compaction_lag_ms);
}

TEST(TopicConfigTest, FromMapFailsOnTheFirstBadEntry) {
  auto r = TopicConfig::from_map({{"retention.ms", "60000"}, {"segment.bytes", "1"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::invalid_argument);
  EXPECT_NE(r.error().message().find("segment.bytes"), std::string::npos);
  auto unknown = TopicConfig::from_map({{"no.such.key", "1"}});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message().find("no.such.key"), std::string::npos);
  auto empty = TopicConfig::from_map({});
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->overrides.empty());
}

// The on-disk form: a topic's overrides live in its topic.json and come back on reopen.
TEST(TopicConfigTest, EveryOverrideSurvivesTopicJsonAndOnlyOverridesAreStored) {
  auto fs = fs::memory_file_system();
  std::map<std::string, std::string> all;
  for (const auto& k : kKeys) all[k.key] = k.other_value;
  {
    auto m = LogManager::open(fs, "/data");
    ASSERT_TRUE(m) << m.error().to_string();
    ASSERT_TRUE((*m)->create_topic("everything", 1, all));
    ASSERT_TRUE((*m)->create_topic("defaults", 1, {}));
  }
  auto meta = fs::read_file(*fs, "/data/topics/everything/topic.json");
  ASSERT_TRUE(meta) << meta.error().to_string();
  for (const auto& k : kKeys) {
    EXPECT_NE(meta->find("\"" + std::string(k.key) + "\": \"" + k.other_value + "\""),
              std::string::npos)
        << k.key << " in " << *meta;
  }
  auto defaults_meta = fs::read_file(*fs, "/data/topics/defaults/topic.json");
  ASSERT_TRUE(defaults_meta);
  EXPECT_EQ(defaults_meta->find("retention.ms"), std::string::npos) << *defaults_meta;

  auto m = LogManager::open(fs, "/data");
  ASSERT_TRUE(m) << m.error().to_string();
  auto d = (*m)->describe_topic("everything");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->config.override_map(), all);
  auto plain = (*m)->describe_topic("defaults");
  ASSERT_TRUE(plain);
  EXPECT_TRUE(plain->config.overrides.empty());
}

TEST(TopicConfigTest, ABadValueInTopicJsonIsReportedAsCorruptionNamingTheFile) {
  auto fs = fs::memory_file_system();
  {
    auto m = LogManager::open(fs, "/data");
    ASSERT_TRUE(m);
    ASSERT_TRUE((*m)->create_topic("t", 1, {{"retention.ms", "60000"}}));
  }
  ASSERT_TRUE(fs::write_file_atomically(
      *fs, "/data/topics/t/topic.json",
      R"({"version": 1, "partitions": 1, "config": {"retention.ms": "soon"}})"));
  auto m = LogManager::open(fs, "/data");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code(), Errc::corruption);
  EXPECT_NE(m.error().message().find("/data/topics/t/topic.json"), std::string::npos)
      << m.error().message();
  EXPECT_NE(m.error().message().find("retention.ms"), std::string::npos) << m.error().message();
}

}  // namespace
}  // namespace kafka_do::storage
