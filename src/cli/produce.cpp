// `kafkado produce`: stdin lines become records, batched per partition like a Kafka producer.

#include <unistd.h>

#include <random>

#include "base/murmur2.hpp"
#include "cli/commands.hpp"
#include "cli/line_reader.hpp"
#include "cli/stop_signal.hpp"
#include "model/record_batch.hpp"

namespace kafka_do::cli {
namespace {

// Upper bound of what one record adds to a batch beyond its key and value: the length, attribute,
// timestamp-delta, offset-delta, key/value lengths and header-count varints.
constexpr size_t kRecordOverhead = 5 + 1 + 10 + 5 + 5 + 5 + 1;

// Per-partition batches in the making. Keyed records go where the Java client would put them;
// keyless records stick to one partition until its batch is appended, then move on (Kafka's
// sticky partitioner), which keeps batches full without starving any partition.
class Producer {
 public:
  Producer(std::vector<std::shared_ptr<storage::PartitionLog>> partitions,
           std::optional<int32_t> fixed_partition, const ProduceOptions& options,
           size_t max_batch_bytes, ThroughputMeter& meter)
      : partitions_(std::move(partitions)),
        pending_(partitions_.size()),
        fixed_partition_(fixed_partition),
        batch_records_(options.batch_records),
        max_batch_bytes_(max_batch_bytes),
        meter_(meter),
        random_(std::random_device{}()) {
    sticky_ = pick_other(-1);
  }

  Status add(std::optional<std::string_view> key, std::string_view value, int64_t timestamp) {
    const int32_t p = fixed_partition_ ? *fixed_partition_
                      : key            ? partition_for_key(*key, int32_t(partitions_.size()))
                                       : sticky_;
    Pending& batch = pending_[size_t(p)];
    const size_t record_bytes = (key ? key->size() : 0) + value.size() + kRecordOverhead;
    if (!batch.builder.empty() &&
        batch.builder.uncompressed_size() + record_bytes > max_batch_bytes_) {
      KD_TRY(append(p));
    }
    batch.builder.add(timestamp, key, value);
    batch.payload_bytes += (key ? key->size() : 0) + value.size();
    if (batch.builder.record_count() >= batch_records_) KD_TRY(append(p));
    return {};
  }

  Status flush() {
    for (size_t p = 0; p < pending_.size(); ++p) {
      if (!pending_[p].builder.empty()) KD_TRY(append(int32_t(p)));
    }
    return {};
  }

 private:
  struct Pending {
    model::BatchBuilder builder;
    uint64_t payload_bytes = 0;
  };

  Status append(int32_t p) {
    Pending& batch = pending_[size_t(p)];
    KD_ASSIGN(std::string bytes, batch.builder.build());
    auto appended =
        partitions_[size_t(p)]->append(std::span<char>(bytes.data(), bytes.size()),
                                       storage::AppendOptions{.validate_records = false});
    if (!appended) {
      return Error(appended.error().code(), "append to partition " + std::to_string(p) +
                                                " failed: " + appended.error().message());
    }
    meter_.add(uint64_t(batch.builder.record_count()), batch.payload_bytes);
    meter_.maybe_report();
    batch.builder.clear();
    batch.payload_bytes = 0;
    if (p == sticky_) sticky_ = pick_other(sticky_);
    return {};
  }

  // A random partition other than `current` (when there is a choice).
  int32_t pick_other(int32_t current) {
    const auto n = int32_t(partitions_.size());
    if (n == 1) return 0;
    if (current < 0) return int32_t(random_() % uint32_t(n));
    return (current + 1 + int32_t(random_() % uint32_t(n - 1))) % n;
  }

  std::vector<std::shared_ptr<storage::PartitionLog>> partitions_;
  std::vector<Pending> pending_;
  std::optional<int32_t> fixed_partition_;
  int32_t batch_records_;
  size_t max_batch_bytes_;
  ThroughputMeter& meter_;
  std::minstd_rand random_;
  int32_t sticky_ = 0;
};

}  // namespace

Status produce(const GlobalOptions& global, const ProduceOptions& options) {
  if (options.batch_records < 1) {
    return Error(Errc::invalid_argument, "--batch-size must be at least 1");
  }
  if (options.key_separator && options.key_separator->empty()) {
    return Error(Errc::invalid_argument, "--key-separator must not be empty");
  }
  // Before LogManager starts its threads (see StopSignal).
  StopSignal stop;
  KD_ASSIGN(auto logs, open_data_dir(global));
  if (!logs->has_topic(options.topic)) {
    if (!options.create) return unknown_topic(options.topic);
    auto created = logs->create_topic(options.topic, options.partitions);
    // Losing a race to another creator is fine; the data dir lock makes it unlikely anyway.
    if (!created && created.error().code() != Errc::already_exists) return created.error();
  }
  KD_ASSIGN(auto description, logs->describe_topic(options.topic));
  if (options.partition &&
      (*options.partition < 0 || *options.partition >= description.partitions)) {
    return Error(Errc::invalid_argument, "topic '" + options.topic + "' has partitions 0.." +
                                             std::to_string(description.partitions - 1) + ", not " +
                                             std::to_string(*options.partition));
  }
  std::vector<std::shared_ptr<storage::PartitionLog>> partitions;
  for (int32_t p = 0; p < description.partitions; ++p) {
    KD_ASSIGN(auto log, logs->partition(options.topic, p));
    partitions.push_back(std::move(log));
  }
  // Stay under the topic's batch limit, whatever --batch-size asks for.
  const size_t limit =
      std::min(options.batch_bytes, size_t(std::max(description.config.max_message_bytes, 1024)));
  ThroughputMeter meter("produced", !global.quiet);
  Producer producer(std::move(partitions), options.partition, options, limit, meter);

  LineReader reader(STDIN_FILENO, stop.fd());
  const std::function<Status()> flush = [&] { return producer.flush(); };
  std::string_view line;
  Status failure;
  while (true) {
    auto event = reader.next(&line, flush);
    if (!event) {
      failure = event.error();
      break;
    }
    if (*event != LineReader::Event::line) break;
    const int64_t now = wall_clock_ms();
    Status added;
    if (options.key_separator) {
      const auto at = line.find(*options.key_separator);
      if (at == std::string_view::npos) {
        failure =
            Error(Errc::invalid_argument, "line " + std::to_string(reader.line_number()) +
                                              " has no key separator '" + *options.key_separator +
                                              "' (the " + std::to_string(reader.line_number() - 1) +
                                              " lines before it were produced)");
        break;
      }
      added =
          producer.add(line.substr(0, at), line.substr(at + options.key_separator->size()), now);
    } else {
      added = producer.add(std::nullopt, line, now);
    }
    if (!added) {
      failure = added;
      break;
    }
  }
  // Whatever was read before a failure or a stop still goes in: those lines were accepted.
  Status flushed = producer.flush();
  meter.finish();
  Status closed = logs->close();
  if (!failure) return failure;
  if (!flushed) return flushed;
  return closed;
}

}  // namespace kafka_do::cli
