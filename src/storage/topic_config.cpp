#include "storage/topic_config.hpp"

#include <charconv>
#include <functional>

namespace kafka_do::storage {
namespace {

Result<int64_t> parse_long(std::string_view key, std::string_view value, int64_t min) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || end != value.data() + value.size()) {
    return Error(Errc::invalid_argument,
                 "config " + std::string(key) + ": '" + std::string(value) + "' is not a number");
  }
  if (v < min) {
    return Error(Errc::invalid_argument, "config " + std::string(key) + ": " + std::string(value) +
                                             " is below the minimum " + std::to_string(min));
  }
  return v;
}

struct Entry {
  TopicConfig::KeyInfo info;
  std::function<Status(TopicConfig&, std::string_view)> set;
  std::function<std::string(const TopicConfig&)> get;
};

template <typename Field>
Entry number(std::string_view name, std::string_view type, std::string_view doc,
             Field TopicConfig::*field, int64_t min, int64_t max) {
  return Entry{{name, type, doc},
               [=](TopicConfig& c, std::string_view v) -> Status {
                 KD_ASSIGN(int64_t n, parse_long(name, v, min));
                 if (n > max) {
                   return Error(Errc::invalid_argument,
                                "config " + std::string(name) + ": " + std::string(v) +
                                    " is above the maximum " + std::to_string(max));
                 }
                 c.*field = static_cast<Field>(n);
                 return {};
               },
               [=](const TopicConfig& c) { return std::to_string(c.*field); }};
}

Entry ratio(std::string_view name, std::string_view doc, double TopicConfig::*field) {
  return Entry{{name, "double", doc},
               [=](TopicConfig& c, std::string_view v) -> Status {
                 double d = 0;
                 const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
                 if (ec != std::errc() || end != v.data() + v.size() || !(d >= 0 && d <= 1)) {
                   return Error(Errc::invalid_argument, "config " + std::string(name) + ": '" +
                                                            std::string(v) +
                                                            "' is not a number in [0, 1]");
                 }
                 c.*field = d;
                 return {};
               },
               [=](const TopicConfig& c) {
                 char buf[32];
                 const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), c.*field);
                 (void)ec;
                 return std::string(buf, end);
               }};
}

Entry choice(std::string_view name, std::string_view doc, std::string TopicConfig::*field,
             std::vector<std::string_view> allowed) {
  return Entry{{name, "string", doc},
               [=](TopicConfig& c, std::string_view v) -> Status {
                 for (auto a : allowed) {
                   if (a == v) {
                     c.*field = std::string(v);
                     return {};
                   }
                 }
                 std::string list;
                 for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
                 return Error(Errc::invalid_argument, "config " + std::string(name) + ": '" +
                                                          std::string(v) + "' is not one of " +
                                                          list);
               },
               [=](const TopicConfig& c) { return c.*field; }};
}

const std::vector<Entry>& table() {
  static const std::vector<Entry> entries = {
      number("retention.ms", "long",
             "Delete segments whose newest record is older than this; -1 = keep forever.",
             &TopicConfig::retention_ms, -1, INT64_MAX),
      number("retention.bytes", "long",
             "Delete oldest segments while the partition is larger than this; -1 = no limit.",
             &TopicConfig::retention_bytes, -1, INT64_MAX),
      number("segment.bytes", "int", "Roll to a new segment file at this size.",
             &TopicConfig::segment_bytes, 14, INT32_MAX),
      number("segment.ms", "long", "Roll to a new segment file when the active one is this old.",
             &TopicConfig::segment_ms, 1, INT64_MAX),
      choice("cleanup.policy",
             "delete: retention removes old segments. compact: the cleaner keeps the latest "
             "record of every key. compact,delete: both.",
             &TopicConfig::cleanup_policy,
             {"delete", "compact", "compact,delete", "delete,compact"}),
      ratio("min.cleanable.dirty.ratio",
            "Clean a compacted partition once this share of its sealed bytes is uncleaned.",
            &TopicConfig::min_cleanable_dirty_ratio),
      number("min.compaction.lag.ms", "long",
             "A record stays uncompacted for at least this long after its timestamp.",
             &TopicConfig::min_compaction_lag_ms, 0, INT64_MAX),
      number("max.compaction.lag.ms", "long",
             "A record becomes cleanable at the latest this long after its timestamp, whatever "
             "the dirty ratio.",
             &TopicConfig::max_compaction_lag_ms, 1, INT64_MAX),
      number("delete.retention.ms", "long",
             "How long a tombstone stays readable after the cleaner first kept it.",
             &TopicConfig::delete_retention_ms, 0, INT64_MAX),
      number("max.message.bytes", "int", "Largest record batch the topic accepts.",
             &TopicConfig::max_message_bytes, 0, INT32_MAX),
      choice("message.timestamp.type",
             "CreateTime keeps producer timestamps; LogAppendTime stamps on append.",
             &TopicConfig::message_timestamp_type, {"CreateTime", "LogAppendTime"}),
  };
  return entries;
}

const Entry* find(std::string_view key) {
  for (const auto& e : table()) {
    if (e.info.name == key) return &e;
  }
  return nullptr;
}

Error unknown_key(std::string_view key) {
  return Error(Errc::invalid_argument, "unknown topic config '" + std::string(key) + "'");
}

}  // namespace

Status TopicConfig::set(std::string_view key, std::string_view value) {
  const Entry* e = find(key);
  if (e == nullptr) return unknown_key(key);
  KD_TRY(e->set(*this, value));
  overrides.insert(std::string(key));
  return {};
}

Status TopicConfig::reset(std::string_view key) {
  const Entry* e = find(key);
  if (e == nullptr) return unknown_key(key);
  const TopicConfig defaults;
  KD_TRY(e->set(*this, e->get(defaults)));
  overrides.erase(std::string(key));
  return {};
}

std::optional<std::string> TopicConfig::get(std::string_view key) const {
  const Entry* e = find(key);
  if (e == nullptr) return std::nullopt;
  return e->get(*this);
}

std::map<std::string, std::string> TopicConfig::override_map() const {
  std::map<std::string, std::string> out;
  for (const auto& key : overrides) out[key] = *get(key);
  return out;
}

Result<TopicConfig> TopicConfig::from_map(const std::map<std::string, std::string>& entries) {
  TopicConfig config;
  for (const auto& [k, v] : entries) KD_TRY(config.set(k, v));
  return config;
}

const std::vector<TopicConfig::KeyInfo>& TopicConfig::keys() {
  static const std::vector<KeyInfo> infos = [] {
    std::vector<KeyInfo> out;
    for (const auto& e : table()) out.push_back(e.info);
    return out;
  }();
  return infos;
}

}  // namespace kafka_do::storage
