#pragma once
// HTTP requests and responses as the broker's HTTP side (/metrics, the console and its JSON API)
// sees them; the transport (net/http_server.cpp) is the only code that knows sockets.

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kafka_do::broker {

struct HttpRequest {
  std::string method;    // "GET", "POST", …
  std::string path;      // percent-decoded, without the query
  std::string raw_path;  // as sent (split it before decoding when segments may hold '/')
  std::map<std::string, std::string> query;    // percent-decoded; the last of repeated keys
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  const std::string* header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? nullptr : &it->second;
  }
  std::optional<std::string> param(const std::string& name) const {
    auto it = query.find(name);
    if (it == query.end()) return std::nullopt;
    return it->second;
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // A streamed response (server-sent events): instead of `body`, the transport calls `stream`
  // every HttpServerOptions::stream_poll and writes what it returns ("" = nothing new), until
  // it returns nullopt, the client goes away or the server stops. Runs on the HTTP thread.
  std::function<std::optional<std::string>()> stream;

  static HttpResponse text(int status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// "%41b+c" -> "Ab c" (with `plus_is_space`, as in query strings). Malformed escapes stay as
// they are.
std::string percent_decode(std::string_view text, bool plus_is_space);

}  // namespace kafka_do::broker
