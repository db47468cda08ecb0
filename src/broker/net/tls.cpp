#include "broker/net/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace kafka_do::broker {
namespace {

// OpenSSL's reason for the last failure, and its error queue emptied.
std::string openssl_reason(const asio::error_code& ec) {
  std::string reason = ec.message();
  if (const unsigned long code = ERR_peek_last_error(); code != 0) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    reason = buffer;
  }
  ERR_clear_error();
  return reason;
}

}  // namespace

Result<std::shared_ptr<asio::ssl::context>> make_tls_context(const TlsOptions& options) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  asio::error_code ec;
  auto fail = [&](const std::string& what) {
    return Error(Errc::invalid_argument, what + ": " + openssl_reason(ec));
  };
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                           asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                           asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use,
                       ec);
  if (ec) return fail("cannot set TLS options");
  if (context->use_certificate_chain_file(options.cert_file, ec)) {
    return fail("cannot load --tls-cert " + options.cert_file);
  }
  if (context->use_private_key_file(options.key_file, asio::ssl::context::pem, ec)) {
    return fail("cannot load --tls-key " + options.key_file);
  }
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    return fail("--tls-key " + options.key_file + " is not the key of --tls-cert " +
                options.cert_file);
  }
  if (!options.client_ca_file.empty()) {
    if (context->load_verify_file(options.client_ca_file, ec)) {
      return fail("cannot load --tls-client-ca " + options.client_ca_file);
    }
    // Tells clients which CA's certificate to present.
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(options.client_ca_file.c_str());
    if (names == nullptr) return fail("no CA certificate in " + options.client_ca_file);
    SSL_CTX_set_client_CA_list(context->native_handle(), names);
    context->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert, ec);
    if (ec) return fail("cannot require client certificates");
  }
  return context;
}

}  // namespace kafka_do::broker
