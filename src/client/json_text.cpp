#include "client/json_text.hpp"

#include <algorithm>
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

// Writes text at the end of a string: grows it in large steps and otherwise writes through a
// pointer, so that the dozen small pieces of a record's JSON cost no call into libstdc++ each
// (push_back and append are not inlined; they were a fifth of a 100-byte record's cost). The
// string gets its final size when the writer goes, also when writing failed.
class TextWriter {
 public:
  explicit TextWriter(std::string& out) : out_(out), size_(out.size()) {}
  ~TextWriter() { out_.resize(size_); }
  TextWriter(const TextWriter&) = delete;
  TextWriter& operator=(const TextWriter&) = delete;

  // Room for `n` more bytes; write them at the pointer returned, then commit(n).
  [[gnu::always_inline]] char* room(size_t n) {
    if (out_.size() - size_ < n) [[unlikely]]
      grow(n);
    return out_.data() + size_;
  }
  void commit(size_t n) { size_ += n; }
  [[gnu::always_inline]] void put(char c) {
    *room(1) = c;
    ++size_;
  }
  [[gnu::always_inline]] void put(std::string_view text) {
    std::memcpy(room(text.size()), text.data(), text.size());
    size_ += text.size();
  }

 private:
  [[gnu::noinline]] void grow(size_t n) { out_.resize(std::max(2 * out_.size(), size_ + n + 120)); }

  std::string& out_;
  size_t size_;  // bytes written; out_ beyond them is room
};

// Writes `s` quoted, then `after` (a ':' after a key) unless it is '\0'. Throws
// SerializationError for a string that is not UTF-8.
void write_string(TextWriter& w, std::string_view s, char after = '\0') {
  if (plain_string_run(s.data(), s.data() + s.size()) == s.size()) {  // nothing to escape
    char* d = w.room(s.size() + 3);
    d[0] = '"';
    std::memcpy(d + 1, s.data(), s.size());
    d[s.size() + 1] = '"';
    d[s.size() + 2] = after;
    w.commit(s.size() + (after ? 3 : 2));
    return;
  }
  w.put('"');
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
    w.put(s.substr(run, i - run));
    switch (c) {
      case '"':
        w.put("\\\"");
        break;
      case '\\':
        w.put("\\\\");
        break;
      case '\b':
        w.put("\\b");
        break;
      case '\f':
        w.put("\\f");
        break;
      case '\n':
        w.put("\\n");
        break;
      case '\r':
        w.put("\\r");
        break;
      case '\t':
        w.put("\\t");
        break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        w.put(std::string_view(escaped, sizeof escaped));
      }
    }
    run = ++i;
  }
  w.put(s.substr(run));
  w.put('"');
  if (after) w.put(after);
}

template <class Number>
void write_number(TextWriter& w, Number n) {
  char* d = w.room(24);  // the longest 64-bit integer is 20 characters
  w.commit(size_t(std::to_chars(d, d + 24, n).ptr - d));
}

void write_double(TextWriter& w, double d) {
  if (!std::isfinite(d)) {  // as dump(): JSON has no NaN or infinity
    w.put("null");
    return;
  }
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, d);
  const std::string_view text(buf, size_t(r.ptr - buf));
  w.put(text);
  // As dump(): a double stays recognisably a double ("100.0", not "100").
  if (text.find_first_of(".eE") == std::string_view::npos) w.put(".0");
}

void write_value(TextWriter& w, const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      w.put("null");
      return;
    case Json::value_t::boolean:
      w.put(value.get<bool>() ? "true" : "false");
      return;
    case Json::value_t::number_integer:
      write_number(w, value.get<Json::number_integer_t>());
      return;
    case Json::value_t::number_unsigned:
      write_number(w, value.get<Json::number_unsigned_t>());
      return;
    case Json::value_t::number_float:
      write_double(w, value.get<Json::number_float_t>());
      return;
    case Json::value_t::string:
      write_string(w, value.get_ref<const Json::string_t&>());
      return;
    case Json::value_t::array: {
      w.put('[');
      bool first = true;
      for (const Json& element : value.get_ref<const Json::array_t&>()) {
        if (!first) w.put(',');
        first = false;
        write_value(w, element);
      }
      w.put(']');
      return;
    }
    case Json::value_t::object: {
      w.put('{');
      bool first = true;
      for (const auto& [key, element] : value.get_ref<const Json::object_t&>()) {
        if (!first) w.put(',');
        first = false;
        write_string(w, key, ':');
        write_value(w, element);
      }
      w.put('}');
      return;
    }
    case Json::value_t::binary:
    case Json::value_t::discarded:
      break;
  }
  try {  // rare kinds: as nlohmann writes them
    w.put(value.dump());
  } catch (const Json::exception& e) {
    throw SerializationError(std::string("value cannot be serialized as JSON: ") + e.what());
  }
}

}  // namespace

void append_json_text(std::string& out, const Json& value) {
  TextWriter w(out);
  write_value(w, value);
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
