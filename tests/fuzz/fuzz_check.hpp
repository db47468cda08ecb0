#pragma once
// What the fuzz targets share: a check that aborts (so libFuzzer and the replay runner both report
// the input that broke it), and the round-trip property of a generated message codec.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/coding.hpp"

#define FUZZ_CHECK(cond, what)                                                               \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      std::fprintf(stderr, "%s:%d: fuzz check failed: %s (%s)\n", __FILE__, __LINE__, #cond, \
                   std::string(what).c_str());                                               \
      std::abort();                                                                          \
    }                                                                                        \
  } while (0)

namespace kafka_do::fuzz {

template <typename T>
std::string encode_message(const T& message, int16_t version) {
  std::string out;
  ByteWriter w(out);
  message.encode(w, version);
  return out;
}

// Decodes `bytes` as a T at `version` into `out`. When that succeeds, checks the round trip:
// the decoded message can be encoded at `version`; its encoding decodes, using every byte, to an
// equal message; that message encodes to the same bytes again; and a truncated encoding is
// rejected. (The first encoding need not
// equal `bytes`: unknown tagged fields are skipped, trailing bytes are not part of the message and
// long varints get their short form.) Returns whether the first decode succeeded.
template <typename T>
bool decode_and_check_round_trip(std::string_view bytes, int16_t version, T& out,
                                 const char* what) {
  ByteReader r(bytes);
  if (!out.decode(r, version) || !r.ok()) return false;
  const std::string context = std::string(what) + " v" + std::to_string(version);
  FUZZ_CHECK(out.can_encode(version), context);
  const std::string once = encode_message(out, version);
  T again;
  ByteReader r2(once);
  FUZZ_CHECK(again.decode(r2, version), context + ": re-encoding does not decode");
  FUZZ_CHECK(r2.ok() && r2.empty(), context + ": re-encoding has bytes left over");
  FUZZ_CHECK(again == out, context + ": decode(encode(m)) != m");
  FUZZ_CHECK(encode_message(again, version) == once, context + ": encoding is not stable");
  // Every field is fixed-size or length-prefixed, so no strict prefix of an encoding decodes; try
  // two (the unit tests try them all for one message per version).
  for (const size_t cut : {once.size() / 2, once.size() - 1}) {
    if (cut >= once.size()) continue;
    T truncated;
    ByteReader prefix(std::string_view(once).substr(0, cut));
    FUZZ_CHECK(!truncated.decode(prefix, version) || !prefix.ok(),
               context + ": a " + std::to_string(cut) + "-byte prefix of the encoding decodes");
  }
  return true;
}

}  // namespace kafka_do::fuzz
