// `kafkado consume`: prints records of a topic through the SDK's Consumer — as a member of a group
// (-G: commits, rebalances) or, without one, by manual assignment of every partition (or -p N)
// from an offset (-o), as kcat does.

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/stop_signal.hpp"

namespace kafka_do::cli {
namespace {

using namespace std::chrono_literals;

// Where -o starts each partition.
struct StartAt {
  enum class Kind { beginning, end, offset, from_end, time } kind = Kind::end;
  int64_t value = 0;  // offset, records back from the end, or epoch ms
};

StartAt parse_start(const std::string& text) {
  if (text == "beginning" || text == "earliest") return {StartAt::Kind::beginning};
  if (text == "end" || text == "latest") return {StartAt::Kind::end};
  if (!text.empty() && text[0] == '@') return {StartAt::Kind::time, parse_time(text.substr(1))};
  int64_t n = 0;
  const bool negative = !text.empty() && text[0] == '-';
  const char* begin = text.data() + (negative ? 1 : 0);
  const auto [end, ec] = std::from_chars(begin, text.data() + text.size(), n);
  if (text.size() < (negative ? 2u : 1u) || ec != std::errc() || end != text.data() + text.size()) {
    throw UsageError("-o '" + text +
                     "': use beginning, end, an offset N, -N (N before the end) or @TIME");
  }
  return {negative ? StartAt::Kind::from_end : StartAt::Kind::offset, n};
}

// kcat's -f tokens: %t topic, %p partition, %o offset, %k key, %s value, %h headers (n=v,...),
// %T timestamp (ms), %K key length, %S value length, %% a percent sign; \n \r \t \\ escapes.
class RecordFormat {
 public:
  explicit RecordFormat(std::string format) : format_(std::move(format)) {
    for (size_t i = 0; i < format_.size(); ++i) {
      if (format_[i] == '%') {
        if (i + 1 >= format_.size() ||
            std::string_view("tpoksThKS%").find(format_[i + 1]) == std::string_view::npos) {
          throw UsageError("-f: '%" + format_.substr(i + 1, 1) +
                           "' is not a token (use %t %p %o %k %s %h %T %K %S %%)");
        }
        ++i;
      }
    }
  }

  void append(std::string& out, const kafka::Record& r) const {
    for (size_t i = 0; i < format_.size(); ++i) {
      const char c = format_[i];
      if (c == '\\' && i + 1 < format_.size()) {
        const char e = format_[++i];
        out += e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e == '0' ? '\0' : e;
      } else if (c == '%') {
        switch (format_[++i]) {
          case 't':
            out += r.topic();
            break;
          case 'p':
            out += std::to_string(r.partition());
            break;
          case 'o':
            out += std::to_string(r.offset());
            break;
          case 'k':
            out += r.key();
            break;
          case 's':
            out += r.raw_value();
            break;
          case 'T':
            out += std::to_string(timestamp_ms(r));
            break;
          case 'K':
            out += std::to_string(r.has_key() ? int64_t(r.key().size()) : -1);
            break;
          case 'S':
            out += std::to_string(r.has_value() ? int64_t(r.raw_value().size()) : -1);
            break;
          case 'h':
            for (size_t h = 0; h < r.headers().size(); ++h) {
              if (h > 0) out += ',';
              out += r.headers()[h].key + "=" + r.headers()[h].value.value_or("");
            }
            break;
          default:
            out += '%';
            break;
        }
      } else {
        out += c;
      }
    }
  }

  static int64_t timestamp_ms(const kafka::Record& r) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(r.timestamp().time_since_epoch())
        .count();
  }

 private:
  std::string format_;
};

kafka::Json to_json(const kafka::Record& r) {
  kafka::Json headers = kafka::Json::array();
  for (const auto& h : r.headers()) {
    headers.push_back({{"key", h.key}, {"value", h.value ? kafka::Json(*h.value) : kafka::Json()}});
  }
  return {{"topic", r.topic()},
          {"partition", r.partition()},
          {"offset", r.offset()},
          {"timestamp", RecordFormat::timestamp_ms(r)},
          {"key", r.has_key() ? kafka::Json(std::string(r.key())) : kafka::Json()},
          {"value", r.has_value() ? kafka::Json(std::string(r.raw_value())) : kafka::Json()},
          {"headers", headers}};
}

kafka::ConsumerOptions consumer_options(kafka::Client& client, const ConsumeOptions& options,
                                        const StartAt& start) {
  kafka::ConsumerOptions o;
  o.client_id = "kafkado";
  o.isolation = options.read_uncommitted ? kafka::Isolation::read_uncommitted
                                         : kafka::Isolation::read_committed;
  o.offset = start.kind == StartAt::Kind::beginning ? kafka::Offset::earliest
             : start.kind == StartAt::Kind::time
                 ? kafka::Offset::at(std::chrono::system_clock::time_point(
                       std::chrono::milliseconds(start.value)))
                 : kafka::Offset::latest;
  if (options.group) {
    if (options.partition) throw UsageError("-p cannot be combined with -G (the group assigns)");
    if (start.kind == StartAt::Kind::offset || start.kind == StartAt::Kind::from_end) {
      throw UsageError(
          "-o N and -o -N need manual assignment; with -G use beginning, end or "
          "@TIME (where the group has no committed offset), or reset the group's "
          "offsets with kafkado groups reset-offsets");
    }
    o.group = *options.group;
    return o;
  }
  o.auto_commit = false;
  const auto info = client.admin().describe_topic(options.topic);
  if (options.partition &&
      (*options.partition < 0 || *options.partition >= int32_t(info.partition_info.size()))) {
    throw UsageError("topic '" + options.topic + "' has partitions 0.." +
                     std::to_string(info.partitions - 1) + ", not " +
                     std::to_string(*options.partition));
  }
  for (const auto& p : info.partition_info) {
    if (options.partition && p.partition != *options.partition) continue;
    kafka::PartitionStart assigned{options.topic, p.partition, std::nullopt};
    if (start.kind == StartAt::Kind::offset) assigned.offset = start.value;
    if (start.kind == StartAt::Kind::from_end) {
      const int64_t end = options.read_uncommitted ? p.high_watermark : p.last_stable_offset;
      assigned.offset = std::max(p.log_start_offset, end - start.value);
    }
    o.assign.push_back(assigned);
  }
  return o;
}

bool caught_up(kafka::Consumer& consumer) {
  const auto lag = consumer.lag();
  return !lag.empty() &&
         std::all_of(lag.begin(), lag.end(), [](const auto& kv) { return kv.second == 0; });
}

}  // namespace

void consume(const GlobalOptions& global, const ConsumeOptions& options) {
  const StartAt start = parse_start(options.offset);
  std::optional<RecordFormat> format;
  if (options.format) format.emplace(*options.format);
  // Before the client starts its threads (see StopSignal).
  StopSignal stop;
  kafka::Client client = connect(global);
  kafka::Consumer consumer =
      client.consumer(options.topic, consumer_options(client, options, start));
  stop.on_stop([&consumer] { consumer.stop(); });
  if (options.group && options.exit_at_end && !consumer.wait_for_assignment(30s)) {
    throw kafka::TimeoutError("group '" + *options.group + "' assigned no partition within 30 s");
  }
  Output out;
  std::string text;
  uint64_t printed = 0;
  const auto print = [&](const kafka::Record& r) {
    text.clear();
    if (options.json) {
      text = to_json(r).dump(-1, ' ', false, kafka::Json::error_handler_t::replace);
      text += '\n';
    } else if (format) {
      format->append(text, r);
    } else {
      if (options.key_separator) {
        text += r.key();
        text += *options.key_separator;
      }
      text += r.raw_value();
      text += '\n';
    }
    out.write(text);
    ++printed;
  };
  while (!stop.requested() && !out.closed()) {
    if (options.count && printed >= *options.count) break;
    if (options.count) {
      // One at a time: a group must not commit past records a count left unprinted.
      try {
        print(consumer.first(kafka::Duration(options.exit_at_end ? 100ms : 1s)));
      } catch (const kafka::TimeoutError&) {
      } catch (const kafka::Error&) {
        if (!stop.requested()) throw;  // else: stopped while waiting
      }
    } else {
      for (const auto& r : consumer.poll(kafka::Duration(options.exit_at_end ? 100ms : 1s))) {
        print(r);
      }
    }
    out.flush();
    if (options.exit_at_end && caught_up(consumer)) break;
  }
  out.flush();
  consumer.close();
}

}  // namespace kafka_do::cli
