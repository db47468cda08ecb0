#pragma once
// kafka::JsonView: JSON text read in place, without building a kafka::Json. Record::json() gives
// one over a record's value; `order["id"].get<int64_t>()` then finds the member by reading the
// text, with no allocation, which is several times faster than Record::value() (a nlohmann DOM
// per record) for the usual case of reading a few fields of each record (docs/sdk.md, ADR 0014).
//
//   for (const kafka::Record& r : consumer) {
//     kafka::JsonView order = r.json();
//     const int64_t id = order["id"].get<int64_t>();
//     std::string_view customer = order["customer"].get<std::string_view>();
//     double total = order.value("total", 0.0);  // a default when missing or null
//     auto [sku, qty] = order["item"].members("sku", "qty");  // one pass for several
//   }
//
// - Lazy: nothing is read until asked, and what is read is checked as Record::value() checks it
//   (the same reader). A member lookup reads its whole object, so looking up any member of a
//   record's object checks the record whole; an array's element is read up to that element; a
//   part never read is not checked. to_json() and raw() read the whole value.
// - Errors are kafka::SerializationError: text that is not JSON ("expected ':' at byte 12"), a
//   type that does not match (get<int64_t>() of a string), a missing member read with get().
// - Like Record::value(): the last of duplicate member names wins; numbers convert as nlohmann's
//   get<T>() converts them.
// - A view points into the text it was made from: it is valid while that text is (for
//   Record::json(), while the record or a copy of it lives).

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

#include "kafka_do/json.hpp"

namespace kafka {
namespace detail {
class JsonScanner;
}

class JsonView {
 public:
  enum class Type { missing, null, boolean, number, string, array, object };

  // A missing value (what operator[] gives for a member or element that is not there).
  JsonView() = default;
  // A view of the JSON text `text` (one value, whitespace and a UTF-8 byte order mark around it
  // allowed). Not checked here: reading it checks what it reads.
  explicit JsonView(std::string_view text);

  Type type() const;
  bool exists() const { return at_ != nullptr; }
  explicit operator bool() const { return exists(); }
  bool is_null() const { return type() == Type::null; }
  bool is_boolean() const { return type() == Type::boolean; }
  bool is_number() const { return type() == Type::number; }
  bool is_string() const { return type() == Type::string; }
  bool is_array() const { return type() == Type::array; }
  bool is_object() const { return type() == Type::object; }

  // The member named `key` of an object (the last one of that name), or a missing view when it
  // has none. A missing view gives missing views. Throws SerializationError on a value that is
  // neither an object nor missing.
  JsonView operator[](std::string_view key) const;
  JsonView operator[](const char* key) const { return (*this)[std::string_view(key)]; }
  // Element `index` of an array, or a missing view past its end (any integer type, 0 included).
  template <std::integral Index>
  JsonView operator[](Index index) const {
    return element(index < 0 ? std::numeric_limits<size_t>::max() : size_t(index));
  }
  bool contains(std::string_view key) const { return (*this)[key].exists(); }
  // Several members in one pass over the object, each as operator[] finds it (missing views for
  // names it lacks): `auto [id, total] = order.members("id", "total");`. A lookup reads its
  // whole object, so reading two fields this way costs half of two lookups.
  template <typename... Names>
  std::array<JsonView, sizeof...(Names)> members(const Names&... names) const {
    const std::array<std::string_view, sizeof...(Names)> wanted{std::string_view(names)...};
    std::array<JsonView, sizeof...(Names)> found;
    find_members(wanted.data(), found.data(), wanted.size());
    return found;
  }
  // Members of an object, elements of an array (0 for a missing view).
  size_t size() const;

  // The value as T: bool, any integer type, float or double, std::string (unescaped),
  // std::string_view (the string in place: throws when it holds escapes, which only
  // std::string can undo), or kafka::Json (to_json()). Throws SerializationError when the value
  // is missing, of another JSON type, or out of T's range.
  template <typename T>
  T get() const;
  // get<T>() of member `key`, or `fallback` when the member is missing or null.
  template <typename T>
  T value(std::string_view key, T fallback) const {
    const JsonView v = (*this)[key];
    return v.exists() && !v.is_null() ? v.get<T>() : std::move(fallback);
  }
  std::string value(std::string_view key, const char* fallback) const {
    return value<std::string>(key, std::string(fallback));
  }

  // The value's JSON text, as it is in the record (checked whole; for the view of a whole text,
  // with nothing but whitespace after it).
  std::string_view raw() const;
  // The value as a kafka::Json (checked whole, as Record::value()).
  Json to_json() const;

  // An object's members in text order: for (const auto& [name, value] : view.items()).
  struct Member;
  class MemberIterator;
  class ElementIterator;
  struct Members {
    const JsonView* view;
    MemberIterator begin() const;
    std::default_sentinel_t end() const { return {}; }
  };
  struct Elements {
    const JsonView* view;
    ElementIterator begin() const;
    std::default_sentinel_t end() const { return {}; }
  };
  // Throw SerializationError unless the value is an object (items) or an array (elements).
  Members items() const { return {this}; }
  Elements elements() const { return {this}; }

 private:
  JsonView(const char* begin, const char* end, const char* at)
      : begin_(begin), end_(end), at_(at), root_(false) {}

  JsonView element(size_t index) const;
  // found[i]: member names[i] (the last of that name), or missing.
  void find_members(const std::string_view* names, JsonView* found, size_t n) const;
  // The number's text (JSON's grammar checked), and whether it is integral.
  std::string_view number_text(bool& integral) const;
  bool boolean() const;
  int64_t signed_integer() const;
  uint64_t unsigned_integer() const;
  double floating() const;
  std::string string() const;
  std::string_view string_in_place() const;
  [[noreturn]] void type_error(const char* wanted) const;
  // For the view of a whole text, once its value was read to its end: only whitespace follows.
  void check_rest(detail::JsonScanner& in) const;

  const char* begin_ = nullptr;  // the whole text: errors count bytes from here
  const char* end_ = nullptr;
  const char* at_ = nullptr;  // the value's first byte; nullptr: missing
  bool root_ = false;         // the text's own value: nothing but whitespace may follow it
};

struct JsonView::Member {
  std::string name;  // unescaped
  JsonView value;
};

// Steps through an object's members or an array's elements, reading each as it goes.
class JsonView::MemberIterator {
 public:
  using value_type = Member;
  using difference_type = std::ptrdiff_t;
  MemberIterator() = default;
  explicit MemberIterator(const JsonView& object);
  const Member& operator*() const { return current_; }
  const Member* operator->() const { return &current_; }
  MemberIterator& operator++();
  void operator++(int) { ++*this; }
  bool operator==(std::default_sentinel_t) const { return done_; }

 private:
  void read();
  JsonView object_;
  const char* next_ = nullptr;
  Member current_;
  bool done_ = true;
};

class JsonView::ElementIterator {
 public:
  using value_type = JsonView;
  using difference_type = std::ptrdiff_t;
  ElementIterator() = default;
  explicit ElementIterator(const JsonView& array);
  const JsonView& operator*() const { return current_; }
  const JsonView* operator->() const { return &current_; }
  ElementIterator& operator++();
  void operator++(int) { ++*this; }
  bool operator==(std::default_sentinel_t) const { return done_; }

 private:
  void read();
  JsonView array_;
  const char* next_ = nullptr;
  JsonView current_;
  bool done_ = true;
};

template <typename T>
T JsonView::get() const {
  using U = std::remove_cv_t<T>;
  if constexpr (std::is_same_v<U, bool>) {
    return boolean();
  } else if constexpr (std::is_integral_v<U>) {
    if constexpr (std::is_signed_v<U>) {
      const int64_t v = signed_integer();
      if (v < int64_t(std::numeric_limits<U>::min()) || v > int64_t(std::numeric_limits<U>::max()))
        type_error("a number in the range of the type asked for");
      return U(v);
    } else {
      const uint64_t v = unsigned_integer();
      if (v > uint64_t(std::numeric_limits<U>::max()))
        type_error("a number in the range of the type asked for");
      return U(v);
    }
  } else if constexpr (std::is_floating_point_v<U>) {
    return U(floating());
  } else if constexpr (std::is_same_v<U, std::string>) {
    return string();
  } else if constexpr (std::is_same_v<U, std::string_view>) {
    return string_in_place();
  } else if constexpr (std::is_same_v<U, Json>) {
    return to_json();
  } else {
    static_assert(sizeof(U) == 0,
                  "JsonView::get<T>: T is bool, an integer, a floating-point type, std::string, "
                  "std::string_view or kafka::Json (to_json().get<T>() for the rest)");
  }
}

}  // namespace kafka
