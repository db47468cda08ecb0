#include "storage/segment_format.hpp"

#include <cstdio>

namespace kafka_do::storage::segment_format {

std::string file_stem(int64_t base_offset) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%020lld", static_cast<long long>(base_offset));
  return buf;
}

int64_t parse_file_name(std::string_view name, std::string_view suffix) {
  if (name.size() != size_t(kOffsetDigits) + suffix.size()) return -1;
  if (name.substr(size_t(kOffsetDigits)) != suffix) return -1;
  int64_t value = 0;
  for (int i = 0; i < kOffsetDigits; ++i) {
    const char c = name[size_t(i)];
    if (c < '0' || c > '9') return -1;
    if (value > (INT64_MAX - (c - '0')) / 10) return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::string swap_file_name(int64_t base, int64_t end) {
  return file_stem(base) + "." + file_stem(end) + std::string(kSwapSuffix);
}

bool parse_swap_file_name(std::string_view name, int64_t* base, int64_t* end) {
  const size_t digits = size_t(kOffsetDigits);
  if (name.size() != 2 * digits + 1 + kSwapSuffix.size() || name[digits] != '.') return false;
  *base = parse_file_name(name.substr(0, digits + 1), ".");
  *end = parse_file_name(name.substr(digits + 1), kSwapSuffix);
  return *base >= 0 && *end > *base;
}

}  // namespace kafka_do::storage::segment_format
