// GET /api/topics/T/messages (browse, or export with format=jsonl), GET /api/topics/T/tail
// (server-sent events), POST /api/topics/T/messages (produce one record).
#include <algorithm>
#include <atomic>
#include <chrono>

#include "base/murmur2.hpp"
#include "broker/console/api.hpp"
#include "broker/handlers/handler.hpp"
#include "model/record_batch.hpp"

namespace kafka_do::broker::console {
namespace {

// Records one browse request may decode while searching, so a search over a large topic answers
// in about a second with what it found (and says it stopped) instead of reading everything.
constexpr int64_t kScanBudget = 500'000;
constexpr int64_t kDefaultLimit = 50;
constexpr int64_t kMaxLimit = 1000;
constexpr int64_t kMaxExport = 100'000;
// Records one tail poll sends per partition; the rest follow on the next poll.
constexpr int64_t kTailBatch = 500;

struct Found {
  int32_t partition;
  model::Record record;
};

json record_json(int32_t partition, const model::Record& r) {
  json out{{"partition", partition}, {"offset", r.offset}, {"timestamp", r.timestamp}};
  std::string encoding;
  if (r.key) {
    out["key"] = bytes_to_json(*r.key, encoding);
    out["key_encoding"] = encoding;
  } else {
    out["key"] = nullptr;
  }
  if (r.value) {
    out["value"] = bytes_to_json(*r.value, encoding);
    out["value_encoding"] = encoding;
  } else {
    out["value"] = nullptr;
  }
  json headers = json::array();
  for (const auto& h : r.headers) {
    json header{{"key", h.key}};
    if (h.value) {
      header["value"] = bytes_to_json(*h.value, encoding);
      header["value_encoding"] = encoding;
    } else {
      header["value"] = nullptr;
    }
    headers.push_back(std::move(header));
  }
  out["headers"] = std::move(headers);
  return out;
}

bool matches(const model::Record& r, const std::string& q) {
  if (q.empty()) return true;
  auto has = [&](const std::optional<std::string>& s) {
    return s && s->find(q) != std::string::npos;
  };
  if (has(r.key) || has(r.value)) return true;
  for (const auto& h : r.headers) {
    if (h.key.find(q) != std::string::npos || has(h.value)) return true;
  }
  return false;
}

// Calls visit(record) for the data records of [from, to) in offset order until it returns false.
// Counts decoded records into `scanned`.
Status scan(const storage::PartitionLog& log, int64_t from, int64_t to, int64_t& scanned,
            const std::function<bool(model::Record&)>& visit) {
  if (from >= to) return {};
  bool stopped = false;
  auto walked =
      log.for_each_batch(from, [&](const model::BatchHeader& h, std::string_view batch) -> Status {
        if (h.base_offset >= to) {
          stopped = true;
          return Error(Errc::closed, "done");
        }
        if (h.control()) return {};
        KD_ASSIGN(auto records, model::decode_batch(batch));
        for (auto& r : records) {
          if (r.offset < from) continue;
          if (r.offset >= to) break;
          ++scanned;
          if (!visit(r)) {
            stopped = true;
            return Error(Errc::closed, "done");
          }
        }
        return {};
      });
  if (!walked && !stopped) return walked.error();
  return {};
}

struct BrowseQuery {
  std::optional<int32_t> partition;
  std::optional<int64_t> offset;
  std::optional<int64_t> timestamp;
  bool newest_first = true;
  int64_t limit = kDefaultLimit;
  std::string q;
};

std::optional<int64_t> int_param(const HttpRequest& request, const std::string& name,
                                 std::string& error) {
  auto text = request.param(name);
  if (!text || text->empty()) return std::nullopt;
  char* end = nullptr;
  const long long v = std::strtoll(text->c_str(), &end, 10);
  if (*end != '\0') error = "'" + name + "' must be an integer, not '" + *text + "'";
  return int64_t(v);
}

// One partition's matches: up to `limit` from the start position forwards, or backwards from
// the end position (newest first), within the scan budget.
Status browse_partition(const storage::PartitionLog& log, const BrowseQuery& query, int64_t limit,
                        int64_t& scanned, bool& partial, std::vector<Found>& out) {
  const int32_t partition = log.partition();
  const int64_t start = log.log_start_offset(), end = log.high_watermark();
  std::optional<int64_t> position = query.offset;
  if (!position && query.timestamp) {
    KD_ASSIGN(auto found, log.offset_for_timestamp(*query.timestamp));
    position = found.value_or(end);
  }
  if (!query.newest_first) {
    const int64_t from = std::clamp(position.value_or(start), start, end);
    int64_t taken = 0;
    return scan(log, from, end, scanned, [&](model::Record& r) {
      if (scanned > kScanBudget) {
        partial = true;
        return false;
      }
      if (!matches(r, query.q)) return true;
      out.push_back({partition, std::move(r)});
      return ++taken < limit;
    });
  }
  // Newest first: windows backwards from the end position (inclusive), doubling in size.
  int64_t upper = position ? std::clamp(*position + 1, start, end) : end;
  int64_t window = std::max<int64_t>(limit, 64);
  int64_t taken = 0;
  while (upper > start && taken < limit) {
    if (scanned > kScanBudget) {
      partial = true;
      break;
    }
    const int64_t lower = std::max(start, upper - window);
    std::vector<model::Record> hits;
    KD_TRY(scan(log, lower, upper, scanned, [&](model::Record& r) {
      if (matches(r, query.q)) hits.push_back(std::move(r));
      return true;
    }));
    for (auto it = hits.rbegin(); it != hits.rend() && taken < limit; ++it, ++taken) {
      out.push_back({partition, std::move(*it)});
    }
    upper = lower;
    window = std::min<int64_t>(window * 2, 1 << 16);
  }
  return {};
}

}  // namespace

HttpResponse browse_messages(const Broker& broker, const std::string& topic,
                             const HttpRequest& request) {
  auto description = broker.logs.describe_topic(topic);
  if (!description) return engine_error(description.error());
  std::string bad;
  BrowseQuery query;
  if (auto p = int_param(request, "partition", bad)) query.partition = int32_t(*p);
  query.offset = int_param(request, "offset", bad);
  query.timestamp = int_param(request, "timestamp", bad);
  const bool jsonl = request.param("format").value_or("") == "jsonl";
  query.limit = int_param(request, "limit", bad).value_or(jsonl ? kMaxExport : kDefaultLimit);
  query.limit = std::clamp<int64_t>(query.limit, 1, jsonl ? kMaxExport : kMaxLimit);
  query.q = request.param("q").value_or("");
  const std::string order = request.param("order").value_or("newest");
  if (order != "newest" && order != "oldest") bad = "'order' must be newest or oldest";
  query.newest_first = order == "newest";
  if (!bad.empty()) return error_response(400, "INVALID_REQUEST", bad);
  if (query.partition && (*query.partition < 0 || *query.partition >= description->partitions)) {
    return error_response(404, "UNKNOWN_TOPIC_OR_PARTITION",
                          topic + " has no partition " + std::to_string(*query.partition));
  }
  if (query.offset && !query.partition) {
    return error_response(400, "INVALID_REQUEST", "an 'offset' needs a 'partition'");
  }

  std::vector<Found> found;
  int64_t scanned = 0;
  bool partial = false;
  for (int32_t p = 0; p < description->partitions; ++p) {
    if (query.partition && p != *query.partition) continue;
    auto log = broker.logs.partition(topic, p);
    if (!log) return engine_error(log.error());
    if (Status browsed = browse_partition(**log, query, query.limit, scanned, partial, found);
        !browsed) {
      return engine_error(browsed.error());
    }
  }
  // Across partitions: by timestamp (then partition and offset), in the order asked for.
  std::stable_sort(found.begin(), found.end(), [&](const Found& a, const Found& b) {
    const auto ka = std::tie(a.record.timestamp, a.partition, a.record.offset);
    const auto kb = std::tie(b.record.timestamp, b.partition, b.record.offset);
    return query.newest_first ? kb < ka : ka < kb;
  });
  if (int64_t(found.size()) > query.limit) found.resize(size_t(query.limit));

  if (jsonl) {
    HttpResponse r;
    r.content_type = "application/x-ndjson";
    for (const auto& f : found) {
      r.body +=
          record_json(f.partition, f.record).dump(-1, ' ', false, json::error_handler_t::replace);
      r.body += '\n';
    }
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + topic + ".jsonl\"");
    return r;
  }
  json messages = json::array();
  for (const auto& f : found) messages.push_back(record_json(f.partition, f.record));
  return json_response(200, json{{"topic", topic},
                                 {"messages", std::move(messages)},
                                 {"scanned", scanned},
                                 {"partial", partial}});
}

HttpResponse tail_messages(const Broker& broker, const std::string& topic,
                           const HttpRequest& request) {
  auto description = broker.logs.describe_topic(topic);
  if (!description) return engine_error(description.error());
  std::string bad;
  const auto only = int_param(request, "partition", bad);
  if (!bad.empty()) return error_response(400, "INVALID_REQUEST", bad);
  const std::string q = request.param("q").value_or("");
  struct Cursor {
    std::shared_ptr<storage::PartitionLog> log;
    int64_t next;
  };
  auto cursors = std::make_shared<std::vector<Cursor>>();
  for (int32_t p = 0; p < description->partitions; ++p) {
    if (only && p != *only) continue;
    auto log = broker.logs.partition(topic, p);
    if (!log) return engine_error(log.error());
    cursors->push_back({*log, (*log)->high_watermark()});
  }
  HttpResponse r;
  r.content_type = "text/event-stream";
  r.stream = [cursors, q]() -> std::optional<std::string> {
    std::string out;
    for (auto& c : *cursors) {
      const int64_t end = std::min(c.log->high_watermark(), c.next + kTailBatch);
      if (c.next < std::max(c.log->log_start_offset(), int64_t(0)))
        c.next = c.log->log_start_offset();
      if (c.next >= end) continue;
      int64_t scanned = 0;
      const int32_t partition = c.log->partition();
      Status walked = scan(*c.log, c.next, end, scanned, [&](model::Record& rec) {
        if (matches(rec, q)) {
          out += "event: record\ndata: ";
          out += record_json(partition, rec).dump(-1, ' ', false, json::error_handler_t::replace);
          out += "\n\n";
        }
        return true;
      });
      if (!walked) {
        out += "event: error\ndata: " + json(walked.error().message()).dump() + "\n\n";
        return out;
      }
      c.next = end;
    }
    return out;
  };
  return r;
}

// Body: {"value": "…" | null, "key": "…" | null, "headers": {"name": "value"}, "partition": n}.
// Without a partition a keyed record goes where Kafka clients put it (murmur2 of the key), a
// keyless one round-robin.
HttpResponse produce_message(Broker& broker, const std::string& topic, const HttpRequest& request) {
  HttpResponse error;
  auto body = parse_body(request, error);
  if (!body) return error;
  if (handlers::is_internal_topic(broker, topic)) {
    return error_response(400, "INVALID_TOPIC_EXCEPTION",
                          "cannot write to internal topic " + topic);
  }
  auto description = broker.logs.describe_topic(topic);
  if (!description) return engine_error(description.error());
  auto text = [&](const char* name) -> std::optional<std::string> {
    auto it = body->find(name);
    if (it == body->end() || it->is_null()) return std::nullopt;
    return it->is_string() ? it->get<std::string>() : it->dump();
  };
  const std::optional<std::string> key = text("key"), value = text("value");
  std::vector<model::RecordHeader> headers;
  if (auto it = body->find("headers"); it != body->end() && it->is_object()) {
    for (const auto& [k, v] : it->items()) {
      headers.push_back({k, v.is_null()     ? std::nullopt
                            : v.is_string() ? std::optional(v.get<std::string>())
                                            : std::optional(v.dump())});
    }
  }
  int32_t partition = 0;
  if (auto it = body->find("partition"); it != body->end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0 ||
        it->get<int64_t>() >= description->partitions) {
      return error_response(
          400, "UNKNOWN_TOPIC_OR_PARTITION",
          topic + " has partitions 0.." + std::to_string(description->partitions - 1));
    }
    partition = it->get<int32_t>();
  } else if (key) {
    partition = partition_for_key(*key, description->partitions);
  } else {
    static std::atomic<uint32_t> next{0};
    partition = int32_t(next.fetch_add(1) % uint32_t(description->partitions));
  }
  auto log = broker.logs.partition(topic, partition);
  if (!log) return engine_error(log.error());
  model::BatchBuilder builder;
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  builder.add(now, key, value, headers);
  auto batch = builder.build();
  if (!batch) return engine_error(batch.error());
  const auto started = std::chrono::steady_clock::now();
  auto appended = (*log)->append(std::span<char>(batch->data(), batch->size()));
  if (!appended) return engine_error(appended.error());
  if (broker.metrics != nullptr) {
    broker.metrics->produced(topic, batch->size(), 1, std::chrono::steady_clock::now() - started);
  }
  return json_response(201, json{{"topic", topic},
                                 {"partition", partition},
                                 {"offset", appended->base_offset},
                                 {"timestamp", now}});
}

}  // namespace kafka_do::broker::console
