#pragma once
// A connection's byte stream: a TCP socket, or TLS over one. The reader and writer of
// server.cpp go through it and do not care which. Inside net/ only (it includes Asio).

#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ssl.hpp>
#include <memory>
#include <optional>

namespace kafka_do::broker {

// Asio 1.22 has no default completion token for coroutines: pass one explicitly. as_tuple turns
// errors into values, because a closed connection is the normal end of a session.
constexpr auto kAsTuple = asio::experimental::as_tuple(asio::use_awaitable);

class Stream {
 public:
  using Tls = asio::ssl::stream<asio::ip::tcp::socket>;

  explicit Stream(asio::ip::tcp::socket socket) : plain_(std::move(socket)) {}
  // TLS with `context`, kept alive as long as the stream (a reload replaces the server's).
  Stream(asio::ip::tcp::socket socket, std::shared_ptr<asio::ssl::context> context)
      : context_(std::move(context)), tls_(std::make_unique<Tls>(std::move(socket), *context_)) {}

  bool tls() const { return tls_ != nullptr; }
  asio::ip::tcp::socket& socket() { return tls_ ? tls_->next_layer() : *plain_; }
  const asio::ip::tcp::socket& socket() const { return tls_ ? tls_->next_layer() : *plain_; }

  // The server side of the TLS handshake (nothing to do in plaintext).
  asio::awaitable<std::tuple<asio::error_code>> handshake() {
    return tls_->async_handshake(asio::ssl::stream_base::server, kAsTuple);
  }

  // Reads exactly buffer_size(buffers) bytes.
  template <typename Buffers>
  asio::awaitable<std::tuple<asio::error_code, size_t>> read(const Buffers& buffers) {
    if (tls_) return asio::async_read(*tls_, buffers, kAsTuple);
    return asio::async_read(*plain_, buffers, kAsTuple);
  }

  template <typename Buffers, typename Handler>
  void write(const Buffers& buffers, Handler&& handler) {
    if (tls_) return asio::async_write(*tls_, buffers, std::forward<Handler>(handler));
    asio::async_write(*plain_, buffers, std::forward<Handler>(handler));
  }

  // Closes the socket; a TLS close_notify is not waited for (the peer may be gone).
  void close() {
    asio::error_code ignored;
    socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
  }

 private:
  std::optional<asio::ip::tcp::socket> plain_;
  std::shared_ptr<asio::ssl::context> context_;
  std::unique_ptr<Tls> tls_;
};

}  // namespace kafka_do::broker
