#pragma once
// Binds and listens an acceptor: the one way both of the broker's listeners (Kafka, HTTP) open
// their socket, with errors that name the address. Inside net/ only (it includes Asio).

#include <asio.hpp>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace kafka_do::broker {

// invalid_argument for a host that is not an address; io_error (naming the step, the address
// and `flag`, e.g. " (--http)") when the socket cannot be opened, bound or listened on.
inline Status open_listener(asio::ip::tcp::acceptor& acceptor, const std::string& host,
                            uint16_t port, std::string_view flag = "") {
  using asio::ip::tcp;
  asio::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return Error(Errc::invalid_argument, "cannot listen on '" + host + "': " + ec.message());
  const tcp::endpoint endpoint(address, port);
  auto fail = [&](const char* step) {
    return Error(Errc::io_error, std::string(step) + " " + host + ":" + std::to_string(port) +
                                     std::string(flag) + ": " + ec.message());
  };
  if (acceptor.open(endpoint.protocol(), ec)) return fail("cannot open socket for");
  if (acceptor.set_option(tcp::acceptor::reuse_address(true), ec)) {
    return fail("cannot set SO_REUSEADDR on");
  }
  if (acceptor.bind(endpoint, ec)) return fail("cannot bind");
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec)) {
    return fail("cannot listen on");
  }
  return {};
}

}  // namespace kafka_do::broker
