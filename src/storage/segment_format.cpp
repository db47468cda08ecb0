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

}  // namespace kafka_do::storage::segment_format
