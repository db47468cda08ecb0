#include "cli/app.hpp"

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include "cli/commands.hpp"

namespace kafka_do::cli {
namespace {

// Options that every command accepts, before or after the command name.
void add_global_options(CLI::App& app, GlobalOptions& global, std::string& flush_policy) {
  app.add_option("-d,--data", global.data_dir,
                 "Data directory the command works on when no broker is named (env "
                 "KAFKA_DO_DATA)")
      ->envname("KAFKA_DO_DATA")
      ->capture_default_str();
  app.add_option("-b,--brokers", global.brokers,
                 "A running broker, HOST:PORT (or set KAFKA_DO_URL=kafka://HOST:PORT)");
  app.add_option("--api-key", global.api_key,
                 "name:secret for a broker that requires a key (env KAFKA_DO_API_KEY)")
      ->envname("KAFKA_DO_API_KEY");
  app.add_option("--sasl-mechanism", global.sasl_mechanism,
                 "How --api-key is sent: PLAIN (default), SCRAM-SHA-256 or SCRAM-SHA-512 (env "
                 "KAFKA_DO_SASL_MECHANISM)")
      ->envname("KAFKA_DO_SASL_MECHANISM");
  app.add_option("--tls-ca", global.tls_ca_file,
                 "CA certificates (PEM) that verify the broker: -b connects with TLS (env "
                 "KAFKA_DO_TLS_CA_FILE)")
      ->envname("KAFKA_DO_TLS_CA_FILE");
  app.add_option("--flush", flush_policy,
                 "When appends to a data directory are made durable: every-batch (fdatasync "
                 "before acknowledging), interval (background sync every second) or os")
      ->check(CLI::IsMember({"every-batch", "interval", "os"}))
      ->capture_default_str();
  app.add_flag("-q,--quiet", global.quiet, "No progress, summary or confirmation lines");
}

// An example line under a command's help.
void example(CLI::App* cmd, const std::string& text) { cmd->footer("Example:\n  " + text + "\n"); }

}  // namespace

int run(int argc, char** argv) {
  // A closed stdout must be an error we can see (and end quietly on), not a silent kill.
  std::signal(SIGPIPE, SIG_IGN);

  CLI::App app{
      "kafkado: topics, records and consumer groups of a kafka-do data directory or a running "
      "broker (-b HOST:PORT), and the broker itself (serve)",
      "kafkado"};
  app.fallthrough();
  app.require_subcommand(1);
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return std::string("kafkado: error: ") + e.what() + " (see --help)\n";
  });
  GlobalOptions global;
  std::string flush_policy = "interval";
  add_global_options(app, global, flush_policy);
  std::function<int()> command;
  const auto run_void = [&](std::function<void()> fn) {
    command = [fn = std::move(fn)] {
      fn();
      return 0;
    };
  };

  // topics
  auto* topics = app.add_subcommand("topics", "Create, list, describe, alter and delete topics");
  topics->require_subcommand(1);

  TopicCreateOptions create;
  auto* create_cmd = topics->add_subcommand("create", "Create a topic");
  create_cmd->add_option("name", create.name, "Topic name")->required();
  create_cmd->add_option("-p,--partitions", create.partitions, "Number of partitions")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  create_cmd->add_option("-c,--config", create.configs, "Topic config name=value (repeatable)")
      ->allow_extra_args(false);
  create_cmd->add_flag("--if-not-exists", create.if_not_exists,
                       "Succeed quietly when the topic already exists");
  create_cmd->callback([&] { run_void([&] { topics_create(global, create); }); });
  example(create_cmd, "kafkado topics create orders -p 6 -c retention.ms=86400000");

  bool list_json = false;
  auto* list_cmd = topics->add_subcommand("list", "List topic names, one per line");
  list_cmd->add_flag("--json", list_json, "A JSON array of {name, partitions}");
  list_cmd->callback([&] { run_void([&] { topics_list(global, list_json); }); });
  example(list_cmd, "kafkado -b 127.0.0.1:9092 topics list");

  std::string describe_name;
  bool describe_json = false;
  auto* describe_cmd = topics->add_subcommand(
      "describe",
      "Show partitions (log start, high watermark, last stable offset, size) and configs");
  describe_cmd->add_option("name", describe_name, "Topic name (all topics when omitted)");
  describe_cmd->add_flag("--json", describe_json, "One JSON object (an array for all topics)");
  describe_cmd->callback(
      [&] { run_void([&] { topics_describe(global, describe_name, describe_json); }); });
  example(describe_cmd, "kafkado topics describe orders --json");

  TopicAlterOptions alter;
  auto* alter_cmd = topics->add_subcommand("alter", "Set or reset topic configs");
  alter_cmd->add_option("name", alter.name, "Topic name")->required();
  alter_cmd->add_option("-c,--config", alter.configs, "Set name=value (repeatable)")
      ->allow_extra_args(false);
  alter_cmd
      ->add_option("--delete-config", alter.delete_configs,
                   "Reset a config to its default (repeatable)")
      ->allow_extra_args(false);
  alter_cmd->callback([&] { run_void([&] { topics_alter(global, alter); }); });
  example(alter_cmd, "kafkado topics alter orders -c cleanup.policy=compact");

  std::string grow_name;
  int32_t grow_total = 0;
  auto* grow_cmd = topics->add_subcommand("add-partitions", "Grow a topic to more partitions");
  grow_cmd->add_option("name", grow_name, "Topic name")->required();
  grow_cmd->add_option("-p,--partitions", grow_total, "New total number of partitions")
      ->required()
      ->check(CLI::Range(1, 100000));
  grow_cmd->callback(
      [&] { run_void([&] { topics_increase_partitions(global, grow_name, grow_total); }); });
  example(grow_cmd, "kafkado topics add-partitions orders -p 12");

  std::string delete_name;
  bool delete_if_exists = false;
  auto* delete_cmd = topics->add_subcommand("delete", "Delete a topic and all its data");
  delete_cmd->add_option("name", delete_name, "Topic name")->required();
  delete_cmd->add_flag("--if-exists", delete_if_exists,
                       "Succeed quietly when there is no such topic");
  delete_cmd->callback(
      [&] { run_void([&] { topics_delete(global, delete_name, delete_if_exists); }); });
  example(delete_cmd, "kafkado topics delete orders");

  // produce
  ProduceOptions produce_options;
  auto* produce_cmd = app.add_subcommand(
      "produce", "Send lines of stdin (or -f FILE) to a topic, one record per line");
  produce_cmd->add_option("topic", produce_options.topic, "Topic name")->required();
  produce_cmd->add_option("-K,--key-separator", produce_options.key_separator,
                          "Split each line into key and value at the first SEP");
  produce_cmd
      ->add_option("-H,--header", produce_options.headers,
                   "Header name=value on every record (repeatable)")
      ->allow_extra_args(false);
  produce_cmd->add_option("-p,--partition", produce_options.partition,
                          "Send every record to this partition (default: murmur2 of the key, "
                          "keyless records to a sticky partition that changes per batch)");
  produce_cmd->add_flag("--json", produce_options.json,
                        "Each value must be valid JSON; a bad line stops the run with its number");
  produce_cmd
      ->add_option("-z,--compression", produce_options.compression,
                   "none, gzip, snappy, lz4 or zstd")
      ->capture_default_str();
  produce_cmd->add_option("--acks", produce_options.acks, "all, 1 or 0")->capture_default_str();
  produce_cmd->add_option("-f,--file", produce_options.file, "Read lines from FILE, not stdin");
  auto* create_flag = produce_cmd->add_flag("--create", produce_options.create,
                                            "Create the topic when it does not exist");
  produce_cmd
      ->add_option("--partitions", produce_options.partitions,
                   "Partitions of a topic created by --create")
      ->needs(create_flag)
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  produce_cmd->callback([&] { run_void([&] { produce(global, produce_options); }); });
  example(produce_cmd,
          "printf 'o1:{\"total\":9}\\n' | kafkado produce orders -K : -H source=cli --json");

  // consume
  ConsumeOptions consume_options;
  auto* consume_cmd = app.add_subcommand(
      "consume", "Print records of a topic, one per line; follows new records unless -e");
  consume_cmd->add_option("topic", consume_options.topic, "Topic name")->required();
  consume_cmd->add_option("-G,--group", consume_options.group,
                          "Consume as a member of GROUP (joins, rebalances, commits what was "
                          "printed); without it every partition is read by manual assignment");
  consume_cmd
      ->add_option("-o,--offset", consume_options.offset,
                   "Start: beginning, end, N, -N (N records before the end) or @TIME "
                   "(ISO-8601, UTC without a zone, or epoch ms); with -G only where the group "
                   "has no committed offset")
      ->capture_default_str();
  consume_cmd->add_option("-p,--partition", consume_options.partition, "Read only this partition");
  consume_cmd->add_option("-c,--count", consume_options.count, "Stop after COUNT records");
  consume_cmd->add_flag("-e,--exit-at-end", consume_options.exit_at_end,
                        "Stop when every partition has been read to its end");
  consume_cmd->add_option("-f,--format", consume_options.format,
                          "kcat's format: %t topic, %p partition, %o offset, %k key, %s value, "
                          "%h headers, %T timestamp ms, %K/%S key/value length, \\n \\t");
  consume_cmd->add_option("-K,--key-separator", consume_options.key_separator,
                          "Print key<SEP>value (ignored with -f and --json)");
  consume_cmd->add_flag("--json", consume_options.json,
                        "One JSON object per record: topic, partition, offset, timestamp, key, "
                        "value, headers");
  consume_cmd->add_flag("--read-uncommitted", consume_options.read_uncommitted,
                        "Also records of open and aborted transactions (default: read_committed)");
  consume_cmd->callback([&] { run_void([&] { consume(global, consume_options); }); });
  example(consume_cmd, "kafkado consume orders -o -10 -e -f '%p/%o %k=%s\\n'");

  // groups
  auto* groups = app.add_subcommand("groups", "List, describe, reset and delete consumer groups");
  groups->require_subcommand(1);
  bool groups_json = false;
  auto* glist_cmd = groups->add_subcommand("list", "Groups with their state and member count");
  glist_cmd->add_flag("--json", groups_json, "A JSON array");
  glist_cmd->callback([&] { run_void([&] { groups_list(global, groups_json); }); });
  example(glist_cmd, "kafkado groups list");

  std::string group_name;
  auto* gdescribe_cmd = groups->add_subcommand(
      "describe",
      "Members (client id, assignment) and per partition committed offset, end and lag");
  gdescribe_cmd->add_option("group", group_name, "Group id")->required();
  gdescribe_cmd->add_flag("--json", groups_json, "One JSON object");
  gdescribe_cmd->callback(
      [&] { run_void([&] { groups_describe(global, group_name, groups_json); }); });
  example(gdescribe_cmd, "kafkado groups describe billing");

  ResetOffsetsOptions reset;
  auto* reset_cmd = groups->add_subcommand(
      "reset-offsets",
      "Move a group's committed offsets on a topic (refused while the group has members)");
  reset_cmd->add_option("group", reset.group, "Group id")->required();
  reset_cmd->add_option("-t,--topic", reset.topic, "Topic whose partitions move")->required();
  reset_cmd->add_flag("--to-earliest", reset.to_earliest, "To the log start");
  reset_cmd->add_flag("--to-latest", reset.to_latest, "To the end (skip everything)");
  reset_cmd->add_option("--to-datetime", reset.to_datetime,
                        "To the first record at or after TIME (ISO-8601 or epoch ms)");
  reset_cmd->add_option("--to-offset", reset.to_offset, "To offset N (clamped to the log)");
  reset_cmd->add_option("--shift-by", reset.shift_by,
                        "By N from the committed offset (negative: back), clamped");
  reset_cmd->add_flag("--dry-run", reset.dry_run, "Print the plan, commit nothing");
  reset_cmd->add_flag("--json", reset.json, "The plan as JSON");
  reset_cmd->callback([&] { run_void([&] { groups_reset_offsets(global, reset); }); });
  example(reset_cmd,
          "kafkado groups reset-offsets billing -t orders --to-datetime 2026-12-01T09:00:00Z "
          "--dry-run");

  auto* gdelete_cmd = groups->add_subcommand(
      "delete", "Delete a group and its committed offsets (refused while it has members)");
  gdelete_cmd->add_option("group", group_name, "Group id")->required();
  gdelete_cmd->callback([&] { run_void([&] { groups_delete(global, group_name); }); });
  example(gdelete_cmd, "kafkado groups delete billing");

  // check
  bool check_json = false;
  auto* check_cmd = app.add_subcommand(
      "check", "Verify a data directory offline (batch CRCs, offsets, indexes); exit 3 on damage");
  check_cmd->add_flag("--json", check_json, "The report as JSON");
  check_cmd->callback([&] { command = [&] { return check(global, check_json); }; });
  example(check_cmd, "kafkado check --data ./kafka-do-data");

  // serve
  ServeOptions serve_options;
  auto* serve_cmd =
      app.add_subcommand("serve", "Run a Kafka-protocol broker on the data directory");
  serve_cmd->add_option("--listen", serve_options.listen, "HOST:PORT to listen on")
      ->capture_default_str();
  serve_cmd
      ->add_option("--http", serve_options.http,
                   "HOST:PORT for /metrics (Prometheus) and the web console, or 'off'")
      ->capture_default_str()
      ->each([&](const std::string&) { serve_options.http_explicit = true; });
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
      ->add_option("--group-initial-rebalance-delay-ms",
                   serve_options.group_initial_rebalance_delay_ms,
                   "How long the first rebalance of an empty group waits for more members, each "
                   "new member extending it up to the rebalance timeout (Kafka's "
                   "group.initial.rebalance.delay.ms); 0 completes it at once")
      ->check(CLI::Range(int64_t(0), int64_t(5) * 60 * 1000))
      ->capture_default_str();
  serve_cmd
      ->add_option("--cleaner-map-bytes", serve_options.cleaner_map_bytes,
                   "Memory of the log cleaner's key map, 24 bytes a key (Kafka's "
                   "log.cleaner.dedupe.buffer.size); more distinct keys take several passes")
      ->check(CLI::Range(size_t(1) << 16, size_t(1) << 34))
      ->capture_default_str();
  serve_cmd->add_option("--api-keys", serve_options.api_keys_file,
                        "Key file (managed with `kafkado keys`); clients must authenticate with "
                        "SASL SCRAM-SHA-256/512 or PLAIN as one of its keys; reread when it "
                        "changes (default: no authentication)");
  auto* tls_cert = serve_cmd->add_option("--tls-cert", serve_options.tls_cert,
                                         "PEM certificate chain: --listen speaks TLS (reread on "
                                         "SIGHUP)");
  auto* tls_key =
      serve_cmd->add_option("--tls-key", serve_options.tls_key, "PEM private key of --tls-cert");
  tls_cert->needs(tls_key);
  tls_key->needs(tls_cert);
  serve_cmd
      ->add_option("--tls-client-ca", serve_options.tls_client_ca,
                   "PEM CA certificates: clients must present a certificate one of them signed "
                   "(mutual TLS)")
      ->needs(tls_cert);
  serve_cmd
      ->add_option("--plaintext-listen", serve_options.plaintext_listen,
                   "HOST:PORT of a plaintext listener beside the TLS one")
      ->needs(tls_cert);
  serve_cmd
      ->add_option("--max-connections", serve_options.max_connections,
                   "Connections open at once; more are closed when accepted (Kafka's "
                   "max.connections)")
      ->check(CLI::Range(size_t(1), size_t(1) << 20))
      ->capture_default_str();
  serve_cmd
      ->add_option("--max-connections-per-ip", serve_options.max_connections_per_ip,
                   "Connections open at once from one client address (max.connections.per.ip)")
      ->check(CLI::Range(size_t(1), size_t(1) << 20))
      ->capture_default_str();
  serve_cmd
      ->add_option("--connections-max-idle-ms", serve_options.connections_max_idle_ms,
                   "A connection with nothing in flight for this long is closed")
      ->check(CLI::Range(int64_t(10), int64_t(7) * 24 * 3600 * 1000))
      ->capture_default_str();
  serve_cmd
      ->add_option("--authentication-timeout-ms", serve_options.authentication_timeout_ms,
                   "Time a new connection has to finish its TLS handshake and, with --api-keys, "
                   "SASL authentication")
      ->check(CLI::Range(int64_t(10), int64_t(3600) * 1000))
      ->capture_default_str();
  serve_cmd
      ->add_option("--request-read-timeout-ms", serve_options.request_read_timeout_ms,
                   "Time a request may take to arrive once its size has (slow senders)")
      ->check(CLI::Range(int64_t(10), int64_t(3600) * 1000))
      ->capture_default_str();
  serve_cmd
      ->add_option("--default-produce-quota", serve_options.default_produce_quota,
                   "Produce bytes per second of each key without a quota of its own (kafkado keys "
                   "add --produce-quota), and of every client without --api-keys; 0 = none")
      ->check(CLI::Range(int64_t(0), int64_t(1) << 40))
      ->capture_default_str();
  serve_cmd
      ->add_option("--default-fetch-quota", serve_options.default_fetch_quota,
                   "Fetch bytes per second, the same way; 0 = none")
      ->check(CLI::Range(int64_t(0), int64_t(1) << 40))
      ->capture_default_str();
  serve_cmd->add_option("--allow-plaintext-auth", serve_options.allow_plaintext_auth,
                        "Offer SASL/PLAIN (the secret in clear) on plaintext listeners (true|"
                        "false; default: only on loopback addresses)");
  serve_cmd->callback([&] {
    command = [&] {
      Status status = serve(global, serve_options);
      if (!status)
        throw kafka::Error(kafka::ErrorCode::unknown_server_error, status.error().message());
      return 0;
    };
  });
  example(serve_cmd, "kafkado serve --data ./kafka-do-data --listen 127.0.0.1:9092");

  // keys
  auto* keys = app.add_subcommand(
      "keys",
      "Manage the API key file of `kafkado serve --api-keys FILE` (a running broker "
      "picks up changes without a restart)");
  keys->require_subcommand(1);
  KeysOptions keys_options;
  const auto key_file = [&](CLI::App* cmd) {
    cmd->add_option("--api-keys", keys_options.file, "The key file")->required();
  };
  auto* kadd_cmd = keys->add_subcommand(
      "add", "Add a key with salted SCRAM-SHA-256/512 credentials (the secret is not stored)");
  kadd_cmd->add_option("name", keys_options.name, "Key name: letters, digits and . _ @ -")
      ->required();
  auto* secret = kadd_cmd->add_option("--secret", keys_options.secret, "The key's secret");
  kadd_cmd
      ->add_flag("--secret-stdin", keys_options.secret_stdin,
                 "Read the secret from the first line of stdin")
      ->excludes(secret);
  kadd_cmd->add_flag("--superuser", keys_options.superuser,
                     "May do anything (other keys only what their ACLs allow)");
  kadd_cmd
      ->add_option("--produce-quota", keys_options.produce_quota,
                   "Produce bytes per second (default: serve --default-produce-quota)")
      ->check(CLI::Range(int64_t(1), int64_t(1) << 40));
  kadd_cmd
      ->add_option("--fetch-quota", keys_options.fetch_quota,
                   "Fetch bytes per second (default: serve --default-fetch-quota)")
      ->check(CLI::Range(int64_t(1), int64_t(1) << 40));
  key_file(kadd_cmd);
  kadd_cmd->callback([&] { run_void([&] { keys_add(global, keys_options); }); });
  example(kadd_cmd, "kafkado keys add orders-service --secret-stdin --api-keys keys.txt");
  auto* kremove_cmd = keys->add_subcommand("remove", "Remove a key (its connections stay open)");
  kremove_cmd->add_option("name", keys_options.name, "Key name")->required();
  key_file(kremove_cmd);
  kremove_cmd->callback([&] { run_void([&] { keys_remove(global, keys_options); }); });
  example(kremove_cmd, "kafkado keys remove orders-service --api-keys keys.txt");
  auto* klist_cmd = keys->add_subcommand("list", "Key names and roles (never secrets)");
  klist_cmd->add_flag("--json", keys_options.json, "A JSON array");
  key_file(klist_cmd);
  klist_cmd->callback([&] { run_void([&] { keys_list(global, keys_options); }); });
  example(klist_cmd, "kafkado keys list --api-keys keys.txt");
  auto* kmigrate_cmd = keys->add_subcommand(
      "migrate", "Rewrite 'username:secret' lines as salted credentials (they stay superusers)");
  key_file(kmigrate_cmd);
  kmigrate_cmd->callback([&] { run_void([&] { keys_migrate(global, keys_options); }); });
  example(kmigrate_cmd, "kafkado keys migrate --api-keys keys.txt");

  // Subcommand help does not list the parent's options; say where they are.
  for (auto* sub : {create_cmd, list_cmd, describe_cmd, alter_cmd, grow_cmd, delete_cmd,
                    produce_cmd, consume_cmd, glist_cmd, gdescribe_cmd, reset_cmd, gdelete_cmd,
                    check_cmd, serve_cmd, kadd_cmd, kremove_cmd, klist_cmd, kmigrate_cmd}) {
    sub->footer(
        sub->get_footer() +
        "Global options (-b HOST:PORT, --data DIR, --api-key, --sasl-mechanism, --tls-ca, --flush, "
        "--quiet) go before or "
        "after the command; see kafkado --help.\nExit codes: 0 ok, 1 failed, 2 usage error, 3 "
        "check found damage.\n");
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
  global.data_given = app.count("--data") > 0 || std::getenv("KAFKA_DO_DATA") != nullptr;
  global.flush_policy = flush_policy == "every-batch" ? storage::FlushPolicy::every_batch
                        : flush_policy == "os"        ? storage::FlushPolicy::os
                                                      : storage::FlushPolicy::interval;
  try {
    return command();
  } catch (const UsageError& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "kafkado: error: %s (see --help)\n", e.what());
    return 2;
  } catch (const kafka::Error& e) {
    std::fflush(stdout);
    std::string message = e.what();
    // The SDK names its option; the command line has none of that name.
    if (const auto at = message.find(" (auto_create_topics is off)"); at != std::string::npos) {
      message.erase(at, 28);
    }
    // "topic 'x' does not exist" from the SDK: say how to create it.
    if (const auto at = message.find("topic '");
        e.code() == kafka::ErrorCode::unknown_topic_or_partition && at != std::string::npos &&
        message.find("' does not exist") != std::string::npos) {
      const auto end = message.find('\'', at + 7);
      message +=
          " (create it with: kafkado topics create " + message.substr(at + 7, end - at - 7) + ")";
    }
    // librdkafka's messages may carry the code's name already.
    const std::string name = std::string(" (") + kafka::error_name(e.code()) + ")";
    if (const auto at = message.find(name); at != std::string::npos) message.erase(at, name.size());
    if (e.code() == kafka::ErrorCode::unknown_server_error) {
      std::fprintf(stderr, "kafkado: error: %s\n", message.c_str());
    } else {
      std::fprintf(stderr, "kafkado: error: %s [%s, code %d]\n", message.c_str(),
                   kafka::error_name(e.code()), int(e.code_value()));
    }
    return 1;
  }
}

}  // namespace kafka_do::cli
