#include "client/json_text.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <system_error>

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

namespace {

// A recursive-descent parser of RFC 8259 JSON into nlohmann::json, typed as nlohmann's parse()
// types: integers without a sign are number_unsigned, with one number_integer, either becomes
// number_float when it does not fit; the last of duplicate keys wins.
class Parser {
 public:
  explicit Parser(std::string_view text)
      : p_(text.data()), end_(text.data() + text.size()), begin_(text.data()) {}

  Json document() {
    if (end_ - p_ >= 3 && std::string_view(p_, 3) == "\xEF\xBB\xBF") p_ += 3;  // a byte order mark
    Json value = parse_value(0);
    skip_space();
    if (p_ != end_) fail("unexpected content after the value");
    return value;
  }

 private:
  static constexpr int kMaxDepth = 512;

  [[noreturn]] void fail(const std::string& what) const {
    throw JsonTextError(what + " at byte " + std::to_string(p_ - begin_));
  }

  void skip_space() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool literal(std::string_view word) {
    if (size_t(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) return false;
    p_ += word.size();
    return true;
  }

  Json parse_value(int depth) {
    skip_space();
    if (p_ == end_) fail("unexpected end of input");
    switch (*p_) {
      case '{':
        return parse_object(depth + 1);
      case '[':
        return parse_array(depth + 1);
      case '"': {
        Json s(Json::value_t::string);
        parse_string(s.get_ref<Json::string_t&>());
        return s;
      }
      case 't':
        if (literal("true")) return true;
        break;
      case 'f':
        if (literal("false")) return false;
        break;
      case 'n':
        if (literal("null")) return nullptr;
        break;
      default:
        if (*p_ == '-' || (*p_ >= '0' && *p_ <= '9')) return parse_number();
    }
    fail("invalid literal");
  }

  // Skips whitespace; then takes `c` if it comes next.
  bool consume(char c) {
    skip_space();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }

  Json parse_object(int depth) {
    if (depth > kMaxDepth) fail("nesting too deep");
    ++p_;  // '{'
    Json object(Json::value_t::object);
    auto& members = object.get_ref<Json::object_t&>();
    if (consume('}')) return object;
    std::string key;
    do {
      skip_space();
      if (p_ == end_ || *p_ != '"') fail("expected a string key");
      key.clear();
      parse_string(key);
      if (!consume(':')) fail("expected ':'");
      members.insert_or_assign(key, parse_value(depth));
    } while (consume(','));
    if (!consume('}')) fail("expected ',' or '}'");
    return object;
  }

  Json parse_array(int depth) {
    if (depth > kMaxDepth) fail("nesting too deep");
    ++p_;  // '['
    Json array(Json::value_t::array);
    auto& elements = array.get_ref<Json::array_t&>();
    if (consume(']')) return array;
    do {
      elements.push_back(parse_value(depth));
    } while (consume(','));
    if (!consume(']')) fail("expected ',' or ']'");
    return array;
  }

  unsigned hex4() {
    if (end_ - p_ < 4) fail("truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; ++i, ++p_) {
      const char c = *p_;
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= unsigned(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= unsigned(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= unsigned(c - 'A' + 10);
      else
        fail("invalid \\u escape");
    }
    return v;
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out.push_back(char(cp));
    } else if (cp < 0x800) {
      out.push_back(char(0xC0 | (cp >> 6)));
      out.push_back(char(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(char(0xE0 | (cp >> 12)));
      out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(char(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(char(0xF0 | (cp >> 18)));
      out.push_back(char(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(char(0x80 | (cp & 0x3F)));
    }
  }

  void parse_string(std::string& out) {
    ++p_;  // '"'
    const char* run = p_;
    for (;;) {
      if (p_ == end_) fail("unterminated string");
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        out.append(run, p_);
        ++p_;
        return;
      }
      if (c < 0x20) fail("control character in a string");
      if (c >= 0x80) {
        const size_t n = utf8_sequence(std::string_view(p_, size_t(end_ - p_)));
        if (n == 0) fail("invalid UTF-8");
        p_ += n;
        continue;
      }
      if (c != '\\') {
        ++p_;
        continue;
      }
      out.append(run, p_);
      ++p_;
      if (p_ == end_) fail("unterminated string");
      // The one-letter escapes and what they stand for.
      static constexpr std::string_view kEscapes = "\"\\/bfnrt";
      static constexpr std::string_view kMeanings = "\"\\/\b\f\n\r\t";
      const char escape = *p_++;
      if (const size_t at = kEscapes.find(escape); at != std::string_view::npos) {
        out.push_back(kMeanings[at]);
        run = p_;
        continue;
      }
      if (escape != 'u') {
        --p_;
        fail("invalid escape");
      }
      unsigned cp = hex4();
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') fail("unpaired surrogate");
        p_ += 2;
        const unsigned low = hex4();
        if (low < 0xDC00 || low > 0xDFFF) fail("unpaired surrogate");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
      } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        fail("unpaired surrogate");
      }
      append_utf8(out, cp);
      run = p_;
    }
  }

  Json parse_number() {
    const char* start = p_;
    const bool negative = *p_ == '-';
    if (negative) ++p_;
    if (p_ == end_ || !(*p_ >= '0' && *p_ <= '9')) fail("invalid number");
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    bool integral = true;
    if (p_ != end_ && *p_ == '.') {
      integral = false;
      ++p_;
      if (p_ == end_ || !(*p_ >= '0' && *p_ <= '9')) fail("invalid number");
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      integral = false;
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !(*p_ >= '0' && *p_ <= '9')) fail("invalid number");
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    if (integral) {
      if (negative) {
        int64_t v = 0;
        const auto r = std::from_chars(start, p_, v);
        if (r.ec == std::errc() && r.ptr == p_) return Json(Json::number_integer_t(v));
      } else {
        uint64_t v = 0;
        const auto r = std::from_chars(start, p_, v);
        if (r.ec == std::errc() && r.ptr == p_) return Json(Json::number_unsigned_t(v));
      }
    }
    double d = 0;
    const auto r = std::from_chars(start, p_, d);
    if (r.ptr != p_ || (r.ec != std::errc() && r.ec != std::errc::result_out_of_range))
      fail("invalid number");
    if (r.ec == std::errc::result_out_of_range) {
      // As strtod (what parse() uses): overflow is infinity, which nlohmann refuses; underflow 0.
      const bool tiny =
          std::string_view(start, size_t(p_ - start)).find("e-") != std::string_view::npos ||
          std::string_view(start, size_t(p_ - start)).find("E-") != std::string_view::npos;
      if (!tiny) fail("number out of range");
      d = negative ? -0.0 : 0.0;
    }
    return Json(d);
  }

  const char* p_;
  const char* end_;
  const char* begin_;
};

}  // namespace

Json parse_json_text(std::string_view text) { return Parser(text).document(); }

}  // namespace kafka::detail
