#include "broker/net/http_server.hpp"

// GCC 12 reports Asio's coroutine frames (allocated and freed by Asio's own operator new/delete
// pair) as mismatched once a coroutine holds a local with a destructor, as serve() does.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <cstdio>
#include <list>
#include <thread>

#include "broker/net/listen.hpp"

namespace kafka_do::broker {
namespace {

using asio::ip::tcp;
constexpr auto kAsTuple = asio::experimental::as_tuple(asio::use_awaitable);
constexpr size_t kMaxHeaderBytes = 64 << 10;
// A streamed response with nothing to say writes a comment this often, which also finds out
// that a client has gone (the write fails).
constexpr auto kStreamKeepalive = std::chrono::seconds(10);

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Parses the request line and headers (`head` ends before the blank line). False if malformed.
bool parse_head(std::string_view head, HttpRequest& request, std::string& version) {
  auto line_end = head.find("\r\n");
  std::string_view line = head.substr(0, line_end);
  const auto sp1 = line.find(' ');
  const auto sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) return false;
  request.method = std::string(line.substr(0, sp1));
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  version = std::string(line.substr(sp2 + 1));
  if (version.rfind("HTTP/1.", 0) != 0 || target.empty() || target.front() != '/') return false;
  const auto question = target.find('?');
  request.raw_path = std::string(target.substr(0, question));
  request.path = percent_decode(request.raw_path, false);
  if (question != std::string_view::npos) {
    std::string_view query = target.substr(question + 1);
    while (!query.empty()) {
      const auto amp = query.find('&');
      const std::string_view pair = query.substr(0, amp);
      const auto eq = pair.find('=');
      if (!pair.empty()) {
        request.query[percent_decode(pair.substr(0, eq), true)] =
            eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1), true);
      }
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  while (line_end != std::string_view::npos) {
    head.remove_prefix(line_end + 2);
    line_end = head.find("\r\n");
    line = head.substr(0, line_end);
    if (line.empty()) continue;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    request.headers[lower(line.substr(0, colon))] = std::string(trim(line.substr(colon + 1)));
  }
  return true;
}

std::string response_head(const HttpResponse& response, bool keep_alive, bool streamed) {
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " + reason(response.status) +
                    "\r\nContent-Type: " + response.content_type +
                    "\r\nX-Content-Type-Options: nosniff\r\n";
  for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
  if (streamed) {
    out += "Cache-Control: no-cache\r\nConnection: close\r\n\r\n";
  } else {
    out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
    out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  }
  return out;
}

}  // namespace

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out.push_back(char(hex(text[i + 1]) * 16 + hex(text[i + 2])));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

struct HttpServer::Impl {
  Impl(HttpHandler handler, HttpServerOptions options)
      : handler(std::move(handler)), options(std::move(options)), acceptor(io) {}

  HttpHandler handler;
  const HttpServerOptions options;
  asio::io_context io{1};
  tcp::acceptor acceptor;
  std::list<tcp::socket*> sockets;  // open connections, closed by stop()
  bool stopping = false;
  std::thread thread;

  asio::awaitable<void> listen();
  asio::awaitable<void> serve(tcp::socket socket);
  asio::awaitable<void> stream(tcp::socket& socket, HttpResponse& response);
  HttpResponse call(const HttpRequest& request);
};

HttpResponse HttpServer::Impl::call(const HttpRequest& request) {
  try {
    return handler(request);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kafkado serve: http %s %s failed: %s\n", request.method.c_str(),
                 request.path.c_str(), e.what());
    return HttpResponse::text(500, std::string("internal error: ") + e.what() + "\n");
  }
}

asio::awaitable<void> HttpServer::Impl::listen() {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kAsTuple);
    if (stopping || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      asio::steady_timer backoff(io, std::chrono::milliseconds(100));
      co_await backoff.async_wait(kAsTuple);
      continue;
    }
    asio::co_spawn(io, serve(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> HttpServer::Impl::serve(tcp::socket socket) {
  sockets.push_back(&socket);
  const auto self = std::prev(sockets.end());
  struct Forget {
    std::list<tcp::socket*>& sockets;
    std::list<tcp::socket*>::iterator it;
    ~Forget() { sockets.erase(it); }
  } forget{sockets, self};

  std::string buffer;
  while (!stopping) {
    auto [ec, head_end] = co_await asio::async_read_until(
        socket, asio::dynamic_buffer(buffer, kMaxHeaderBytes), "\r\n\r\n", kAsTuple);
    if (ec) {
      if (ec == asio::error::not_found) {
        const std::string out = response_head(HttpResponse::text(431, ""), false, false);
        co_await asio::async_write(socket, asio::buffer(out), kAsTuple);
      }
      co_return;
    }
    HttpRequest request;
    std::string version;
    HttpResponse response;
    bool keep_alive = false;
    if (!parse_head(std::string_view(buffer).substr(0, head_end - 2), request, version)) {
      response = HttpResponse::text(400, "malformed HTTP request\n");
    } else {
      const std::string* connection = request.header("connection");
      keep_alive = version == "HTTP/1.1" ? !(connection && lower(*connection) == "close")
                                         : (connection && lower(*connection) == "keep-alive");
      const std::string* length = request.header("content-length");
      size_t body_bytes = 0;
      bool body_ok = true;
      if (request.header("transfer-encoding") != nullptr) {
        response = HttpResponse::text(411, "send a Content-Length body, not a chunked one\n");
        body_ok = false;
      } else if (length != nullptr) {
        char* end = nullptr;
        const unsigned long long n = std::strtoull(length->c_str(), &end, 10);
        if (end == length->c_str() || *end != '\0') {
          response = HttpResponse::text(400, "bad Content-Length\n");
          body_ok = false;
        } else if (n > options.max_body_bytes) {
          response = HttpResponse::text(
              413, "request body over " + std::to_string(options.max_body_bytes) + " bytes\n");
          body_ok = false;
        } else {
          body_bytes = size_t(n);
        }
      }
      if (!body_ok) {
        keep_alive = false;
      } else {
        buffer.erase(0, head_end);
        if (buffer.size() < body_bytes) {
          const size_t have = buffer.size();
          buffer.resize(body_bytes);
          auto [body_ec, m] = co_await asio::async_read(
              socket, asio::buffer(buffer.data() + have, body_bytes - have), kAsTuple);
          if (body_ec) co_return;
        }
        request.body = buffer.substr(0, body_bytes);
        buffer.erase(0, body_bytes);
        response = call(request);
      }
    }
    if (response.stream) {
      co_await stream(socket, response);
      co_return;
    }
    std::string out = response_head(response, keep_alive, false);
    if (request.method != "HEAD") out += response.body;
    auto [write_ec, w] = co_await asio::async_write(socket, asio::buffer(out), kAsTuple);
    if (write_ec || !keep_alive) co_return;
  }
}

asio::awaitable<void> HttpServer::Impl::stream(tcp::socket& socket, HttpResponse& response) {
  const std::string head = response_head(response, false, true);
  auto [head_ec, h] = co_await asio::async_write(socket, asio::buffer(head), kAsTuple);
  if (head_ec) co_return;
  asio::steady_timer timer(io);
  auto last_write = std::chrono::steady_clock::now();
  while (!stopping) {
    std::optional<std::string> chunk;
    try {
      chunk = response.stream();
    } catch (const std::exception& e) {
      chunk = std::string("event: error\ndata: ") + e.what() + "\n\n";
      response.stream = [] { return std::optional<std::string>(); };
    }
    if (!chunk) co_return;
    if (chunk->empty() && std::chrono::steady_clock::now() - last_write >= kStreamKeepalive) {
      *chunk = ": keepalive\n\n";
    }
    if (!chunk->empty()) {
      auto [ec, n] = co_await asio::async_write(socket, asio::buffer(*chunk), kAsTuple);
      if (ec) co_return;
      last_write = std::chrono::steady_clock::now();
    }
    timer.expires_after(options.stream_poll);
    co_await timer.async_wait(kAsTuple);
  }
}

Result<std::unique_ptr<HttpServer>> HttpServer::create(HttpHandler handler,
                                                       HttpServerOptions options) {
  auto impl = std::make_unique<Impl>(std::move(handler), std::move(options));
  KD_TRY(open_listener(impl->acceptor, impl->options.listen_host, impl->options.listen_port,
                       " (--http)"));
  return std::make_unique<HttpServer>(std::move(impl));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { stop(); }

uint16_t HttpServer::port() const {
  asio::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void HttpServer::start() {
  asio::co_spawn(impl_->io, impl_->listen(), asio::detached);
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

void HttpServer::stop() {
  if (!impl_->thread.joinable()) return;
  asio::post(impl_->io, [impl = impl_.get()] {
    impl->stopping = true;
    asio::error_code ignored;
    impl->acceptor.close(ignored);
    for (tcp::socket* socket : impl->sockets) socket->close(ignored);
  });
  impl_->thread.join();
}

}  // namespace kafka_do::broker
