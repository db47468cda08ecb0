#include <cctype>

#include "broker/console/api.hpp"

namespace kafka_do::broker::console {
namespace {

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t extra = 0;
    uint32_t min = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      extra = 1, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3, min = 0x10000;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;
    uint32_t cp = c & (0x3f >> extra);
    for (size_t k = 1; k <= extra; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += extra + 1;
  }
  return true;
}

std::string base64_encode(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = uint32_t(uint8_t(in[i])) << 16 | uint32_t(uint8_t(in[i + 1])) << 8 |
                       uint32_t(uint8_t(in[i + 2]));
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < in.size()) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16;
    if (i + 1 < in.size()) v |= uint32_t(uint8_t(in[i + 1])) << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace

HttpResponse json_response(int status, const json& body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  r.body += '\n';
  return r;
}

HttpResponse error_response(int status, std::string_view code, std::string_view message) {
  return json_response(status, json{{"error", message}, {"code", code}});
}

HttpResponse engine_error(const Error& error) {
  int status = 500;
  switch (error.code()) {
    case Errc::not_found:
      status = 404;
      break;
    case Errc::already_exists:
    case Errc::busy:
      status = 409;
      break;
    case Errc::invalid_argument:
    case Errc::out_of_range:
    case Errc::invalid_record:
      status = 400;
      break;
    case Errc::too_large:
      status = 413;
      break;
    default:
      break;
  }
  std::string code = errc_name(error.code());  // "not found" -> "NOT_FOUND"
  for (char& c : code) c = c == ' ' ? '_' : char(std::toupper(static_cast<unsigned char>(c)));
  return error_response(status, code, error.message());
}

std::optional<json> parse_body(const HttpRequest& request, HttpResponse& error) {
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    error = error_response(400, "INVALID_REQUEST", "the request body must be a JSON object");
    return std::nullopt;
  }
  return body;
}

json bytes_to_json(std::string_view bytes, std::string& encoding) {
  if (valid_utf8(bytes)) {
    encoding = "utf8";
    return std::string(bytes);
  }
  encoding = "base64";
  return base64_encode(bytes);
}

}  // namespace kafka_do::broker::console
