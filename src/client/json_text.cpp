#include "client/json_text.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <system_error>

#include "client/json_scanner.hpp"
#include "kafka_do/error.hpp"

namespace kafka::detail {
namespace {

// Appends `s` quoted, then `after` (a ':' after a key) unless it is '\0'. Strings with nothing
// to escape (most of them) take one resize and one copy: each push_back is a call into
// libstdc++, and they were a tenth of a 100-byte record's cost.
void append_string(std::string& out, std::string_view s, char after = '\0') {
  if (plain_string_run(s.data(), s.data() + s.size()) == s.size()) {
    const size_t at = out.size();
    out.resize(at + s.size() + (after ? 3 : 2));
    char* d = out.data() + at;
    d[0] = '"';
    std::memcpy(d + 1, s.data(), s.size());
    d[s.size() + 1] = '"';
    if (after) d[s.size() + 2] = after;
    return;
  }
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
  if (after) out.push_back(after);
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
        append_string(out, key, ':');
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

namespace {

// A recursive-descent parser of RFC 8259 JSON into nlohmann::json, typed as nlohmann's parse()
// types: integers without a sign are number_unsigned, with one number_integer, either becomes
// number_float when it does not fit; the last of duplicate keys wins.
class Parser {
 public:
  explicit Parser(std::string_view text) : in_(text) {}

  Json document() {
    in_.skip_byte_order_mark();
    Json value = parse_value(0);
    in_.skip_space();
    if (!in_.at_end()) in_.fail("unexpected content after the value");
    return value;
  }

 private:
  Json parse_value(int depth) {
    switch (in_.peek()) {
      case '{':
        return parse_object(depth + 1);
      case '[':
        return parse_array(depth + 1);
      case '"': {
        Json s(Json::value_t::string);
        bool escaped = false;
        in_.string(&s.get_ref<Json::string_t&>(), escaped);
        return s;
      }
      case 't':
        if (in_.literal("true")) return true;
        break;
      case 'f':
        if (in_.literal("false")) return false;
        break;
      case 'n':
        if (in_.literal("null")) return nullptr;
        break;
      default:
        if (const char c = *in_.at(); c == '-' || (c >= '0' && c <= '9')) {
          bool integral = false;
          const std::string_view text = in_.number(integral);
          return number_value(text, integral);
        }
    }
    in_.fail("invalid literal");
  }

  Json parse_object(int depth) {
    if (depth > JsonScanner::kMaxDepth) in_.fail("nesting too deep");
    in_.consume('{');
    Json object(Json::value_t::object);
    auto& members = object.get_ref<Json::object_t&>();
    if (in_.consume('}')) return object;
    std::string key;
    do {
      if (in_.peek() != '"') in_.fail("expected a string key");
      key.clear();
      bool escaped = false;
      in_.string(&key, escaped);
      if (!in_.consume(':')) in_.fail("expected ':'");
      members.insert_or_assign(key, parse_value(depth));
    } while (in_.consume(','));
    if (!in_.consume('}')) in_.fail("expected ',' or '}'");
    return object;
  }

  Json parse_array(int depth) {
    if (depth > JsonScanner::kMaxDepth) in_.fail("nesting too deep");
    in_.consume('[');
    Json array(Json::value_t::array);
    auto& elements = array.get_ref<Json::array_t&>();
    if (in_.consume(']')) return array;
    do {
      elements.push_back(parse_value(depth));
    } while (in_.consume(','));
    if (!in_.consume(']')) in_.fail("expected ',' or ']'");
    return array;
  }

  // The value of a number `text` as parse() types it. Fails (at the byte after the number)
  // when it is too large for a double.
  Json number_value(std::string_view text, bool integral) {
    const char* start = text.data();
    const char* end = text.data() + text.size();
    const bool negative = text.front() == '-';
    if (integral) {
      if (negative) {
        int64_t v = 0;
        const auto r = std::from_chars(start, end, v);
        if (r.ec == std::errc() && r.ptr == end) return Json(Json::number_integer_t(v));
      } else {
        uint64_t v = 0;
        const auto r = std::from_chars(start, end, v);
        if (r.ec == std::errc() && r.ptr == end) return Json(Json::number_unsigned_t(v));
      }
    }
    const auto d = json_number_as_double(text);
    if (!d) in_.fail("number out of range");
    return Json(*d);
  }

  JsonScanner in_;
};

}  // namespace

std::optional<double> json_number_as_double(std::string_view text) {
  double d = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), d);
  if (r.ec == std::errc()) return d;
  if (r.ec != std::errc::result_out_of_range) return std::nullopt;
  // As strtod (what parse() uses): overflow is infinity, which nlohmann refuses; underflow 0.
  if (text.find("e-") == std::string_view::npos && text.find("E-") == std::string_view::npos)
    return std::nullopt;
  return text.front() == '-' ? -0.0 : 0.0;
}

Json parse_json_text(std::string_view text) { return Parser(text).document(); }

}  // namespace kafka::detail
