#pragma once
// The broker's HTTP side: /metrics (Prometheus), /healthz and /readyz, the web console at / and
// the JSON API under /api/ that the console uses (docs/console.md). With API keys configured,
// everything but /healthz and /readyz requires HTTP Basic authentication with one of them.
//
// The console's page (console/web/) is compiled into the binary: no network beyond the broker.

#include "broker/broker.hpp"
#include "broker/net/http.hpp"

namespace kafka_do::broker::console {

class Console {
 public:
  explicit Console(Broker& broker) : broker_(broker) {}
  // Thread-safe as long as the broker's parts are (they are).
  HttpResponse handle(const HttpRequest& request);

 private:
  HttpResponse route_api(const HttpRequest& request, std::string_view rest);
  Broker& broker_;
};

// The answer before the broker has finished recovery: /healthz is 200 (the process is alive),
// /readyz and everything else 503.
HttpResponse not_ready(const HttpRequest& request);

}  // namespace kafka_do::broker::console
