#pragma once
// The broker's network front: accepts connections and runs one coroutine per connection that
// reads 4-byte length-prefixed request frames and hands them to the handlers, and writes the
// responses back in request order. Requests are pipelined: the next one is read and started as
// soon as the previous one allows it (handlers::Proceed), so a producer's in-flight Produce
// requests are written in order and then share fdatasyncs. Asio lives only behind this header
// (pimpl), so the rest of the tree compiles without it.
//
// A listener speaks TLS when the server has certificates (a second, plaintext listener may sit
// beside it); bytes that are not TLS on a TLS listener, or a TLS hello on a plaintext one, close
// that connection with one log line.
//
// Threading: everything runs on one io thread, the one that calls run(). request_stop() may be
// called from any thread.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/result.hpp"
#include "broker/broker.hpp"

namespace kafka_do::broker {

// PEM files of a TLS listener (see docs/security.md).
struct TlsOptions {
  std::string cert_file;       // the certificate chain, the server's first
  std::string key_file;        // its private key (unencrypted)
  std::string client_ca_file;  // "" = no client certificates; else mutual TLS with this CA
};

struct ServerOptions {
  // Address to listen on; port 0 picks a free port (see Server::port()). With `tls` it speaks
  // TLS.
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 9092;
  std::optional<TlsOptions> tls;
  // A plaintext listener beside the TLS one (only with `tls`).
  std::optional<std::string> plaintext_host;
  uint16_t plaintext_port = 0;
  // Whether SASL/PLAIN (the secret in clear) is offered on a plaintext listener; unset: only
  // when it listens on a loopback address. TLS listeners always offer it.
  std::optional<bool> allow_plaintext_auth;
  // Largest request frame accepted. Checked against the size prefix before the body is read,
  // so a hostile or confused client cannot make the broker allocate more than this.
  // Kafka's socket.request.max.bytes is the same idea (default 100 MiB).
  size_t max_frame_bytes = size_t(100) << 20;
  // Requests of one connection read and not yet answered (Kafka's clients send up to 5 by
  // default), and the request bytes they may hold together: a connection stops reading when
  // either is reached. One request is always allowed, whatever its size.
  size_t max_in_flight_requests = 16;
  size_t max_in_flight_bytes = size_t(16) << 20;
  // Connections open at once, in all and from one client address (Kafka's max.connections and
  // max.connections.per.ip): a connection over either is closed as soon as it is accepted.
  size_t max_connections = 10000;
  size_t max_connections_per_address = 1000;
  // A connection with nothing in flight for this long is closed (connections.max.idle.ms).
  std::chrono::milliseconds idle_timeout = std::chrono::minutes(10);
  // The time a connection has to finish its TLS handshake and, when the broker has keys, its
  // SASL authentication; and the time a request frame, once its size has arrived, may take to
  // arrive whole. Both bound what a client that trickles bytes (slowloris) can hold.
  std::chrono::milliseconds authentication_timeout = std::chrono::seconds(10);
  std::chrono::milliseconds request_read_timeout = std::chrono::seconds(30);
};

class Server {
  struct Impl;

 public:
  // Binds and listens; fails with io_error when the address cannot be bound.
  static Result<std::unique_ptr<Server>> create(Broker& broker, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound ports (the real ones when 0 was asked for); plaintext_port() is 0 without that
  // listener.
  uint16_t port() const;
  uint16_t plaintext_port() const;

  // Rereads the TLS files: connections accepted from then on use them, open ones keep theirs.
  // Thread-safe. On failure (the message names the file) the certificates in use stay.
  Status reload_tls();

  // Serves until request_stop(): then stops accepting, lets requests in progress finish and
  // their responses go out, closes idle connections, and returns.
  void run();
  // Thread-safe; may be called before or during run().
  void request_stop();

  // Use create(); public only so that create() can use std::make_unique.
  explicit Server(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace kafka_do::broker
