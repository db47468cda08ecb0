#include "broker/console/console.hpp"

#include <string_view>

#include "broker/console/api.hpp"
#include "broker/console/assets.hpp"
#include "broker/metrics/prometheus.hpp"
#include "broker/security/crypto.hpp"

namespace kafka_do::broker::console {
namespace {

// HTTP Basic with an API key (user name and secret, as for SASL/PLAIN).
bool authorized(const Broker& broker, const HttpRequest& request) {
  if (broker.keys == nullptr) return true;
  const std::string* header = request.header("authorization");
  if (header == nullptr || header->rfind("Basic ", 0) != 0) return false;
  const auto decoded = security::base64_decode(std::string_view(*header).substr(6));
  if (!decoded) return false;
  const auto colon = decoded->find(':');
  if (colon == std::string::npos) return false;
  // The console reads and changes everything: superusers only.
  const auto keys = broker.keys->current();
  const std::string_view name = std::string_view(*decoded).substr(0, colon);
  const security::ApiKey* key = keys->find(name);
  const bool ok = keys->verify_secret(name, std::string_view(*decoded).substr(colon + 1)) &&
                  key != nullptr && key->superuser;
  if (!ok && broker.metrics != nullptr) broker.metrics->authentication_failed();
  return ok;
}

// A cross-site page may send simple POSTs to a console on localhost: state-changing calls must
// carry a JSON body (which needs a CORS preflight cross-site) and, when the browser names an
// origin, come from the console's own.
bool same_origin_write(const HttpRequest& request) {
  const std::string* type = request.header("content-type");
  if (type == nullptr || type->rfind("application/json", 0) != 0) return false;
  const std::string* origin = request.header("origin");
  const std::string* host = request.header("host");
  if (origin == nullptr) return true;
  return host != nullptr && (*origin == "http://" + *host || *origin == "https://" + *host);
}

// "a/b%2Fc" -> {"a", "b/c"}.
std::vector<std::string> split_path(std::string_view raw) {
  std::vector<std::string> out;
  while (!raw.empty()) {
    const auto slash = raw.find('/');
    out.push_back(percent_decode(raw.substr(0, slash), false));
    if (slash == std::string_view::npos) break;
    raw.remove_prefix(slash + 1);
  }
  return out;
}

HttpResponse method_not_allowed() {
  return error_response(405, "METHOD_NOT_ALLOWED", "method not allowed on this path");
}

}  // namespace

HttpResponse not_ready(const HttpRequest& request) {
  if (request.path == "/healthz") return HttpResponse::text(200, "ok\n");
  return HttpResponse::text(503, "recovering the data directory\n");
}

HttpResponse Console::handle(const HttpRequest& request) {
  if (request.path == "/healthz") return HttpResponse::text(200, "ok\n");
  if (request.path == "/readyz") return HttpResponse::text(200, "ready\n");
  if (!authorized(broker_, request)) {
    HttpResponse r = HttpResponse::text(401, "this broker requires an API key (user:secret)\n");
    r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"kafka-do\", charset=\"UTF-8\"");
    return r;
  }
  if (request.path == "/metrics") {
    HttpResponse r;
    r.content_type = kPrometheusContentType;
    r.body = render_prometheus(broker_);
    return r;
  }
  if (request.raw_path.rfind("/api/", 0) == 0) {
    if (request.method != "GET" && request.method != "HEAD" && !same_origin_write(request)) {
      return error_response(403, "FORBIDDEN",
                            "state-changing API calls need Content-Type: application/json and "
                            "the console's own origin");
    }
    return route_api(request, std::string_view(request.raw_path).substr(5));
  }
  if (request.method != "GET" && request.method != "HEAD") return method_not_allowed();
  for (size_t i = 0; i < kAssetCount; ++i) {
    if (kAssets[i].path == request.path) {
      HttpResponse r;
      r.content_type = std::string(kAssets[i].content_type);
      r.body = std::string(kAssets[i].body);
      r.headers.emplace_back("Content-Security-Policy",
                             "default-src 'self'; img-src 'self' data:; object-src 'none'");
      return r;
    }
  }
  return HttpResponse::text(404, "not found\n");
}

HttpResponse Console::route_api(const HttpRequest& request, std::string_view rest) {
  const auto parts = split_path(rest);
  const std::string& method = request.method;
  const bool get = method == "GET" || method == "HEAD";
  if (parts.size() == 1 && parts[0] == "overview") {
    return get ? overview(broker_) : method_not_allowed();
  }
  if (!parts.empty() && parts[0] == "topics") {
    if (parts.size() == 1) {
      if (get) return list_topics(broker_);
      if (method == "POST") return create_topic(broker_, request);
      return method_not_allowed();
    }
    const std::string& topic = parts[1];
    if (parts.size() == 2) return get ? describe_topic(broker_, topic) : method_not_allowed();
    if (parts.size() == 3 && parts[2] == "configs") {
      return method == "POST" || method == "PUT" ? alter_topic_configs(broker_, topic, request)
                                                 : method_not_allowed();
    }
    if (parts.size() == 3 && parts[2] == "messages") {
      if (get) return browse_messages(broker_, topic, request);
      if (method == "POST") return produce_message(broker_, topic, request);
      return method_not_allowed();
    }
    if (parts.size() == 3 && parts[2] == "tail") {
      return get ? tail_messages(broker_, topic, request) : method_not_allowed();
    }
  }
  if (!parts.empty() && parts[0] == "groups") {
    if (parts.size() == 1) return get ? list_groups(broker_) : method_not_allowed();
    if (parts.size() == 2) return get ? describe_group(broker_, parts[1]) : method_not_allowed();
    if (parts.size() == 3 && parts[2] == "reset") {
      return method == "POST" ? reset_group_offsets(broker_, parts[1], request)
                              : method_not_allowed();
    }
  }
  return error_response(404, "NOT_FOUND", "no API route " + request.path);
}

}  // namespace kafka_do::broker::console
