#pragma once
// The TLS side of a listener: a server context made from PEM files, with errors that name the
// file and OpenSSL's reason. Inside net/ only (it includes Asio).

#include <asio/ssl.hpp>
#include <memory>
#include <string>

#include "base/result.hpp"
#include "broker/net/server.hpp"

namespace kafka_do::broker {

// TLS 1.2 and 1.3 only. With a client CA file, clients must present a certificate it signed
// (mutual TLS). invalid_argument for files that cannot be read or do not fit together (a key
// that is not the certificate's).
Result<std::shared_ptr<asio::ssl::context>> make_tls_context(const TlsOptions& options);

}  // namespace kafka_do::broker
