#pragma once
// The property every generated message must have, checked at every valid version: a message with
// a non-default value in every field present at that version encodes, decodes back to an equal
// message with no bytes left, re-encodes to the same bytes, and every truncation of the encoding
// is rejected. Run twice per version: once with values everywhere, once with nulls wherever the
// version allows them.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "base/coding.hpp"

namespace kafka_do::protocol {

template <typename T>
std::string encode_message(const T& message, int16_t version) {
  std::string bytes;
  ByteWriter w(bytes);
  message.encode(w, version);
  return bytes;
}

// `fill(message, version, nulls, salt)` sets every field present at `version` to a non-default
// value (varied by `salt`), or to null where nullable when `nulls`.
template <typename T>
void check_every_version(void (*fill)(T&, int16_t, bool, int)) {
  for (int16_t version = T::lowest_version; version <= T::highest_version; ++version) {
    for (const bool nulls : {false, true}) {
      SCOPED_TRACE(testing::Message() << "version " << version << (nulls ? " with nulls" : ""));
      T message;
      fill(message, version, nulls, 0);
      ASSERT_TRUE(message.can_encode(version));
      const std::string bytes = encode_message(message, version);

      T decoded;
      ByteReader r(bytes);
      ASSERT_TRUE(decoded.decode(r, version));
      EXPECT_TRUE(r.empty()) << r.remaining() << " bytes left over";
      EXPECT_TRUE(decoded == message);
      EXPECT_EQ(encode_message(decoded, version), bytes);

      for (size_t n = 0; n < bytes.size(); ++n) {
        T truncated;
        ByteReader prefix(std::string_view(bytes).substr(0, n));
        ASSERT_FALSE(truncated.decode(prefix, version)) << "accepted a " << n << "-byte prefix";
      }
    }
  }
}

}  // namespace kafka_do::protocol
