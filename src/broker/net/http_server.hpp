#pragma once
// A small HTTP/1.1 server for the broker's HTTP side (`kafkado serve --http`): keep-alive,
// Content-Length bodies, streamed responses for server-sent events. It runs on its own thread
// so that a scrape or a console page reading old records never delays Kafka clients; handlers
// run on that thread one request at a time.
//
// Limits: request headers up to 64 KiB and bodies up to HttpServerOptions::max_body_bytes
// (431 / 413 otherwise); no chunked request bodies (411), no TLS (issue 14 adds it to both
// listeners).

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "base/result.hpp"
#include "broker/net/http.hpp"

namespace kafka_do::broker {

struct HttpServerOptions {
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 9644;
  size_t max_body_bytes = size_t(4) << 20;
  std::chrono::milliseconds stream_poll{200};
};

class HttpServer {
  struct Impl;

 public:
  // Binds and listens; io_error when the address cannot be bound.
  static Result<std::unique_ptr<HttpServer>> create(HttpHandler handler, HttpServerOptions options);
  // Stops (as stop()) if still running.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const;
  // Starts serving on a thread of its own.
  void start();
  // Closes the listener and every connection (streams included) and joins the thread.
  void stop();

  explicit HttpServer(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace kafka_do::broker
