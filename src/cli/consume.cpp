// `kafkado consume`: prints records of one topic, from the end (like Kafka's console consumer),
// the beginning or an offset, and either stops at the end or follows new appends.

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "cli/commands.hpp"
#include "cli/stop_signal.hpp"
#include "model/record_batch.hpp"

namespace kafka_do::cli {
namespace {

constexpr size_t kReadBytes = 1 << 20;

// Wakes the follow loop when any partition publishes an append or a stop is requested. The
// generation counter closes the gap between "all caught up" and going to sleep: an append in
// between bumps it, so the wait returns at once.
class Waker {
 public:
  void stop() {
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
    }
    cv_.notify_all();
  }
  uint64_t generation() const {
    std::lock_guard lock(mu_);
    return generation_;
  }
  void notify() {
    {
      std::lock_guard lock(mu_);
      ++generation_;
    }
    cv_.notify_all();
  }
  void wait_past(uint64_t generation) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return generation_ != generation || stopped_; });
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t generation_ = 0;
  bool stopped_ = false;
};

// Buffered stdout. A closed pipe (`kafkado consume ... | head`) ends the run quietly.
class Output {
 public:
  Output() { std::setvbuf(stdout, nullptr, _IOFBF, kReadBytes); }
  bool closed() const { return closed_; }
  void write(std::string_view s) {
    if (!closed_ && std::fwrite(s.data(), 1, s.size(), stdout) != s.size()) failed();
  }
  void put(char c) {
    if (!closed_ && std::fputc(c, stdout) == EOF) failed();
  }
  Status flush() {
    if (!closed_ && std::fflush(stdout) != 0) failed();
    return error_;
  }
  const Status& error() const { return error_; }

 private:
  void failed() {
    closed_ = true;
    if (errno != EPIPE) {
      error_ = Error(Errc::io_error, std::string("writing to stdout: ") + std::strerror(errno));
    }
  }
  bool closed_ = false;
  Status error_;
};

struct Cursor {
  std::shared_ptr<storage::PartitionLog> log;
  int32_t partition = 0;
  int64_t position = 0;
};

Result<int64_t> start_offset(const ConsumeOptions& options, const storage::PartitionLog& log) {
  if (options.offset) {
    const std::string& text = *options.offset;
    if (text == "earliest") return log.log_start_offset();
    if (text == "latest") return log.high_watermark();
    int64_t offset = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), offset);
    if (ec != std::errc() || end != text.data() + text.size() || offset < 0) {
      return Error(Errc::invalid_argument,
                   "--offset '" + text + "' is not an offset (a number >= 0, earliest or latest)");
    }
    if (offset < log.log_start_offset()) {
      std::fprintf(
          stderr,
          "kafkado: offset %lld of partition %d was deleted; starting at the log start %lld\n",
          static_cast<long long>(offset), log.partition(),
          static_cast<long long>(log.log_start_offset()));
      return log.log_start_offset();
    }
    return offset;
  }
  return options.from_beginning ? log.log_start_offset() : log.high_watermark();
}

class Printer {
 public:
  Printer(const ConsumeOptions& options, Output& out) : options_(options), out_(out) {}

  void print(int32_t partition, const model::Record& record) {
    const std::string& sep = options_.key_separator;
    if (options_.print_timestamp) {
      out_.write("CreateTime:");
      out_.write(std::to_string(record.timestamp));
      out_.write(sep);
    }
    if (options_.print_partition) {
      out_.write("Partition:");
      out_.write(std::to_string(partition));
      out_.write(sep);
    }
    if (options_.print_offset) {
      out_.write("Offset:");
      out_.write(std::to_string(record.offset));
      out_.write(sep);
    }
    if (options_.print_key) {
      out_.write(record.key ? std::string_view(*record.key) : std::string_view("null"));
      out_.write(sep);
    }
    out_.write(record.value ? std::string_view(*record.value) : std::string_view("null"));
    out_.put('\n');
  }

 private:
  const ConsumeOptions& options_;
  Output& out_;
};

}  // namespace

Status consume(const GlobalOptions& global, const ConsumeOptions& options) {
  if (options.offset && !options.partition) {
    return Error(Errc::invalid_argument, "--offset needs --partition");
  }
  if (options.offset && options.from_beginning) {
    return Error(Errc::invalid_argument, "--offset and --from-beginning exclude each other");
  }
  // Declared before `stop` so that it outlives the stop callback that refers to it.
  Waker waker;
  // Before LogManager starts its threads (see StopSignal).
  StopSignal stop;
  KD_ASSIGN(auto logs, open_data_dir(global));
  KD_TRY(require_topic(*logs, options.topic));
  KD_ASSIGN(auto description, logs->describe_topic(options.topic));
  std::vector<Cursor> cursors;
  for (int32_t p = 0; p < description.partitions; ++p) {
    if (options.partition && *options.partition != p) continue;
    KD_ASSIGN(auto log, logs->partition(options.topic, p));
    KD_ASSIGN(int64_t position, start_offset(options, *log));
    cursors.push_back(Cursor{std::move(log), p, position});
  }
  if (cursors.empty()) {
    return Error(Errc::invalid_argument, "topic '" + options.topic + "' has partitions 0.." +
                                             std::to_string(description.partitions - 1) + ", not " +
                                             std::to_string(*options.partition));
  }

  std::vector<storage::AppendSubscription> subscriptions;
  if (!options.exit_at_end) {
    for (auto& c : cursors)
      subscriptions.push_back(c.log->on_append([&waker](int64_t) { waker.notify(); }));
    stop.on_stop([&waker] { waker.stop(); });
  }

  Output out;
  Printer printer(options, out);
  ThroughputMeter meter("consumed", !global.quiet);
  const uint64_t limit = options.max_messages.value_or(UINT64_MAX);
  Status failure;
  bool done = limit == 0;
  while (!done && !stop.requested() && !out.closed()) {
    const uint64_t generation = waker.generation();
    bool caught_up = true;
    // One read per partition per round keeps a busy partition from starving the others.
    for (auto& c : cursors) {
      if (c.position >= c.log->high_watermark()) continue;
      caught_up = false;
      auto read = c.log->read(c.position, kReadBytes);
      if (!read) {
        if (read.error().code() == Errc::out_of_range && c.position < c.log->log_start_offset()) {
          // Retention deleted what we were about to read: carry on from what is left.
          c.position = c.log->log_start_offset();
          continue;
        }
        failure = read.error();
        break;
      }
      std::string_view rest = read->records;
      if (rest.empty()) {
        failure =
            Error(Errc::corruption, "partition " + std::to_string(c.partition) +
                                        " returned no data below its high watermark at offset " +
                                        std::to_string(c.position));
        break;
      }
      const int64_t before = c.position;
      uint64_t records = 0;
      uint64_t bytes = 0;
      while (!rest.empty() && !done) {
        auto header = model::parse_batch_header(rest);
        if (!header) {
          failure = header.error();
          break;
        }
        const size_t size = header->total_size();
        if (size > rest.size()) break;  // a read returns whole batches; be safe anyway
        const std::string_view batch = rest.substr(0, size);
        rest.remove_prefix(size);
        if (!header->control()) {
          auto decoded = model::decode_batch(batch);
          if (!decoded) {
            failure =
                Error(decoded.error().code(), "partition " + std::to_string(c.partition) +
                                                  " offset " + std::to_string(header->base_offset) +
                                                  ": " + decoded.error().message());
            break;
          }
          for (const auto& record : *decoded) {
            if (record.offset < c.position) continue;
            printer.print(c.partition, record);
            c.position = record.offset + 1;
            ++records;
            bytes +=
                (record.key ? record.key->size() : 0) + (record.value ? record.value->size() : 0);
            if (meter.records() + records >= limit) {
              done = true;
              break;
            }
          }
        }
        if (!done) c.position = std::max(c.position, header->next_offset());
      }
      meter.add(records, bytes);
      if (failure && !done && c.position == before) {
        failure = Error(Errc::corruption, "partition " + std::to_string(c.partition) +
                                              " returned an incomplete batch at offset " +
                                              std::to_string(c.position));
      }
      if (!failure || done || out.closed()) break;
    }
    if (!failure) break;
    meter.maybe_report();
    if (caught_up && !done) {
      if (options.exit_at_end) break;
      KD_TRY(out.flush());
      waker.wait_past(generation);
    }
  }
  Status flushed = out.flush();
  meter.finish();
  Status closed = logs->close();
  if (!failure) return failure;
  if (!flushed) return flushed;
  return closed;
}

}  // namespace kafka_do::cli
