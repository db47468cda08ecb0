#include "broker/net/server.hpp"

#include <algorithm>
#include <asio.hpp>
#include <asio/thread_pool.hpp>
#include <atomic>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <set>

#include "base/coding.hpp"
#include "broker/handlers/handler.hpp"
#include "broker/net/listen.hpp"
#include "broker/net/stream.hpp"
#include "broker/net/tls.hpp"
#include "protocol/headers.hpp"

namespace kafka_do::broker {
namespace {

using asio::ip::tcp;

constexpr size_t kSizePrefix = 4;
// Threads for appends. Many more than the cores on purpose: with --flush every-batch they mostly
// wait for fdatasync, and every append waiting for a partition's sync shares the next one, so
// the threads bound how many pipelined Produce requests can share a sync.
constexpr size_t kBlockingThreads = 16;

template <typename... Args>
void log_line(const char* format, Args... args) {
  std::fprintf(stderr, "kafkado serve: ");
  std::fprintf(stderr, format, args...);
  std::fputc('\n', stderr);
}

std::string describe(const tcp::socket& socket) {
  asio::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (ec) return "a client";
  return remote.address().to_string() + ":" + std::to_string(remote.port());
}

// One active wait of the Waiter: a timer that an append notification cuts short.
struct AppendWait {
  explicit AppendWait(asio::io_context& io) : timer(io) {}
  asio::steady_timer timer;
  std::vector<storage::AppendSubscription> subscriptions;
  std::function<void()> done;
  bool fired = false;
};

// One request of a connection, from its frame being read to its response being written.
struct Slot {
  size_t frame_bytes = 0;
  // The handler let the connection start its next request (handlers::Proceed), or answered.
  bool proceeded = false;
  bool answered = false;
  handlers::Reply::Kind kind = handlers::Reply::Kind::respond;
  // The size-prefixed response frame (kind respond), or why to close (kind close).
  std::string out;
};

// A live connection: a reader coroutine that reads and starts requests, and a writer that sends
// answered responses in request order. Only the io thread holds it: handlers answer through its
// id (Server::Impl::connections), so it is never destroyed on a handler's thread.
struct Connection {
  Connection(uint64_t id, Stream s, handlers::ConnectionAuth auth)
      : id(id),
        stream(std::move(s)),
        peer(describe(stream.socket())),
        auth(std::move(auth)),
        wake(stream.socket().get_executor()) {}
  const uint64_t id;
  Stream stream;
  const std::string peer;
  handlers::ConnectionAuth auth;
  // Requests read and not yet written, oldest first.
  std::deque<std::shared_ptr<Slot>> slots;
  size_t in_flight_bytes = 0;
  // Cancels the reader; emitted by stop() only while the reader waits for a new request (or
  // for room to read one), so a request being read always gets its response.
  asio::cancellation_signal cancel;
  bool waiting_for_request = true;
  // The reader waits on this for a slot to proceed or to be written; cancel() wakes it.
  asio::steady_timer wake;
  bool reader_done = false;
  bool writing = false;
  // An answer asked to close (a malformed request): nothing after it is read or written.
  bool closing = false;
  bool closed = false;
  // For the limits' sweep (Server::Impl::sweep): when the connection opened, when it last read
  // a whole request or wrote a response, and when the frame being read had its size read.
  using Clock = std::chrono::steady_clock;
  Clock::time_point opened = Clock::now();
  Clock::time_point last_activity = opened;
  std::optional<Clock::time_point> frame_started;
  bool handshake_done = false;
  // A quota's throttle: nothing more is read before this time (Kafka mutes the channel).
  Clock::time_point muted_until{};
};

// "Each limit logs once per offender": at most one line a minute per limit and client address,
// with how many were closed in between.
class LimitLog {
 public:
  void closed(const std::string& limit, const std::string& address, const std::string& line) {
    auto& entry = entries_[limit + " " + address];
    const auto now = std::chrono::steady_clock::now();
    ++entry.suppressed;
    if (entry.logged && now - *entry.logged < std::chrono::minutes(1)) return;
    log_line(
        "%s%s", line.c_str(),
        entry.suppressed > 1
            ? (" (" + std::to_string(entry.suppressed) + " connections in the last minute)").c_str()
            : "");
    entry.logged = now;
    entry.suppressed = 0;
  }

 private:
  struct Entry {
    std::optional<std::chrono::steady_clock::time_point> logged;
    size_t suppressed = 0;
  };
  std::map<std::string, Entry> entries_;
};

// An acceptor and what its connections are: TLS or not, PLAIN offered or not.
struct Listener {
  explicit Listener(asio::io_context& io) : acceptor(io) {}
  tcp::acceptor acceptor;
  bool tls = false;
  bool plain_auth_allowed = true;
};

bool is_loopback(const std::string& host) {
  asio::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

}  // namespace

struct Server::Impl final : handlers::Waiter {
  Impl(Broker& broker, ServerOptions options) : broker(broker), options(std::move(options)) {}

  Broker& broker;
  const ServerOptions options;
  asio::io_context io{1};
  // The main listener first; then the plaintext one beside a TLS listener.
  std::vector<std::unique_ptr<Listener>> listeners;
  // What new TLS connections use; a reload replaces it (io thread only).
  std::shared_ptr<asio::ssl::context> tls_context;
  std::map<uint64_t, std::shared_ptr<Connection>> connections;
  std::map<std::string, size_t> connections_per_address;
  LimitLog limit_log;
  asio::steady_timer sweep_timer{io};
  uint64_t next_connection_id = 0;
  // Long-poll waits in progress, cut short by stop().
  std::set<std::shared_ptr<AppendWait>> waits;
  std::atomic<bool> stopping = false;  // read by handlers on workers (shutting_down())

  Status add_listener(const std::string& host, uint16_t port, bool tls, std::string_view flag);
  asio::awaitable<void> listen(Listener& listener);
  bool over_connection_limits(const std::string& address);
  void sweep();
  asio::awaitable<void> read_requests(std::shared_ptr<Connection> connection);
  asio::awaitable<bool> handshake(Connection& connection);
  bool take_sasl_token(const std::shared_ptr<Connection>& connection, std::string_view frame);
  bool may_read_next(const Connection& connection) const;
  void start(const std::shared_ptr<Connection>& connection, const protocol::RequestFrame& frame,
             size_t frame_bytes);
  void answer(const std::shared_ptr<Connection>& connection, Slot& slot, std::string out);
  void write_answered(const std::shared_ptr<Connection>& connection);
  void close(const std::shared_ptr<Connection>& connection);
  void stop();

  void wait_for_append(std::vector<Watch> watches, std::chrono::milliseconds timeout,
                       std::function<void()> done) override;
  void run_blocking(std::function<void()> work) override;
  bool shutting_down() const override { return stopping; }

  // Declared after `io`, so destroyed (joined) before it: its tasks post answers to `io`.
  asio::thread_pool blocking_pool{kBlockingThreads};
};

void Server::Impl::run_blocking(std::function<void()> work) {
  asio::post(blocking_pool, std::move(work));
}

Status Server::Impl::add_listener(const std::string& host, uint16_t port, bool tls,
                                  std::string_view flag) {
  auto listener = std::make_unique<Listener>(io);
  KD_TRY(open_listener(listener->acceptor, host, port, flag));
  listener->tls = tls;
  listener->plain_auth_allowed = tls || options.allow_plaintext_auth.value_or(is_loopback(host));
  listeners.push_back(std::move(listener));
  return {};
}

asio::awaitable<void> Server::Impl::listen(Listener& listener) {
  tcp::acceptor& acceptor = listener.acceptor;
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kAsTuple);
    if (stopping || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // Usually fd exhaustion; back off instead of spinning on the same error.
      log_line("accept failed: %s", ec.message().c_str());
      asio::steady_timer backoff(io, std::chrono::milliseconds(100));
      co_await backoff.async_wait(kAsTuple);
      continue;
    }
    asio::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);  // responses are small and latency-bound
    handlers::ConnectionAuth auth(listener.plain_auth_allowed, listener.tls);
    {
      asio::error_code remote_ec;
      const auto remote = socket.remote_endpoint(remote_ec);
      if (!remote_ec) auth.host = remote.address().to_string();
    }
    if (over_connection_limits(auth.host)) {
      socket.close(ignored);
      continue;
    }
    ++connections_per_address[auth.host];
    auto connection = std::make_shared<Connection>(
        next_connection_id++,
        listener.tls ? Stream(std::move(socket), tls_context) : Stream(std::move(socket)),
        std::move(auth));
    connections.emplace(connection->id, connection);
    if (broker.metrics != nullptr) broker.metrics->connection_opened();
    asio::co_spawn(io, read_requests(connection),
                   asio::bind_cancellation_slot(connection->cancel.slot(),
                                                [this, connection](std::exception_ptr error) {
                                                  if (error) {
                                                    try {
                                                      std::rethrow_exception(error);
                                                    } catch (const std::exception& e) {
                                                      log_line("connection failed: %s", e.what());
                                                    }
                                                  }
                                                  connection->reader_done = true;
                                                  // Writes what is answered and closes once nothing
                                                  // is left in flight.
                                                  write_answered(connection);
                                                }));
  }
}

bool Server::Impl::may_read_next(const Connection& c) const {
  if (c.slots.empty()) return true;
  return c.slots.back()->proceeded && c.slots.size() < options.max_in_flight_requests &&
         c.in_flight_bytes < options.max_in_flight_bytes;
}

// The TLS handshake of a connection on a TLS listener; false (after one log line) when it fails.
asio::awaitable<bool> Server::Impl::handshake(Connection& c) {
  if (!c.stream.tls()) co_return true;
  auto [ec] = co_await c.stream.handshake();
  if (!ec) co_return true;
  if (!stopping && ec != asio::error::operation_aborted) {
    std::string reason = ec.message();
    if (reason.find("wrong version number") != std::string::npos ||
        reason.find("http request") != std::string::npos) {
      reason = "not TLS on the TLS listener (" + reason + ")";
    } else {
      reason = "TLS handshake failed: " + reason;
    }
    log_line("closing %s: %s", c.peer.c_str(), reason.c_str());
  }
  co_return false;
}

// After SaslHandshake v0 a frame is a bare SASL token, answered by a bare size-prefixed token
// (the handshake's answer came first: the reader waits for each SASL request's answer). False
// when the exchange failed and the connection must close.
bool Server::Impl::take_sasl_token(const std::shared_ptr<Connection>& connection,
                                   std::string_view frame) {
  Connection& c = *connection;
  auto token = handlers::sasl_step(broker, c.auth, frame);
  if (!token) {
    log_line("closing %s: %s", c.peer.c_str(), token.error().message().c_str());
    return false;
  }
  std::string out(kSizePrefix, '\0');
  out += *token;
  put_be32(out.data(), uint32_t(token->size()));
  auto& slot = *c.slots.emplace_back(std::make_shared<Slot>());
  answer(connection, slot, std::move(out));
  return true;
}

asio::awaitable<void> Server::Impl::read_requests(std::shared_ptr<Connection> connection) {
  Connection& c = *connection;
  const std::string& peer = c.peer;
  char prefix[kSizePrefix];
  if (!co_await handshake(c)) co_return;
  c.handshake_done = true;
  while (!stopping && !c.closing && !c.closed) {
    c.waiting_for_request = true;
    if (c.muted_until > Connection::Clock::now()) {
      c.wake.expires_at(c.muted_until);
      co_await c.wake.async_wait(kAsTuple);
      continue;
    }
    if (!may_read_next(c)) {
      // Woken when a slot proceeds or is written (or by stop() and close()).
      c.wake.expires_at(asio::steady_timer::time_point::max());
      co_await c.wake.async_wait(kAsTuple);
      continue;
    }
    auto [read_ec, n] = co_await c.stream.read(asio::buffer(prefix));
    c.waiting_for_request = false;
    if (read_ec) co_return;  // closed by the client, or cut off by stop()
    c.frame_started = Connection::Clock::now();
    if (!c.stream.tls() && prefix[0] == 0x16 && prefix[1] == 0x03) {
      // A TLS record header (handshake, version 3.x) where a frame size should be.
      log_line("closing %s: a TLS handshake on the plaintext listener", peer.c_str());
      co_return;
    }
    const auto size = int32_t(get_be32(prefix));
    if (size < 0) {
      log_line("closing %s: negative request frame size %d", peer.c_str(), size);
      co_return;
    }
    if (size_t(size) > options.max_frame_bytes) {
      log_line("closing %s: request frame of %d bytes is over the %zu byte limit", peer.c_str(),
               size, options.max_frame_bytes);
      co_return;
    }
    // Not zero-filled first: the read overwrites every byte, and zeroing was ~3 % of the
    // broker's CPU producing 1 KiB records. The handler copies what it keeps (RequestContext).
    const auto frame_bytes = std::make_unique_for_overwrite<char[]>(size_t(size));
    const std::string_view frame(frame_bytes.get(), size_t(size));
    auto [body_ec, m] = co_await c.stream.read(asio::buffer(frame_bytes.get(), size_t(size)));
    c.frame_started.reset();
    c.last_activity = Connection::Clock::now();
    if (body_ec) {
      // A frame cut short is a client bug or a crash mid-request: worth one line.
      if (!stopping && !c.closed) {
        log_line("closing %s: connection ended after %zu of %d request frame bytes", peer.c_str(),
                 m, size);
      }
      co_return;
    }
    if (c.auth.raw_tokens && c.auth.stage == handlers::ConnectionAuth::Stage::handshaken) {
      if (!take_sasl_token(connection, frame)) co_return;
      continue;
    }
    auto request = protocol::decode_request_header(frame);
    if (!request) {
      log_line("closing %s: %s", peer.c_str(), request.error().message().c_str());
      co_return;
    }
    start(connection, *request, frame.size());
  }
}

// Dispatches one request. Its handler may answer and proceed from any thread, now or later: both
// are posted back to the io thread, which alone touches the connection.
void Server::Impl::start(const std::shared_ptr<Connection>& connection,
                         const protocol::RequestFrame& frame, size_t frame_bytes) {
  auto slot = std::make_shared<Slot>();
  slot->frame_bytes = frame_bytes;
  connection->slots.push_back(slot);
  connection->in_flight_bytes += frame_bytes;
  // A tracked executor counts as outstanding work while an answer is pending, so run() cannot
  // return (and the io_context go away) under a handler that answers later, e.g. a JoinGroup
  // completed by the coordinator's timer thread.
  auto work = asio::require(io.get_executor(), asio::execution::outstanding_work.tracked);
  const uint64_t id = connection->id;
  handlers::Proceed proceed = [this, id, slot, work] {
    asio::post(io, [this, id, slot] {
      slot->proceeded = true;
      if (auto it = connections.find(id); it != connections.end()) it->second->wake.cancel();
    });
  };
  const protocol::RequestHeader header = frame.header;
  handlers::Respond respond = [this, id, slot, work, header,
                               started = std::chrono::steady_clock::now()](handlers::Reply reply) {
    asio::post(io, [this, id, slot, header, started, reply = std::move(reply)]() mutable {
      if (broker.metrics != nullptr) {
        broker.metrics->request_done(
            header.request_api_key,
            reply.kind == handlers::Reply::Kind::close ? BrokerMetrics::kClosed : reply.error_code,
            std::chrono::steady_clock::now() - started);
      }
      auto it = connections.find(id);
      if (it == connections.end()) return;  // closed meanwhile: nobody to answer
      const std::shared_ptr<Connection> connection = it->second;
      slot->kind = reply.kind;
      if (reply.throttle_ms > 0) {
        connection->muted_until =
            std::max(connection->muted_until,
                     Connection::Clock::now() + std::chrono::milliseconds(reply.throttle_ms));
      }
      if (reply.kind != handlers::Reply::Kind::respond) {
        // The reason to close, or nothing to write (acks=0).
        return answer(connection, *slot, std::move(reply.body));
      }
      std::string out(kSizePrefix, '\0');
      ByteWriter writer(out);
      protocol::encode_response_header(writer, header.request_api_key, header.request_api_version,
                                       header.correlation_id);
      writer.bytes(reply.body);
      put_be32(out.data(), uint32_t(out.size() - kSizePrefix));
      answer(connection, *slot, std::move(out));
    });
  };
  const handlers::RequestContext ctx{broker,       *this,      connection->auth,
                                     frame.header, frame.body, std::move(proceed)};
  handlers::dispatch(ctx, std::move(respond));
}

void Server::Impl::answer(const std::shared_ptr<Connection>& connection, Slot& slot,
                          std::string out) {
  slot.out = std::move(out);
  slot.answered = true;
  slot.proceeded = true;
  if (slot.kind == handlers::Reply::Kind::close) connection->closing = true;
  connection->wake.cancel();
  write_answered(connection);
}

// Writes the answered responses at the head of the connection, all in one write, then looks
// again; closes the connection at a close answer, on a write error, or once the reader has ended
// and nothing is left.
void Server::Impl::write_answered(const std::shared_ptr<Connection>& connection) {
  Connection& c = *connection;
  if (c.writing || c.closed) return;
  std::vector<asio::const_buffer> buffers;
  size_t count = 0;
  for (const auto& slot : c.slots) {
    if (!slot->answered) break;
    if (slot->kind == handlers::Reply::Kind::close) {
      if (count == 0) {
        log_line("closing %s: %s", c.peer.c_str(), slot->out.c_str());
        return close(connection);
      }
      break;  // after the responses before it
    }
    if (!slot->out.empty()) buffers.push_back(asio::buffer(slot->out));
    ++count;
  }
  if (count == 0) {
    if (c.slots.empty() && c.reader_done) close(connection);
    return;
  }
  const auto written = [this, connection, count](const asio::error_code& ec, size_t) {
    Connection& c = *connection;
    c.writing = false;
    if (ec) return close(connection);
    c.last_activity = Connection::Clock::now();
    for (size_t i = 0; i < count; ++i) {
      c.in_flight_bytes -= c.slots.front()->frame_bytes;
      c.slots.pop_front();
    }
    c.wake.cancel();
    write_answered(connection);
  };
  if (buffers.empty()) return written({}, 0);  // only acks=0 answers: nothing to send
  c.writing = true;
  c.stream.write(buffers, written);
}

// Ends the connection: the reader's pending read fails and ends it; answers still to come are
// dropped.
void Server::Impl::close(const std::shared_ptr<Connection>& connection) {
  Connection& c = *connection;
  if (c.closed) return;
  c.closed = true;
  c.stream.close();
  if (auto it = connections_per_address.find(c.auth.host); it != connections_per_address.end()) {
    if (--it->second == 0) connections_per_address.erase(it);
  }
  c.wake.cancel();
  connections.erase(c.id);
  if (broker.metrics != nullptr) broker.metrics->connection_closed();
}

void Server::Impl::stop() {
  if (stopping) return;
  stopping = true;
  asio::error_code ignored;
  for (const auto& listener : listeners) listener->acceptor.close(ignored);
  sweep_timer.cancel();
  for (const auto& [id, connection] : std::map(connections)) {
    if (connection->waiting_for_request) {
      connection->cancel.emit(asio::cancellation_type::terminal);
    }
  }
  // Requests that wait on something else get their answer now rather than after their timeout:
  // a long-poll Fetch answers with what it has; a JoinGroup or SyncGroup waiting for a
  // rebalance (up to minutes) gets COORDINATOR_NOT_AVAILABLE and rejoins after the restart.
  for (const auto& wait : std::set(waits)) wait->timer.cancel();
  if (broker.groups != nullptr) broker.groups->abort_pending();
}

bool Server::Impl::over_connection_limits(const std::string& address) {
  if (connections.size() >= options.max_connections) {
    limit_log.closed("max-connections", "",
                     "closing new connections: " + std::to_string(connections.size()) +
                         " are open, the --max-connections limit (latest from " + address + ")");
    return true;
  }
  auto it = connections_per_address.find(address);
  if (it != connections_per_address.end() && it->second >= options.max_connections_per_address) {
    limit_log.closed("max-connections-per-ip", address,
                     "closing new connections from " + address + ": " + std::to_string(it->second) +
                         " are open, the --max-connections-per-ip limit");
    return true;
  }
  return false;
}

// Closes the connections past a time limit, then runs again a fraction of the shortest limit
// later (so a limit is enforced within about a quarter of itself).
void Server::Impl::sweep() {
  const auto now = Connection::Clock::now();
  std::vector<std::pair<std::shared_ptr<Connection>, std::string>> expired;
  for (const auto& [id, connection] : connections) {
    const Connection& c = *connection;
    const bool authenticated =
        c.handshake_done &&
        (broker.keys == nullptr || c.auth.stage == handlers::ConnectionAuth::Stage::authenticated);
    if (!authenticated && now - c.opened > options.authentication_timeout) {
      expired.emplace_back(connection, "authentication-timeout");
    } else if (c.frame_started && now - *c.frame_started > options.request_read_timeout) {
      expired.emplace_back(connection, "request-read-timeout");
    } else if (c.waiting_for_request && c.slots.empty() &&
               now - c.last_activity > options.idle_timeout) {
      expired.emplace_back(connection, "connections-max-idle-ms");
    }
  }
  for (const auto& [connection, limit] : expired) {
    const std::string what =
        limit == "authentication-timeout"
            ? "did not finish authenticating within --authentication-timeout-ms"
        : limit == "request-read-timeout"
            ? "took longer than --request-read-timeout-ms to send a request"
            : "were idle longer than --connections-max-idle-ms";
    limit_log.closed(limit, connection->auth.host,
                     "closing connections from " + connection->auth.host + " that " + what);
    close(connection);
  }
  const auto shortest = std::min(
      {options.authentication_timeout, options.request_read_timeout, options.idle_timeout});
  const auto period = std::clamp<std::chrono::milliseconds>(
      shortest / 4, std::chrono::milliseconds(10), std::chrono::seconds(1));
  sweep_timer.expires_after(period);
  sweep_timer.async_wait([this](const asio::error_code& ec) {
    if (!ec && !stopping) sweep();
  });
}

void Server::Impl::wait_for_append(std::vector<Watch> watches, std::chrono::milliseconds timeout,
                                   std::function<void()> done) {
  if (!io.get_executor().running_in_this_thread()) {
    // From a worker (a fetch that read there): the wait's timer and bookkeeping are the io
    // thread's.
    asio::post(io, [this, watches = std::move(watches), timeout, done = std::move(done)]() mutable {
      wait_for_append(std::move(watches), timeout, std::move(done));
    });
    return;
  }
  auto wait = std::make_shared<AppendWait>(io);
  wait->done = std::move(done);
  wait->timer.expires_after(stopping ? std::chrono::milliseconds(0) : timeout);
  waits.insert(wait);
  bool moved = false;
  for (const Watch& watch : watches) {
    // Runs on the appending thread: only hand the wake-up over to the io thread.
    wait->subscriptions.push_back(
        watch.log->on_append([wait, executor = io.get_executor()](int64_t) {
          asio::post(executor, [wait] { wait->timer.cancel(); });
        }));
    // An append between the caller's read and the subscription above sent no notification.
    moved = moved || watch.log->high_watermark() != watch.seen_high_watermark;
  }
  if (moved) wait->timer.expires_after(std::chrono::milliseconds(0));
  wait->timer.async_wait([this, wait](const asio::error_code&) {
    if (wait->fired) return;
    wait->fired = true;
    waits.erase(wait);
    // Dropping the subscriptions also breaks the log -> listener -> wait reference cycle.
    wait->subscriptions.clear();
    auto done = std::move(wait->done);
    done();
  });
}

Result<std::unique_ptr<Server>> Server::create(Broker& broker, ServerOptions options) {
  if (options.plaintext_host && !options.tls) {
    return Error(Errc::invalid_argument,
                 "a plaintext listener beside the main one needs TLS on it");
  }
  auto impl = std::make_unique<Impl>(broker, std::move(options));
  const ServerOptions& o = impl->options;
  if (o.tls) {
    KD_ASSIGN(impl->tls_context, make_tls_context(*o.tls));
  }
  KD_TRY(impl->add_listener(o.listen_host, o.listen_port, o.tls.has_value(), ""));
  if (o.plaintext_host) {
    KD_TRY(impl->add_listener(*o.plaintext_host, o.plaintext_port, false, " (--plaintext-listen)"));
  }
  return std::make_unique<Server>(std::move(impl));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

uint16_t Server::port() const {
  asio::error_code ec;
  return impl_->listeners.front()->acceptor.local_endpoint(ec).port();
}

uint16_t Server::plaintext_port() const {
  if (impl_->listeners.size() < 2) return 0;
  asio::error_code ec;
  return impl_->listeners[1]->acceptor.local_endpoint(ec).port();
}

Status Server::reload_tls() {
  if (!impl_->options.tls) return Error(Errc::invalid_argument, "this server has no TLS listener");
  KD_ASSIGN(auto context, make_tls_context(*impl_->options.tls));
  asio::post(impl_->io, [impl = impl_.get(), context = std::move(context)]() mutable {
    impl->tls_context = std::move(context);
  });
  return {};
}

void Server::run() {
  for (const auto& listener : impl_->listeners) {
    asio::co_spawn(impl_->io, impl_->listen(*listener), [](std::exception_ptr error) {
      if (!error) return;
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        log_line("listener failed: %s", e.what());
      }
    });
  }
  impl_->sweep();
  impl_->io.run();
}

void Server::request_stop() {
  asio::post(impl_->io, [impl = impl_.get()] { impl->stop(); });
}

}  // namespace kafka_do::broker
