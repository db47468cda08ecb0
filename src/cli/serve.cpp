// `kafkado serve`: run the Kafka-protocol broker on a data directory until SIGINT/SIGTERM.
#include <malloc.h>
#include <sys/resource.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>

#include "broker/broker.hpp"
#include "broker/console/console.hpp"
#include "broker/net/http_server.hpp"
#include "broker/net/server.hpp"
#include "cli/commands.hpp"
#include "cli/stop_signal.hpp"
#include "coordinator/group_coordinator.hpp"
#include "coordinator/transaction_coordinator.hpp"

namespace kafka_do::cli {
namespace {

// Splits "HOST:PORT" at the last ':' (so an IPv6 literal keeps its colons).
Result<std::pair<std::string, uint16_t>> parse_host_port(const std::string& text) {
  const auto colon = text.rfind(':');
  auto invalid = [&] {
    return Error(Errc::invalid_argument, "'" + text + "' is not HOST:PORT (e.g. 127.0.0.1:9092)");
  };
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return invalid();
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  uint32_t port = 0;
  for (char c : text.substr(colon + 1)) {
    if (c < '0' || c > '9') return invalid();
    port = port * 10 + uint32_t(c - '0');
    if (port > 65535) return invalid();
  }
  return std::make_pair(std::move(host), uint16_t(port));
}

// The host of a HOST:PORT the user gave (for the startup line; parse_host_port checked it).
std::string http_host(const std::string& host_port) {
  return host_port.substr(0, host_port.rfind(':'));
}

// Every request frame and fetch response is a buffer of up to a few MiB, allocated and freed
// once per request. glibc serves those from fresh mmap()s (or trims the heap under them right
// after), so each request page-faults its buffers in again: on a VM that was most of the
// broker's CPU at 1 KiB records (~90 MB/s, bench/broker_bench). Keeping such buffers in the heap
// and letting it keep up to 64 MiB of free space makes the pages stay mapped (~600 MB/s); the
// retained memory is bounded by what in-flight requests once used. Two arenas: fetches and
// appends run on 16 worker threads, and glibc's default (8 per core) would let each thread's
// arena keep its own 64 MiB (broker_bench's peak RSS went from 14 to 42 MiB when fetches moved
// to the workers).
void keep_request_buffers_mapped() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_ARENA_MAX, 2);
}

// KAFKA_DO_FAILPOINT=txn-after-prepare|txn-after-markers makes the broker SIGKILL itself at that
// point of ending a transaction: how the crash tests stop it between EndTxn and its markers.
std::function<void(const char*)> failpoint_from_environment() {
  const char* wanted = std::getenv("KAFKA_DO_FAILPOINT");
  if (wanted == nullptr || *wanted == '\0') return nullptr;
  return [wanted = std::string(wanted)](const char* point) {
    if (wanted == std::string("txn-") + point) std::raise(SIGKILL);
  };
}

// Starts the HTTP side before recovery, so /readyz can say "not yet" while it runs. A default
// address that is taken only costs a note on the start line (`unavailable`); one the user asked
// for is an error.
Result<std::unique_ptr<broker::HttpServer>> start_http(
    const ServeOptions& options, const std::atomic<broker::console::Console*>& console,
    std::string& unavailable) {
  if (options.http == "off") return std::unique_ptr<broker::HttpServer>();
  KD_ASSIGN(auto address, parse_host_port(options.http));
  broker::HttpServerOptions http_options;
  http_options.listen_host = address.first;
  http_options.listen_port = address.second;
  auto http = broker::HttpServer::create(
      [&console](const broker::HttpRequest& request) {
        broker::console::Console* ready = console.load(std::memory_order_acquire);
        return ready != nullptr ? ready->handle(request) : broker::console::not_ready(request);
      },
      http_options);
  if (!http) {
    if (options.http_explicit) return http.error();
    unavailable = http.error().message();
    return std::unique_ptr<broker::HttpServer>();
  }
  (*http)->start();
  return std::move(*http);
}

// Each connection is a file descriptor, and the default soft limit (1024) is below
// --max-connections: take what the hard limit allows, as servers commonly do.
void raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

Status serve(const GlobalOptions& global, const ServeOptions& options) {
  // Before any other thread starts, so that only its watcher thread receives the signals.
  StopSignal stop;
  keep_request_buffers_mapped();
  raise_open_file_limit();
  KD_ASSIGN(auto listen, parse_host_port(options.listen));
  std::unique_ptr<broker::security::KeyFile> keys;
  if (options.api_keys_file) {
    KD_ASSIGN(keys,
              broker::security::KeyFile::open(*options.api_keys_file, [](const std::string& line) {
                std::fprintf(stderr, "kafkado serve: %s\n", line.c_str());
              }));
  }
  broker::BrokerMetrics metrics;
  std::atomic<broker::console::Console*> console_ready{nullptr};
  std::string http_unavailable;
  KD_ASSIGN(auto http, start_http(options, console_ready, http_unavailable));
  storage::LogOptions log_options;
  log_options.cleaner_backoff = std::chrono::milliseconds(options.cleaner_backoff_ms);
  log_options.cleaner_map_bytes = options.cleaner_map_bytes;
  log_options.cleaner_log = [](const std::string& line) {
    std::fprintf(stderr, "kafkado serve: %s\n", line.c_str());
  };
  KD_ASSIGN(auto logs, open_data_dir(global, std::move(log_options)));

  coordinator::GroupOptions group_options;
  group_options.initial_rebalance_delay =
      std::chrono::milliseconds(options.group_initial_rebalance_delay_ms);
  KD_ASSIGN(auto groups, coordinator::GroupCoordinator::open(*logs, group_options));
  KD_ASSIGN(auto producer_ids,
            coordinator::ProducerIdAllocator::open(logs->file_system(), logs->directory()));

  coordinator::TransactionOptions txn_options;
  txn_options.max_timeout = std::chrono::milliseconds(options.transaction_max_timeout_ms);
  txn_options.abort_scan_interval =
      std::chrono::milliseconds(options.transaction_abort_interval_ms);
  txn_options.failpoint = failpoint_from_environment();
  KD_ASSIGN(auto transactions, coordinator::TransactionCoordinator::open(
                                   *logs, *producer_ids, &groups->offset_store(), txn_options));

  broker::Broker broker{*logs, {}, groups.get(), producer_ids.get()};
  broker.transactions = transactions.get();
  broker.keys = keys.get();
  broker::security::Quotas quotas;
  broker.quotas = &quotas;
  broker.config.default_produce_quota = options.default_produce_quota;
  broker.config.default_fetch_quota = options.default_fetch_quota;
  // Permissions of keys that are not superusers, kept with the data (only used with keys).
  std::unique_ptr<broker::security::AclStore> acls;
  if (keys) {
    KD_ASSIGN(acls, broker::security::AclStore::open(global.data_dir + "/acls.json"));
    broker.acls = acls.get();
  }
  broker.metrics = &metrics;
  broker.config.auto_create_topics = options.auto_create_topics;
  broker.config.default_partitions = options.default_partitions;
  broker::ServerOptions server_options;
  server_options.listen_host = listen.first;
  server_options.listen_port = listen.second;
  server_options.max_frame_bytes = options.max_request_bytes;
  if (options.tls_cert) {
    server_options.tls = broker::TlsOptions{.cert_file = *options.tls_cert,
                                            .key_file = options.tls_key.value_or(""),
                                            .client_ca_file = options.tls_client_ca.value_or("")};
  }
  if (options.plaintext_listen) {
    KD_ASSIGN(auto plaintext, parse_host_port(*options.plaintext_listen));
    server_options.plaintext_host = plaintext.first;
    server_options.plaintext_port = plaintext.second;
  }
  server_options.allow_plaintext_auth = options.allow_plaintext_auth;
  server_options.max_connections = options.max_connections;
  server_options.max_connections_per_address = options.max_connections_per_ip;
  server_options.idle_timeout = std::chrono::milliseconds(options.connections_max_idle_ms);
  server_options.authentication_timeout =
      std::chrono::milliseconds(options.authentication_timeout_ms);
  server_options.request_read_timeout = std::chrono::milliseconds(options.request_read_timeout_ms);
  KD_ASSIGN(auto server, broker::Server::create(broker, server_options));

  // Without --advertise, clients are told the address we listen on (with the real port when
  // --listen asked for port 0).
  if (options.advertise) {
    KD_ASSIGN(auto advertise, parse_host_port(*options.advertise));
    broker.config.advertised_host = advertise.first;
    broker.config.advertised_port = advertise.second;
  } else {
    broker.config.advertised_host = listen.first;
    broker.config.advertised_port = server->port();
  }
  if (server_options.plaintext_host) {
    broker.config.plaintext_advertised_host = *server_options.plaintext_host;
    broker.config.plaintext_advertised_port = server->plaintext_port();
  }
  const std::string address =
      broker.config.advertised_host + ":" + std::to_string(broker.config.advertised_port);
  const std::string protocol =
      std::string(keys ? "SASL_" : "") + (server_options.tls ? "SSL" : "PLAINTEXT");
  std::string try_flags;
  if (keys || server_options.tls) try_flags += " -X security.protocol=" + protocol;
  if (server_options.tls) try_flags += " -X ssl.ca.location=CA.pem";
  if (keys) {
    try_flags += " -X sasl.mechanism=SCRAM-SHA-512 -X sasl.username=NAME -X sasl.password=SECRET";
  }
  std::string listeners = protocol;
  if (server_options.plaintext_host) {
    listeners += "; plaintext on " + *server_options.plaintext_host + ":" +
                 std::to_string(server->plaintext_port());
  }
  broker::console::Console console(broker);
  console_ready.store(&console, std::memory_order_release);
  std::string console_line;
  if (http) {
    console_line = "; console and /metrics on http://" + http_host(options.http) + ":" +
                   std::to_string(http->port()) + "/";
  } else if (!http_unavailable.empty()) {
    console_line = "; no console or /metrics: " + http_unavailable;
  }
  std::fprintf(stderr,
               "kafkado serve: listening on %s:%u (%s, advertised as %s), data in %s%s; try: kcat "
               "-b %s%s -L%s\n",
               listen.first.c_str(), unsigned(server->port()), listeners.c_str(), address.c_str(),
               global.data_dir.c_str(),
               keys ? (", " + std::to_string(keys->current()->size()) + " API keys").c_str() : "",
               address.c_str(), try_flags.c_str(), console_line.c_str());
  std::fflush(stderr);

  // Tells a command pointed at this directory which -b reaches us (see connect()).
  const std::string serving_path = global.data_dir + "/" + kServingFile;
  { std::ofstream(serving_path) << address << "\n"; }

  broker::Server* running = server.get();
  stop.on_stop([running] { running->request_stop(); });
  broker::security::KeyFile* key_file = keys.get();
  stop.on_reload([running, key_file, tls = server_options.tls.has_value()] {
    if (tls) {
      Status reloaded = running->reload_tls();
      std::fprintf(
          stderr, "kafkado serve: SIGHUP: %s\n",
          reloaded ? "reread the TLS certificate and key"
                   : ("kept the TLS certificates in use: " + reloaded.error().message()).c_str());
    }
    if (key_file != nullptr) key_file->reload();
  });
  server->run();
  stop.on_reload(nullptr);
  // A late signal must not reach the destroyed server; from here on it only exits (see
  // StopSignal: a second signal during shutdown exits at once).
  stop.on_stop([] {});
  // The HTTP side reads the broker's parts: it goes first.
  if (http) http->stop();
  console_ready.store(nullptr);
  server.reset();
  // Coordinators before the engine: they write through it (transactions into the groups'
  // offsets, so they go first).
  transactions.reset();
  groups.reset();
  std::remove(serving_path.c_str());
  return logs->close();
}

}  // namespace kafka_do::cli
