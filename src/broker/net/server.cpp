#include "broker/net/server.hpp"

#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/thread_pool.hpp>
#include <cstdio>
#include <list>
#include <set>

#include "base/coding.hpp"
#include "broker/handlers/handler.hpp"
#include "broker/net/listen.hpp"
#include "protocol/headers.hpp"

namespace kafka_do::broker {
namespace {

using asio::ip::tcp;
// Asio 1.22 has no default completion token for coroutines: pass one explicitly. as_tuple turns
// errors into values, because a closed connection is the normal end of a session.
constexpr auto kAsTuple = asio::experimental::as_tuple(asio::use_awaitable);

constexpr size_t kSizePrefix = 4;
// Threads for appends. More than the cores on purpose: with --flush every-batch they mostly wait
// for fdatasync, and appenders to one partition waiting together share one sync.
constexpr size_t kBlockingThreads = 4;

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

}  // namespace

struct Server::Impl final : handlers::Waiter {
  // A live connection. Lives in `sessions` until its coroutine completes, so the cancellation
  // signal bound to the coroutine outlives it.
  struct Session {
    asio::cancellation_signal cancel;
    // True while waiting for the next request: the only state in which stop() cuts it off, so
    // a request being handled always gets its response.
    bool idle = true;
    handlers::ConnectionAuth auth;
  };

  Impl(Broker& broker, ServerOptions options)
      : broker(broker), options(std::move(options)), acceptor(io) {}

  Broker& broker;
  const ServerOptions options;
  asio::io_context io{1};
  tcp::acceptor acceptor;
  std::list<Session> sessions;
  // Long-poll waits in progress, cut short by stop().
  std::set<std::shared_ptr<AppendWait>> waits;
  bool stopping = false;

  asio::awaitable<void> listen();
  asio::awaitable<void> serve(tcp::socket socket, Session& session);
  asio::awaitable<handlers::Reply> handle(const protocol::RequestFrame& frame,
                                          handlers::ConnectionAuth& auth);
  void stop();

  void wait_for_append(std::vector<Watch> watches, std::chrono::milliseconds timeout,
                       std::function<void()> done) override;
  void run_blocking(std::function<void()> work) override;

  // Declared after `io`, so destroyed (joined) before it: its tasks post answers to `io`.
  asio::thread_pool blocking_pool{kBlockingThreads};
};

void Server::Impl::run_blocking(std::function<void()> work) {
  asio::post(blocking_pool, std::move(work));
}

asio::awaitable<void> Server::Impl::listen() {
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
    Session& session = sessions.emplace_back();
    auto it = std::prev(sessions.end());
    if (broker.metrics != nullptr) broker.metrics->connection_opened();
    asio::co_spawn(
        io, serve(std::move(socket), session),
        asio::bind_cancellation_slot(session.cancel.slot(), [this, it](std::exception_ptr error) {
          if (error) {
            try {
              std::rethrow_exception(error);
            } catch (const std::exception& e) {
              log_line("connection failed: %s", e.what());
            }
          }
          sessions.erase(it);
          if (broker.metrics != nullptr) broker.metrics->connection_closed();
        }));
  }
}

asio::awaitable<void> Server::Impl::serve(tcp::socket socket, Session& session) {
  const std::string peer = describe(socket);
  char prefix[kSizePrefix];
  while (!stopping) {
    session.idle = true;
    auto [read_ec, n] = co_await asio::async_read(socket, asio::buffer(prefix), kAsTuple);
    session.idle = false;
    if (read_ec) co_return;  // closed by the client, or cut off by stop()
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
    std::string frame(size_t(size), '\0');
    auto [body_ec, m] = co_await asio::async_read(socket, asio::buffer(frame), kAsTuple);
    if (body_ec) {
      // A frame cut short is a client bug or a crash mid-request: worth one line.
      if (!stopping) {
        log_line("closing %s: connection ended after %zu of %d request frame bytes", peer.c_str(),
                 m, size);
      }
      co_return;
    }
    if (session.auth.raw_tokens &&
        session.auth.stage == handlers::ConnectionAuth::Stage::handshaken) {
      // After SaslHandshake v0 the frame is a bare SASL/PLAIN token; success is an empty token.
      Status authenticated = handlers::authenticate_plain(broker, session.auth, frame);
      if (!authenticated) {
        log_line("closing %s: %s", peer.c_str(), authenticated.error().message().c_str());
        co_return;
      }
      char empty_token[kSizePrefix] = {};
      auto [write_ec, w] = co_await asio::async_write(socket, asio::buffer(empty_token), kAsTuple);
      if (write_ec) co_return;
      continue;
    }
    auto request = protocol::decode_request_header(frame);
    if (!request) {
      log_line("closing %s: %s", peer.c_str(), request.error().message().c_str());
      co_return;
    }
    const auto started = std::chrono::steady_clock::now();
    handlers::Reply reply = co_await handle(*request, session.auth);
    if (broker.metrics != nullptr) {
      broker.metrics->request_done(
          request->header.request_api_key,
          reply.kind == handlers::Reply::Kind::close ? BrokerMetrics::kClosed : reply.error_code,
          std::chrono::steady_clock::now() - started);
    }
    if (reply.kind == handlers::Reply::Kind::close) {
      log_line("closing %s: %s", peer.c_str(), reply.body.c_str());
      co_return;
    }
    if (reply.kind == handlers::Reply::Kind::none) continue;

    const protocol::RequestHeader& header = request->header;
    std::string out(kSizePrefix, '\0');
    ByteWriter writer(out);
    protocol::encode_response_header(writer, header.request_api_key, header.request_api_version,
                                     header.correlation_id);
    writer.bytes(reply.body);
    put_be32(out.data(), uint32_t(out.size() - kSizePrefix));
    // One request at a time per connection keeps responses in request order; pipelined
    // requests wait in the socket buffer meanwhile (Kafka itself mutes a connection the same way).
    auto [write_ec, w] = co_await asio::async_write(socket, asio::buffer(out), kAsTuple);
    if (write_ec) co_return;
  }
}

asio::awaitable<handlers::Reply> Server::Impl::handle(const protocol::RequestFrame& frame,
                                                      handlers::ConnectionAuth& auth) {
  // Bridges the handlers' callback into this coroutine. The callback may run later (a Fetch
  // long-poll), so the completion is posted back to the connection's executor.
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(handlers::Reply)>(
      [this, &frame, &auth](auto completion) {
        auto shared = std::make_shared<decltype(completion)>(std::move(completion));
        // A tracked executor counts as outstanding work while the callback is pending, so
        // run() cannot return (and the io_context go away) under a handler that answers
        // later, e.g. a JoinGroup completed by the coordinator's timer thread.
        auto work = asio::require(io.get_executor(), asio::execution::outstanding_work.tracked);
        auto executor = asio::get_associated_executor(*shared, io.get_executor());
        const handlers::RequestContext ctx{broker, *this, auth, frame.header, frame.body};
        handlers::dispatch(ctx, [shared, executor, work](handlers::Reply reply) {
          asio::post(executor, [shared, reply = std::move(reply)]() mutable {
            std::move (*shared)(std::move(reply));
          });
        });
      },
      asio::use_awaitable);
}

void Server::Impl::stop() {
  if (stopping) return;
  stopping = true;
  asio::error_code ignored;
  acceptor.close(ignored);
  for (Session& session : sessions) {
    if (session.idle) session.cancel.emit(asio::cancellation_type::terminal);
  }
  // Requests that wait on something else get their answer now rather than after their timeout:
  // a long-poll Fetch answers with what it has; a JoinGroup or SyncGroup waiting for a
  // rebalance (up to minutes) gets COORDINATOR_NOT_AVAILABLE and rejoins after the restart.
  for (const auto& wait : std::set(waits)) wait->timer.cancel();
  if (broker.groups != nullptr) broker.groups->abort_pending();
}

void Server::Impl::wait_for_append(std::vector<Watch> watches, std::chrono::milliseconds timeout,
                                   std::function<void()> done) {
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
  auto impl = std::make_unique<Impl>(broker, std::move(options));
  KD_TRY(open_listener(impl->acceptor, impl->options.listen_host, impl->options.listen_port));
  return std::make_unique<Server>(std::move(impl));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

uint16_t Server::port() const {
  asio::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void Server::run() {
  asio::co_spawn(impl_->io, impl_->listen(), [](std::exception_ptr error) {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      log_line("listener failed: %s", e.what());
    }
  });
  impl_->io.run();
}

void Server::request_stop() {
  asio::post(impl_->io, [impl = impl_.get()] { impl->stop(); });
}

}  // namespace kafka_do::broker
