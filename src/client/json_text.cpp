#include "client/json_text.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "kafka_do/error.hpp"

namespace kafka::detail {
namespace {

// The length of the UTF-8 sequence at `s` (0: not valid UTF-8): RFC 3629, no overlong forms,
// no surrogates, nothing past U+10FFFF.
size_t utf8_sequence(std::string_view s) {
  const auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = b(0);
  const auto cont = [&](size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(1) >= 0xA0) return 0;  // surrogates
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(1) >= 0x90) return 0;  // past U+10FFFF
    return 4;
  }
  return 0;
}

void append_string(std::string& out, std::string_view s) {
  out.push_back('"');
  size_t run = 0;  // start of the bytes not yet copied
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const size_t n = utf8_sequence(s.substr(i));
      if (n == 0) {
        throw SerializationError(
            "value cannot be serialized as JSON: invalid UTF-8 byte at index " + std::to_string(i) +
            " of a string");
      }
      i += n;
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    out.append(s.data() + run, i - run);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out.append(escaped, sizeof escaped);
      }
    }
    run = ++i;
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

template <class Number>
void append_number(std::string& out, Number n) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, r.ptr);
}

void append_double(std::string& out, double d) {
  if (!std::isfinite(d)) {  // as dump(): JSON has no NaN or infinity
    out += "null";
    return;
  }
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, d);
  const std::string_view text(buf, size_t(r.ptr - buf));
  out.append(text);
  // As dump(): a double stays recognisably a double ("100.0", not "100").
  if (text.find_first_of(".eE") == std::string_view::npos) out += ".0";
}

}  // namespace

void append_json_text(std::string& out, const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      out += "null";
      return;
    case Json::value_t::boolean:
      out += value.get<bool>() ? "true" : "false";
      return;
    case Json::value_t::number_integer:
      append_number(out, value.get<Json::number_integer_t>());
      return;
    case Json::value_t::number_unsigned:
      append_number(out, value.get<Json::number_unsigned_t>());
      return;
    case Json::value_t::number_float:
      append_double(out, value.get<Json::number_float_t>());
      return;
    case Json::value_t::string:
      append_string(out, value.get_ref<const Json::string_t&>());
      return;
    case Json::value_t::array: {
      out.push_back('[');
      bool first = true;
      for (const Json& element : value.get_ref<const Json::array_t&>()) {
        if (!first) out.push_back(',');
        first = false;
        append_json_text(out, element);
      }
      out.push_back(']');
      return;
    }
    case Json::value_t::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [key, element] : value.get_ref<const Json::object_t&>()) {
        if (!first) out.push_back(',');
        first = false;
        append_string(out, key);
        out.push_back(':');
        append_json_text(out, element);
      }
      out.push_back('}');
      return;
    }
    case Json::value_t::binary:
    case Json::value_t::discarded:
      break;
  }
  try {  // rare kinds: as nlohmann writes them
    out += value.dump();
  } catch (const Json::exception& e) {
    throw SerializationError(std::string("value cannot be serialized as JSON: ") + e.what());
  }
}

std::string json_text(const Json& value) {
  std::string out;
  out.reserve(128);
  append_json_text(out, value);
  return out;
}

}  // namespace kafka::detail
