// Reading the C ABI's JSON options into the SDK's option structs (options.hpp).
#include "capi/options.hpp"

#include <set>
#include <string>

namespace kafka_do::capi {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// One options object being read: each take_* consumes a key; finish() refuses the rest.
class Reader {
 public:
  Reader(const char* text, const char* what) : what_(what), object_(parse_options(text, what)) {}

  template <typename T>
  bool take(const char* key, T& out) {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return seen(key, false);
    try {
      if constexpr (std::is_same_v<T, bool>) {
        if (!it->is_boolean()) throw kafka::ConfigError("");
      } else if constexpr (std::is_arithmetic_v<T>) {
        if (!it->is_number_integer()) throw kafka::ConfigError("");
      } else if constexpr (std::is_same_v<T, std::string>) {
        if (!it->is_string()) throw kafka::ConfigError("");
      }
      out = it->get<T>();
    } catch (const std::exception&) {
      bad(key, "has the wrong type: " + it->dump());
    }
    return seen(key, true);
  }
  bool take_ms(const char* key, kafka::Duration& out) {
    int64_t ms = 0;
    if (!take(key, ms)) return false;
    if (ms < 0) bad(key, "must not be negative");
    out = std::chrono::milliseconds(ms);
    return true;
  }
  template <typename T>
  bool take_ms(const char* key, std::optional<T>& out) {
    kafka::Duration d;
    if (!take_ms(key, d)) return false;
    out = d;
    return true;
  }
  // A raw JSON value (null when absent).
  json take_json(const char* key) {
    auto it = object_.find(key);
    seen(key, it != object_.end());
    return it == object_.end() ? json() : *it;
  }
  // One of `names`, as its index.
  template <typename E>
  bool take_enum(const char* key, E& out, std::initializer_list<std::pair<const char*, E>> names) {
    std::string name;
    if (!take(key, name)) return false;
    for (const auto& [n, v] : names) {
      if (name == n) {
        out = v;
        return true;
      }
    }
    bad(key, "is not one of the known values: \"" + name + "\"");
  }
  [[noreturn]] void bad(const std::string& key, const std::string& why) const {
    throw kafka::ConfigError(std::string(what_) + " option \"" + key + "\" " + why);
  }
  void finish() const {
    for (const auto& [key, value] : object_.items()) {
      if (!taken_.count(key))
        throw kafka::ConfigError(std::string("unknown ") + what_ + " option \"" + key + "\"");
    }
  }

 private:
  bool seen(const char* key, bool present) {
    taken_.insert(key);
    return present;
  }
  const char* what_;
  json object_;
  std::set<std::string> taken_;
};

kafka::Offset offset_of(const Reader& r, const char* key, const json& v) {
  if (v == "earliest") return kafka::Offset::earliest;
  if (v == "latest") return kafka::Offset::latest;
  if (v.is_object() && v.size() == 1 && v.contains("timestamp_ms") &&
      v["timestamp_ms"].is_number_integer())
    return kafka::Offset::at(std::chrono::system_clock::time_point(
        std::chrono::milliseconds(v["timestamp_ms"].get<int64_t>())));
  r.bad(key, "must be \"earliest\", \"latest\" or {\"timestamp_ms\": N}: " + v.dump());
}

void read_consumer(Reader& r, kafka::ConsumerOptions& o) {
  r.take("group", o.group);
  if (json v = r.take_json("offset"); !v.is_null()) o.offset = offset_of(r, "offset", v);
  r.take("auto_commit", o.auto_commit);
  r.take_ms("auto_commit_interval_ms", o.auto_commit_interval);
  r.take("max_poll_records", o.max_poll_records);
  r.take_ms("session_timeout_ms", o.session_timeout);
  r.take_ms("heartbeat_interval_ms", o.heartbeat_interval);
  r.take("fetch_min_bytes", o.fetch_min_bytes);
  r.take_ms("fetch_max_wait_ms", o.fetch_max_wait);
  r.take("fetch_max_bytes", o.fetch_max_bytes);
  r.take("client_id", o.client_id);
  r.take_enum("isolation", o.isolation,
              {{"read_committed", kafka::Isolation::read_committed},
               {"read_uncommitted", kafka::Isolation::read_uncommitted}});
  json assign = r.take_json("assign");
  if (assign.is_null()) return;
  if (!assign.is_array()) r.bad("assign", "must be an array");
  for (const auto& a : assign) {
    if (!a.is_object() || !a.contains("topic") || !a["topic"].is_string())
      r.bad("assign", "entries need a \"topic\": " + a.dump());
    kafka::PartitionStart p{.topic = a["topic"].get<std::string>()};
    if (a.contains("partition")) p.partition = a["partition"].get<int32_t>();
    if (a.contains("offset") && !a["offset"].is_null()) p.offset = a["offset"].get<int64_t>();
    o.assign.push_back(std::move(p));
  }
}

std::map<std::string, std::string> config_map(const Reader& r, const json& config) {
  std::map<std::string, std::string> out;
  if (config.is_null()) return out;
  if (!config.is_object()) r.bad("config", "must be an object");
  for (const auto& [k, v] : config.items())
    out[k] = v.is_string() ? v.get<std::string>() : v.dump();
  return out;
}

}  // namespace

json parse_options(const char* text, const char* what) {
  if (!text || !*text) return json::object();
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    throw kafka::ConfigError(std::string(what) + " options must be a JSON object: " + text);
  return j;
}

kafka::ClientOptions client_options(const char* text) {
  Reader r(text, "client");
  kafka::ClientOptions o;
  r.take("url", o.url);
  r.take("api_key", o.api_key);
  r.take("sasl_mechanism", o.sasl_mechanism);
  r.take("tls_ca_file", o.tls.ca_file);
  r.take("tls_cert_file", o.tls.cert_file);
  r.take("tls_key_file", o.tls.key_file);
  r.take_ms("timeout_ms", o.timeout);
  r.take("retries", o.retries);
  r.take("auto_create_topics", o.auto_create_topics);
  r.take("default_partitions", o.default_partitions);
  if (json v = r.take_json("default_offset"); !v.is_null())
    o.default_offset = offset_of(r, "default_offset", v);
  r.take_enum("durability", o.durability,
              {{"every_batch", kafka::Durability::every_batch},
               {"interval", kafka::Durability::interval},
               {"os", kafka::Durability::os}});
  r.finish();
  return o;
}

kafka::ProducerOptions producer_options(const char* text) {
  Reader r(text, "producer");
  kafka::ProducerOptions o;
  r.take("batch_size", o.batch_size);
  r.take_ms("linger_ms", o.linger);
  r.take_enum("compression", o.compression,
              {{"none", kafka::Compression::none},
               {"gzip", kafka::Compression::gzip},
               {"snappy", kafka::Compression::snappy},
               {"lz4", kafka::Compression::lz4},
               {"zstd", kafka::Compression::zstd}});
  if (json acks = r.take_json("acks"); !acks.is_null()) {
    if (acks == "all" || acks == -1)
      o.acks = kafka::Acks::all;
    else if (acks == "leader" || acks == 1)
      o.acks = kafka::Acks::leader;
    else if (acks == "none" || acks == 0)
      o.acks = kafka::Acks::none;
    else
      r.bad("acks", "must be \"all\", \"leader\", \"none\", -1, 1 or 0: " + acks.dump());
  }
  r.take("retries", o.retries);
  r.take_ms("retry_backoff_ms", o.retry_backoff);
  r.take("buffer_memory", o.buffer_memory);
  r.take_enum("buffer_full", o.buffer_full,
              {{"block", kafka::BufferFull::block}, {"fail", kafka::BufferFull::fail}});
  r.take_ms("max_block_ms", o.max_block);
  r.finish();
  return o;
}

kafka::ConsumerOptions consumer_options(const char* text) {
  Reader r(text, "consumer");
  kafka::ConsumerOptions o;
  read_consumer(r, o);
  r.finish();
  return o;
}

std::pair<kafka::ConsumerOptions, kafka::BatchOptions> batch_consumer_options(const char* text) {
  Reader r(text, "batch consumer");
  kafka::ConsumerOptions o;
  kafka::BatchOptions b;
  read_consumer(r, o);
  r.take("batch_size", b.size);
  r.take_ms("batch_timeout_ms", b.timeout);
  r.finish();
  return {o, b};
}

kafka::TransactionOptions transaction_options(const char* text) {
  Reader r(text, "transaction");
  kafka::TransactionOptions o;
  r.take("transactional_id", o.transactional_id);
  r.take_ms("timeout_ms", o.timeout);
  r.finish();
  return o;
}

kafka::TopicOptions topic_options(const char* text) {
  Reader r(text, "topic");
  kafka::TopicOptions o;
  r.take("partitions", o.partitions);
  r.take_ms("retention_ms", o.retention);
  int64_t bytes = 0;
  if (r.take("retention_bytes", bytes)) o.retention_bytes = bytes;
  o.config = config_map(r, r.take_json("config"));
  r.take("if_not_exists", o.if_not_exists);
  r.finish();
  return o;
}

kafka::TopicAlteration topic_alteration(const char* text) {
  Reader r(text, "topic alteration");
  kafka::TopicAlteration o;
  r.take_ms("retention_ms", o.retention);
  int64_t bytes = 0;
  if (r.take("retention_bytes", bytes)) o.retention_bytes = bytes;
  o.config = config_map(r, r.take_json("config"));
  r.take("reset", o.reset);
  r.finish();
  return o;
}

kafka::StreamOptions stream_options(const char* text) {
  Reader r(text, "stream");
  kafka::StreamOptions o;
  r.take("application_id", o.application_id);
  r.take("until_caught_up", o.until_caught_up);
  r.take("from_beginning", o.from_beginning);
  r.take_ms("commit_interval_ms", o.commit_interval);
  r.take_ms("session_timeout_ms", o.session_timeout);
  r.take_ms("idle_timeout_ms", o.idle_timeout);
  r.take_ms("max_task_idle_ms", o.max_task_idle);
  r.take_enum(
      "on_error", o.on_error,
      {{"fail", kafka::OnError::fail}, {"log_and_continue", kafka::OnError::log_and_continue}});
  r.take("dead_letter_topic", o.dead_letter_topic);
  r.finish();
  return o;
}

std::pair<kafka::OffsetReset, bool> offset_reset(const char* text) {
  Reader r(text, "offset reset");
  bool dry_run = false;
  r.take("dry_run", dry_run);
  std::optional<kafka::OffsetReset> to;
  if (json v = r.take_json("offset"); !v.is_null())
    to = kafka::OffsetReset(offset_of(r, "offset", v));
  int64_t n = 0;
  if (r.take("timestamp_ms", n))
    to = kafka::OffsetReset(
        kafka::Offset::at(std::chrono::system_clock::time_point(std::chrono::milliseconds(n))));
  if (r.take("to_offset", n)) to = kafka::OffsetReset::to_offset(n);
  if (r.take("shift_by", n)) to = kafka::OffsetReset::shift_by(n);
  r.finish();
  if (!to) r.bad("offset", "(or timestamp_ms, to_offset, shift_by) is required");
  return {*to, dry_run};
}

}  // namespace kafka_do::capi
