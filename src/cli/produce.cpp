// `kafkado produce`: one record per input line (stdin or -f FILE) through the SDK's Producer,
// which batches, partitions (explicit -p, else murmur2 of the key, else sticky) and compresses.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cli/commands.hpp"
#include "cli/line_reader.hpp"
#include "cli/stop_signal.hpp"

namespace kafka_do::cli {
namespace {

kafka::Compression compression_of(const std::string& name) {
  if (name == "none") return kafka::Compression::none;
  if (name == "gzip") return kafka::Compression::gzip;
  if (name == "snappy") return kafka::Compression::snappy;
  if (name == "lz4") return kafka::Compression::lz4;
  if (name == "zstd") return kafka::Compression::zstd;
  throw UsageError("--compression '" + name + "': use none, gzip, snappy, lz4 or zstd");
}

kafka::Acks acks_of(const std::string& name) {
  if (name == "all" || name == "-1") return kafka::Acks::all;
  if (name == "1" || name == "leader") return kafka::Acks::leader;
  if (name == "0" || name == "none") return kafka::Acks::none;
  throw UsageError("--acks '" + name + "': use all, 1 or 0");
}

// The input file descriptor, closed on destruction when it is not stdin.
class Input {
 public:
  explicit Input(const std::optional<std::string>& path) {
    if (!path || *path == "-") return;
    fd_ = ::open(path->c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      throw kafka::Error(kafka::ErrorCode::unknown_server_error,
                         "cannot open " + *path + ": " + std::strerror(errno));
    }
  }
  ~Input() {
    if (fd_ != STDIN_FILENO) ::close(fd_);
  }
  Input(const Input&) = delete;
  Input& operator=(const Input&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_ = STDIN_FILENO;
};

// "line 7 ... (the 6 lines before it were sent; nothing from line 7 on)".
kafka::Error bad_line(uint64_t line, const std::string& what) {
  const std::string from = "nothing from line " + std::to_string(line) + " on";
  const std::string before =
      line == 1   ? "nothing was sent"
      : line == 2 ? "the line before it was sent; " + from
                  : "the " + std::to_string(line - 1) + " lines before it were sent; " + from;
  return kafka::InvalidRecordError("line " + std::to_string(line) + " " + what + " (" + before +
                                   ")");
}

}  // namespace

void produce(const GlobalOptions& global, const ProduceOptions& options) {
  if (options.key_separator && options.key_separator->empty()) {
    throw UsageError("-K (key separator) must not be empty");
  }
  kafka::ProducerOptions producer_options;
  producer_options.compression = compression_of(options.compression);
  producer_options.acks = acks_of(options.acks);
  kafka::SendOptions send;
  for (const auto& h : options.headers) {
    auto [name, value] = parse_key_value(h, "header");
    send.headers.push_back({std::move(name), std::move(value)});
  }
  send.partition = options.partition;
  Input input(options.file);
  // Before the client starts its threads (see StopSignal).
  StopSignal stop;
  kafka::Client client = connect(global);
  if (options.create) {
    kafka::TopicOptions topic;
    topic.partitions = options.partitions;
    topic.if_not_exists = true;
    client.admin().create_topic(options.topic, topic);
  }
  if (options.partition) {
    const int n = client.admin().describe_topic(options.topic).partitions;
    if (*options.partition < 0 || *options.partition >= n) {
      throw UsageError("topic '" + options.topic + "' has partitions 0.." + std::to_string(n - 1) +
                       ", not " + std::to_string(*options.partition));
    }
  }
  kafka::Producer producer = client.producer(options.topic, producer_options);
  ThroughputMeter meter("produced", !global.quiet);
  LineReader reader(input.fd(), stop.fd());
  const std::function<Status()> flush = [&]() -> Status {
    producer.flush();  // before waiting for more input: typed lines go out at once
    meter.maybe_report();
    return {};
  };
  std::string_view line;
  std::optional<kafka::Error> failure;
  try {
    for (;;) {
      auto event = reader.next(&line, flush);
      if (!event) throw kafka::Error(kafka::ErrorCode::unknown_server_error, event.error().message());
      if (*event != LineReader::Event::line) break;
      std::string_view value = line;
      if (options.key_separator) {
        const auto at = line.find(*options.key_separator);
        if (at == std::string_view::npos) {
          throw bad_line(reader.line_number(),
                         "has no key separator '" + *options.key_separator + "'");
        }
        send.key = std::string(line.substr(0, at));
        value = line.substr(at + options.key_separator->size());
      }
      if (options.json && !kafka::Json::accept(value)) {
        std::string why = "not JSON";
        try {
          const kafka::Json parsed = kafka::Json::parse(value);  // throws, saying why
          why = parsed.dump();
        } catch (const kafka::Json::exception& e) {
          why = e.what();
        }
        throw bad_line(reader.line_number(), "is not valid JSON: " + why);
      }
      producer.send_raw(value, send);
      meter.add(1, value.size() + (send.key ? send.key->size() : 0));
      if ((meter.records() & 0xfff) == 0) meter.maybe_report();
    }
  } catch (const kafka::Error& e) {
    failure = e;
  }
  // Whatever was read before a failure or a stop still goes in: those lines were accepted.
  producer.close();
  meter.finish();
  if (failure) throw *failure;
}

}  // namespace kafka_do::cli
