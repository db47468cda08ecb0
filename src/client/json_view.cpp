// kafka::JsonView (include/kafka_do/json_view.hpp): JSON text read in place with the reader
// Record::value()'s parser uses (json_scanner.hpp), so both accept the same texts.
#include "kafka_do/json_view.hpp"

#include <charconv>
#include <cmath>

#include "client/json_scanner.hpp"
#include "kafka_do/error.hpp"

namespace kafka {
namespace {

using detail::JsonScanner;
using detail::JsonTextError;

[[noreturn]] void not_json(const JsonTextError& e) {
  throw SerializationError(std::string("JSON value: ") + e.what());
}

std::string_view whole(const char* begin, const char* end) {
  return std::string_view(begin, size_t(end - begin));
}

}  // namespace

JsonView::JsonView(std::string_view text) {
  if (text.data() == nullptr) text = std::string_view("", 0);  // present, and not JSON
  begin_ = text.data();
  end_ = text.data() + text.size();
  JsonScanner in(text);
  in.skip_byte_order_mark();
  in.skip_space();
  at_ = in.at();
  root_ = true;
}

JsonView::Type JsonView::type() const {
  if (!at_) return Type::missing;
  const char c = at_ == end_ ? '\0' : *at_;
  switch (c) {
    case '{':
      return Type::object;
    case '[':
      return Type::array;
    case '"':
      return Type::string;
    case 't':
    case 'f':
    case 'n':
      try {  // a literal is read whole here: is_null() of "nul" is an error, not true
        JsonScanner in(whole(begin_, end_), at_);
        if (in.literal(c == 't' ? "true" : c == 'f' ? "false" : "null")) {
          check_rest(in);
          return c == 'n' ? Type::null : Type::boolean;
        }
      } catch (const JsonTextError& e) {
        not_json(e);
      }
      break;
    default:
      if (c == '-' || (c >= '0' && c <= '9')) return Type::number;
  }
  try {
    JsonScanner(whole(begin_, end_), at_)
        .fail(at_ == end_ ? "unexpected end of input" : "invalid literal");
  } catch (const JsonTextError& e) {
    not_json(e);
  }
}

void JsonView::check_rest(detail::JsonScanner& in) const {
  if (!root_) return;
  in.skip_space();
  if (!in.at_end()) in.fail("unexpected content after the value");
}

void JsonView::type_error(const char* wanted) const {
  if (!at_) throw SerializationError(std::string("JSON value: missing, expected ") + wanted);
  static constexpr const char* kNames[] = {"missing",  "null",     "a boolean", "a number",
                                           "a string", "an array", "an object"};
  throw SerializationError(std::string("JSON value: ") + kNames[int(type())] + " at byte " +
                           std::to_string(at_ - begin_) + ", expected " + wanted);
}

JsonView JsonView::operator[](std::string_view key) const {
  JsonView found;
  find_members(&key, &found, 1);
  return found;
}

void JsonView::find_members(const std::string_view* names, JsonView* found, size_t n) const {
  for (size_t i = 0; i < n; ++i) found[i] = JsonView();
  if (!at_) return;
  if (type() != Type::object) type_error("an object");
  try {
    JsonScanner in(whole(begin_, end_), at_);
    in.consume('{');
    if (in.consume('}')) {
      check_rest(in);
      return;
    }
    std::string decoded;
    do {
      if (in.peek() != '"') in.fail("expected a string key");
      bool escaped = false;
      const char* name_at = in.at();
      std::string_view name = in.string(nullptr, escaped);
      if (escaped) {  // compare the name's value, not its text
        decoded.clear();
        JsonScanner(whole(begin_, end_), name_at).string(&decoded, escaped);
        name = decoded;
      }
      if (!in.consume(':')) in.fail("expected ':'");
      in.skip_space();
      for (size_t i = 0; i < n; ++i) {  // and read on: the last of duplicate names wins
        if (name == names[i]) found[i] = JsonView(begin_, end_, in.at());
      }
      in.skip_value(1);
    } while (in.consume(','));
    if (!in.consume('}')) in.fail("expected ',' or '}'");
    check_rest(in);
  } catch (const JsonTextError& e) {
    not_json(e);
  }
}

JsonView JsonView::element(size_t index) const {
  if (!at_) return {};
  if (type() != Type::array) type_error("an array");
  size_t i = 0;
  for (const JsonView& element : elements()) {
    if (i++ == index) return element;
  }
  return {};
}

size_t JsonView::size() const {
  if (!at_) return 0;
  size_t n = 0;
  if (type() == Type::object) {
    for (auto it = items().begin(); it != std::default_sentinel; ++it) ++n;
  } else {
    for (auto it = elements().begin(); it != std::default_sentinel; ++it) ++n;
  }
  return n;
}

std::string_view JsonView::number_text(bool& integral) const {
  if (type() != Type::number) type_error("a number");
  try {
    JsonScanner in(whole(begin_, end_), at_);
    const std::string_view text = in.number(integral);
    check_rest(in);
    return text;
  } catch (const JsonTextError& e) {
    not_json(e);
  }
}

bool JsonView::boolean() const {
  if (type() != Type::boolean) type_error("a boolean");
  JsonScanner in(whole(begin_, end_), at_);
  try {
    bool value = false;
    if (in.literal("true")) {
      value = true;
    } else if (!in.literal("false")) {
      in.fail("invalid literal");
    }
    check_rest(in);
    return value;
  } catch (const JsonTextError& e) {
    not_json(e);
  }
}

int64_t JsonView::signed_integer() const {
  bool integral = false;
  const std::string_view text = number_text(integral);
  if (integral) {
    int64_t v = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec == std::errc()) return v;
    if (text.front() != '-') {  // past int64_t: as nlohmann, an unsigned value converts
      return int64_t(unsigned_integer());
    }
  }
  const double d = floating();
  if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
    type_error("a number in the range of the type asked for");
  return int64_t(d);
}

uint64_t JsonView::unsigned_integer() const {
  bool integral = false;
  const std::string_view text = number_text(integral);
  if (integral) {
    if (text.front() == '-') {
      // As nlohmann's get<unsigned>() of a negative number: the value converted.
      int64_t v = 0;
      const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
      if (r.ec == std::errc()) return uint64_t(v);
    } else {
      uint64_t v = 0;
      const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
      if (r.ec == std::errc()) return v;
    }
  }
  const double d = floating();
  if (!(d > -1.0 && d < 18446744073709551616.0))
    type_error("a number in the range of the type asked for");
  return uint64_t(d);
}

double JsonView::floating() const {
  bool integral = false;
  const std::string_view text = number_text(integral);
  const auto d = detail::json_number_as_double(text);
  if (!d) type_error("a number in the range of a double");
  return *d;
}

std::string JsonView::string() const {
  if (type() != Type::string) type_error("a string");
  try {
    std::string out;
    bool escaped = false;
    JsonScanner in(whole(begin_, end_), at_);
    in.string(&out, escaped);
    check_rest(in);
    return out;
  } catch (const JsonTextError& e) {
    not_json(e);
  }
}

std::string_view JsonView::string_in_place() const {
  if (type() != Type::string) type_error("a string");
  try {
    bool escaped = false;
    JsonScanner in(whole(begin_, end_), at_);
    const std::string_view text = in.string(nullptr, escaped);
    check_rest(in);
    if (escaped) {
      throw SerializationError("JSON value: the string at byte " + std::to_string(at_ - begin_) +
                               " holds escapes; read it with get<std::string>()");
    }
    return text;
  } catch (const JsonTextError& e) {
    not_json(e);
  }
}

std::string_view JsonView::raw() const {
  if (!at_) type_error("a value");
  try {
    JsonScanner in(whole(begin_, end_), at_);
    in.skip_value(0);
    const char* value_end = in.at();
    check_rest(in);
    return whole(at_, value_end);
  } catch (const JsonTextError& e) {
    not_json(e);
  }
}

Json JsonView::to_json() const {
  const std::string_view text = raw();
  try {
    return detail::parse_json_text(text);
  } catch (const JsonTextError& e) {
    not_json(e);
  }
}

JsonView::MemberIterator JsonView::Members::begin() const { return MemberIterator(*view); }
JsonView::ElementIterator JsonView::Elements::begin() const { return ElementIterator(*view); }

JsonView::MemberIterator::MemberIterator(const JsonView& object) : object_(object) {
  if (object.type() != Type::object) object.type_error("an object");
  try {
    JsonScanner in(whole(object.begin_, object.end_), object.at_);
    in.consume('{');
    done_ = in.consume('}');
    if (done_) object.check_rest(in);
    next_ = in.at();
  } catch (const JsonTextError& e) {
    not_json(e);
  }
  if (!done_) read();
}

void JsonView::MemberIterator::read() {
  try {
    JsonScanner in(whole(object_.begin_, object_.end_), next_);
    if (in.peek() != '"') in.fail("expected a string key");
    current_.name.clear();
    bool escaped = false;
    in.string(&current_.name, escaped);
    if (!in.consume(':')) in.fail("expected ':'");
    in.skip_space();
    current_.value = JsonView(object_.begin_, object_.end_, in.at());
    in.skip_value(1);
    if (!in.consume(',')) {
      if (!in.consume('}')) in.fail("expected ',' or '}'");
      object_.check_rest(in);
      next_ = nullptr;  // this member is the last
      return;
    }
    next_ = in.at();
  } catch (const JsonTextError& e) {
    not_json(e);
  }
}

JsonView::MemberIterator& JsonView::MemberIterator::operator++() {
  if (next_ == nullptr) {
    done_ = true;
  } else {
    read();
  }
  return *this;
}

JsonView::ElementIterator::ElementIterator(const JsonView& array) : array_(array) {
  if (array.type() != Type::array) array.type_error("an array");
  try {
    JsonScanner in(whole(array.begin_, array.end_), array.at_);
    in.consume('[');
    done_ = in.consume(']');
    if (done_) array.check_rest(in);
    next_ = in.at();
  } catch (const JsonTextError& e) {
    not_json(e);
  }
  if (!done_) read();
}

void JsonView::ElementIterator::read() {
  try {
    JsonScanner in(whole(array_.begin_, array_.end_), next_);
    in.skip_space();
    current_ = JsonView(array_.begin_, array_.end_, in.at());
    in.skip_value(1);
    if (!in.consume(',')) {
      if (!in.consume(']')) in.fail("expected ',' or ']'");
      array_.check_rest(in);
      next_ = nullptr;
      return;
    }
    next_ = in.at();
  } catch (const JsonTextError& e) {
    not_json(e);
  }
}

JsonView::ElementIterator& JsonView::ElementIterator::operator++() {
  if (next_ == nullptr) {
    done_ = true;
  } else {
    read();
  }
  return *this;
}

}  // namespace kafka
