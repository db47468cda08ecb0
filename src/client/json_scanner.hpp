#pragma once
// One reader of JSON text (RFC 8259), shared by the parser that builds kafka::Json
// (json_text.cpp, Record::value()) and by kafka::JsonView (json_view.cpp, Record::json()), so
// both accept and refuse exactly the same texts. A cursor over the text: it reads one token at a
// time and throws JsonTextError ("what at byte N") at the first thing that is not JSON.
// Inline: both readers sit on the consume path, one call per token.

#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "client/json_text.hpp"

namespace kafka::detail {

// The length of the UTF-8 sequence at `s` (0: not valid UTF-8): RFC 3629, no overlong forms,
// no surrogates, nothing past U+10FFFF.
inline size_t utf8_sequence(std::string_view s) {
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

// How many bytes from `p` are plain string content: printable ASCII other than '"' and '\\'.
// Eight bytes at a time while eight remain; the last few byte by byte.
inline size_t plain_string_run(const char* p, const char* end) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  // The high bit of each byte that is zero, or below 0x20 (for bytes below 0x80). A borrow can
  // flag a byte above a flagged one, never below it: the lowest flag is always a real one.
  const auto zero_bytes = [](uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  const char* start = p;
#if defined(__SSE2__)
  // Sixteen at a time where SSE2 is (every x86-64): a signed compare below 0x20 also catches
  // every byte from 0x80 (negative as signed).
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i space = _mm_set1_epi8(0x20);
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i special =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                     _mm_cmplt_epi8(v, space));
    if (const auto mask = unsigned(_mm_movemask_epi8(special)))
      return size_t(p - start) + size_t(std::countr_zero(mask));
    p += 16;
  }
#endif
  while (end - p >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    const uint64_t special = (w & kHigh) | ((w - 0x20 * kOnes) & ~w & kHigh) |
                             zero_bytes(w ^ ('"' * kOnes)) | zero_bytes(w ^ ('\\' * kOnes));
    if (special) {
      static_assert(std::endian::native == std::endian::little, "byte order of the word loads");
      return size_t(p - start) + size_t(std::countr_zero(special) >> 3);
    }
    p += 8;
  }
  while (p != end) {
    const auto c = static_cast<unsigned char>(*p);
    if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') break;
    ++p;
  }
  return size_t(p - start);
}

class JsonScanner {
 public:
  static constexpr int kMaxDepth = 512;

  explicit JsonScanner(std::string_view text)
      : p_(text.data()), end_(text.data() + text.size()), begin_(text.data()) {}
  // A cursor at `at`, inside `text` (errors count bytes from the start of `text`).
  JsonScanner(std::string_view text, const char* at)
      : p_(at), end_(text.data() + text.size()), begin_(text.data()) {}

  const char* at() const { return p_; }
  bool at_end() const { return p_ == end_; }

  [[noreturn]] void fail(const std::string& what) const {
    throw JsonTextError(what + " at byte " + std::to_string(p_ - begin_));
  }

  void skip_byte_order_mark() {
    if (end_ - p_ >= 3 && std::string_view(p_, 3) == "\xEF\xBB\xBF") p_ += 3;
  }

  void skip_space() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  // Skips whitespace; then the next byte (failing at the end of the text).
  char peek() {
    skip_space();
    if (p_ == end_) fail("unexpected end of input");
    return *p_;
  }

  // Skips whitespace; then takes `c` if it comes next.
  bool consume(char c) {
    skip_space();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }

  bool literal(std::string_view word) {
    if (size_t(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) return false;
    p_ += word.size();
    return true;
  }

  // The string at the cursor (at its '"'), checked whole: UTF-8, no control characters, valid
  // escapes. Appends its value to `out` when given. Returns the text between the quotes, and
  // sets `escaped` when that text holds an escape (and so differs from the value).
  std::string_view string(std::string* out, bool& escaped) {
    ++p_;  // '"'
    const char* const first = p_;
    escaped = false;
    // The common case, inline: plain content up to the closing quote.
    p_ += plain_string_run(p_, end_);
    if (p_ != end_ && *p_ == '"') {
      if (out) out->append(first, p_);
      return std::string_view(first, size_t(p_++ - first));
    }
    return string_rest(first, out, escaped);
  }

  // string() past its first plain run: escapes, UTF-8, and errors.
  [[gnu::noinline]] std::string_view string_rest(const char* first, std::string* out,
                                                 bool& escaped) {
    const char* run = first;
    for (;;) {
      p_ += plain_string_run(p_, end_);
      if (p_ == end_) fail("unterminated string");
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        if (out) out->append(run, p_);
        return std::string_view(first, size_t(p_++ - first));
      }
      if (c < 0x20) fail("control character in a string");
      if (c >= 0x80) {
        const size_t n = utf8_sequence(std::string_view(p_, size_t(end_ - p_)));
        if (n == 0) fail("invalid UTF-8");
        p_ += n;
        continue;
      }
      // A backslash.
      escaped = true;
      if (out) out->append(run, p_);
      ++p_;
      if (p_ == end_) fail("unterminated string");
      // The one-letter escapes and what they stand for.
      static constexpr std::string_view kEscapes = "\"\\/bfnrt";
      static constexpr std::string_view kMeanings = "\"\\/\b\f\n\r\t";
      const char escape = *p_++;
      if (const size_t at = kEscapes.find(escape); at != std::string_view::npos) {
        if (out) out->push_back(kMeanings[at]);
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
      if (out) append_utf8(*out, cp);
      run = p_;
    }
  }

  // The number at the cursor, checked against JSON's grammar; `integral` when it has neither a
  // fraction nor an exponent.
  std::string_view number(bool& integral) {
    const char* start = p_;
    if (*p_ == '-') ++p_;
    if (p_ == end_ || !digit(*p_)) fail("invalid number");
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ != end_ && digit(*p_)) ++p_;
    }
    integral = true;
    if (p_ != end_ && *p_ == '.') {
      integral = false;
      ++p_;
      if (p_ == end_ || !digit(*p_)) fail("invalid number");
      while (p_ != end_ && digit(*p_)) ++p_;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      integral = false;
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !digit(*p_)) fail("invalid number");
      while (p_ != end_ && digit(*p_)) ++p_;
    }
    return std::string_view(start, size_t(p_ - start));
  }

  // Steps over the value at the cursor (after whitespace), checking it as the parser would.
  // `depth`: how deep the value sits (objects and arrays deeper than kMaxDepth are refused).
  void skip_value(int depth) {
    bool flag = false;
    switch (peek()) {
      case '{':
        if (++depth > kMaxDepth) fail("nesting too deep");
        ++p_;
        if (consume('}')) return;
        do {
          if (peek() != '"') fail("expected a string key");
          string(nullptr, flag);
          if (!consume(':')) fail("expected ':'");
          skip_value(depth);
        } while (consume(','));
        if (!consume('}')) fail("expected ',' or '}'");
        return;
      case '[':
        if (++depth > kMaxDepth) fail("nesting too deep");
        ++p_;
        if (consume(']')) return;
        do {
          skip_value(depth);
        } while (consume(','));
        if (!consume(']')) fail("expected ',' or ']'");
        return;
      case '"':
        string(nullptr, flag);
        return;
      case 't':
        if (literal("true")) return;
        break;
      case 'f':
        if (literal("false")) return;
        break;
      case 'n':
        if (literal("null")) return;
        break;
      default:
        if (*p_ == '-' || digit(*p_)) {
          number(flag);
          return;
        }
    }
    fail("invalid literal");
  }

 private:
  static bool digit(char c) { return c >= '0' && c <= '9'; }

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

  const char* p_;
  const char* end_;
  const char* begin_;
};

}  // namespace kafka::detail
