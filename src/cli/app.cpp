#include "cli/app.hpp"

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <functional>

#include "cli/commands.hpp"

namespace kafka_do::cli {
namespace {

// Options that every command accepts, before or after the command name.
void add_global_options(CLI::App& app, GlobalOptions& global, std::string& flush_policy) {
  app.add_option("-d,--data", global.data_dir, "Data directory (env KAFKA_DO_DATA)")
      ->envname("KAFKA_DO_DATA")
      ->capture_default_str();
  app.add_option("--flush", flush_policy,
                 "When appends are made durable: every-batch (fdatasync before acknowledging), "
                 "interval (background sync every second) or os (at segment roll and close)")
      ->check(CLI::IsMember({"every-batch", "interval", "os"}))
      ->capture_default_str();
  app.add_flag("-q,--quiet", global.quiet, "No progress or summary lines on stderr");
}

}  // namespace

int run(int argc, char** argv) {
  // A closed stdout must be an error we can see (and end quietly on), not a silent kill.
  std::signal(SIGPIPE, SIG_IGN);

  CLI::App app{"kafkado: create topics, produce and consume records in a kafka-do data directory",
               "kafkado"};
  app.fallthrough();
  app.require_subcommand(1);
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return std::string("kafkado: error: ") + e.what() + " (see --help)\n";
  });
  GlobalOptions global;
  std::string flush_policy = "interval";
  add_global_options(app, global, flush_policy);
  std::function<Status()> command;

  // topics
  auto* topics = app.add_subcommand("topics", "Create, list, describe, alter and delete topics");
  topics->require_subcommand(1);

  TopicCreateOptions create;
  auto* create_cmd = topics->add_subcommand("create", "Create a topic");
  create_cmd->add_option("name", create.name, "Topic name")->required();
  create_cmd->add_option("-p,--partitions", create.partitions, "Number of partitions")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  create_cmd->add_option("-c,--config", create.configs, "Topic config key=value (repeatable)")
      ->allow_extra_args(false);
  create_cmd->add_flag("--if-not-exists", create.if_not_exists,
                       "Succeed quietly when the topic already exists");
  create_cmd->callback([&] { command = [&] { return topics_create(global, create); }; });

  auto* list_cmd = topics->add_subcommand("list", "List topic names, one per line");
  list_cmd->callback([&] { command = [&] { return topics_list(global); }; });

  std::string describe_name;
  auto* describe_cmd = topics->add_subcommand(
      "describe", "Show partitions (log start, high watermark, size, segments) and configs");
  describe_cmd->add_option("name", describe_name, "Topic name (all topics when omitted)");
  describe_cmd->callback([&] { command = [&] { return topics_describe(global, describe_name); }; });

  TopicAlterOptions alter;
  auto* alter_cmd = topics->add_subcommand("alter", "Set or reset topic configs");
  alter_cmd->add_option("name", alter.name, "Topic name")->required();
  alter_cmd->add_option("-c,--config", alter.configs, "Set key=value (repeatable)")
      ->allow_extra_args(false);
  alter_cmd
      ->add_option("--delete-config", alter.delete_configs, "Reset key to its default (repeatable)")
      ->allow_extra_args(false);
  alter_cmd->callback([&] { command = [&] { return topics_alter(global, alter); }; });

  std::string grow_name;
  int32_t grow_total = 0;
  auto* grow_cmd = topics->add_subcommand("add-partitions", "Grow a topic to more partitions");
  grow_cmd->add_option("name", grow_name, "Topic name")->required();
  grow_cmd->add_option("-p,--partitions", grow_total, "New total number of partitions")
      ->required()
      ->check(CLI::Range(1, 100000));
  grow_cmd->callback(
      [&] { command = [&] { return topics_add_partitions(global, grow_name, grow_total); }; });

  std::string delete_name;
  bool delete_if_exists = false;
  auto* delete_cmd = topics->add_subcommand("delete", "Delete a topic and all its data");
  delete_cmd->add_option("name", delete_name, "Topic name")->required();
  delete_cmd->add_flag("--if-exists", delete_if_exists,
                       "Succeed quietly when there is no such topic");
  delete_cmd->callback(
      [&] { command = [&] { return topics_delete(global, delete_name, delete_if_exists); }; });

  // produce
  ProduceOptions produce_options;
  auto* produce_cmd = app.add_subcommand(
      "produce", "Append stdin lines to a topic, one record per line (value = line)");
  produce_cmd->add_option("topic", produce_options.topic, "Topic name")->required();
  produce_cmd->add_option("-k,--key-separator", produce_options.key_separator,
                          "Split each line into key and value at the first SEP");
  produce_cmd->add_option("--partition", produce_options.partition,
                          "Send every record to this partition (default: by key hash, keyless "
                          "records to a sticky partition that changes per batch)");
  auto* create_flag = produce_cmd->add_flag("--create", produce_options.create,
                                            "Create the topic when it does not exist");
  produce_cmd
      ->add_option("-p,--partitions", produce_options.partitions,
                   "Partitions of a topic created by --create")
      ->needs(create_flag)
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  produce_cmd
      ->add_option("--batch-size", produce_options.batch_records,
                   "Most records per batch (batches also stop at 1 MiB)")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  produce_cmd->callback([&] { command = [&] { return produce(global, produce_options); }; });

  // consume
  ConsumeOptions consume_options;
  auto* consume_cmd = app.add_subcommand(
      "consume", "Print records of a topic, one value per line; follows new records by default");
  consume_cmd->add_option("topic", consume_options.topic, "Topic name")->required();
  consume_cmd->add_flag("-b,--from-beginning", consume_options.from_beginning,
                        "Start at the log start of each partition (default: at the end)");
  consume_cmd->add_flag("-e,--exit-at-end", consume_options.exit_at_end,
                        "Stop when every partition has been read to its end");
  consume_cmd->add_option("--partition", consume_options.partition, "Read only this partition");
  consume_cmd->add_option("--offset", consume_options.offset,
                          "Start offset in --partition: a number, earliest or latest");
  consume_cmd->add_option("-n,--max-messages", consume_options.max_messages,
                          "Stop after this many records");
  consume_cmd->add_flag("--print-key", consume_options.print_key,
                        "Print key<SEP>value (null keys print as null)");
  consume_cmd->add_flag("--print-partition", consume_options.print_partition,
                        "Prefix each line with Partition:N<SEP>");
  consume_cmd->add_flag("--print-offset", consume_options.print_offset,
                        "Prefix each line with Offset:N<SEP>");
  consume_cmd->add_flag("--print-timestamp", consume_options.print_timestamp,
                        "Prefix each line with CreateTime:MS<SEP>");
  consume_cmd->add_option("-k,--key-separator", consume_options.key_separator,
                          "Separator between printed fields (default: tab)");
  consume_cmd->callback([&] { command = [&] { return consume(global, consume_options); }; });

  // serve
  ServeOptions serve_options;
  auto* serve_cmd =
      app.add_subcommand("serve", "Run a Kafka-protocol broker on the data directory");
  serve_cmd->add_option("--listen", serve_options.listen, "HOST:PORT to listen on")
      ->capture_default_str();
  serve_cmd->add_option("--advertise", serve_options.advertise,
                        "HOST:PORT clients are told to connect to (default: the listen address)");
  serve_cmd
      ->add_option("--auto-create-topics", serve_options.auto_create_topics,
                   "Create unknown topics when clients ask for their metadata (true|false)")
      ->capture_default_str();
  serve_cmd
      ->add_option("--default-partitions", serve_options.default_partitions,
                   "Partitions of auto-created topics")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  serve_cmd
      ->add_option("--max-request-bytes", serve_options.max_request_bytes,
                   "Largest request frame accepted; larger ones close the connection unread "
                   "(Kafka's socket.request.max.bytes)")
      ->check(CLI::Range(size_t(1024), size_t(1) << 30))
      ->capture_default_str();
  serve_cmd
      ->add_option("--cleaner-backoff-ms", serve_options.cleaner_backoff_ms,
                   "How long the log cleaner waits between looks for compacted partitions to "
                   "clean (Kafka's log.cleaner.backoff.ms)")
      ->check(CLI::Range(int64_t(1), int64_t(24) * 3600 * 1000))
      ->capture_default_str();
  serve_cmd
      ->add_option("--transaction-max-timeout-ms", serve_options.transaction_max_timeout_ms,
                   "Largest transaction.timeout.ms a transactional producer may ask for (Kafka's "
                   "transaction.max.timeout.ms)")
      ->check(CLI::Range(int64_t(1), int64_t(24) * 3600 * 1000))
      ->capture_default_str();
  serve_cmd
      ->add_option("--transaction-abort-interval-ms", serve_options.transaction_abort_interval_ms,
                   "How often transactions open past their timeout are looked for and aborted "
                   "(Kafka's transaction.abort.timed.out.transaction.cleanup.interval.ms)")
      ->check(CLI::Range(int64_t(1), int64_t(24) * 3600 * 1000))
      ->capture_default_str();
  serve_cmd
      ->add_option("--cleaner-map-bytes", serve_options.cleaner_map_bytes,
                   "Memory of the log cleaner's key map, 24 bytes a key (Kafka's "
                   "log.cleaner.dedupe.buffer.size); more distinct keys take several passes")
      ->check(CLI::Range(size_t(1) << 16, size_t(1) << 34))
      ->capture_default_str();
  serve_cmd->add_option("--api-keys", serve_options.api_keys_file,
                        "File of 'username:secret' lines; clients must authenticate with "
                        "SASL/PLAIN as one of them (default: no authentication)");
  serve_cmd->callback([&] { command = [&] { return serve(global, serve_options); }; });

  // Subcommand help does not list the parent's options; say where they are.
  for (auto* sub : {create_cmd, list_cmd, describe_cmd, alter_cmd, grow_cmd, delete_cmd,
                    produce_cmd, consume_cmd, serve_cmd}) {
    sub->footer(
        "Global options (--data DIR, --flush POLICY, --quiet) go before or after the "
        "command; see kafkado --help.\n");
  }

  if (argc == 1) {
    // A bare `kafkado` is someone exploring: the overview helps more than an error.
    std::fputs(app.help().c_str(), stderr);
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (!command) return 2;  // require_subcommand makes this unreachable
  global.flush_policy = flush_policy == "every-batch" ? storage::FlushPolicy::every_batch
                        : flush_policy == "os"        ? storage::FlushPolicy::os
                                                      : storage::FlushPolicy::interval;
  Status status = command();
  if (!status) {
    std::fflush(stdout);
    std::fprintf(stderr, "kafkado: error: %s\n", status.error().message().c_str());
    return 1;
  }
  return 0;
}

}  // namespace kafka_do::cli
