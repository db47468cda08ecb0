#pragma once
// Helpers to build and read record batches in tests.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "model/record_batch.hpp"

namespace kafka_do::testing {

// A batch of `values` (keys "k<i>", timestamp `timestamp` + i).
inline std::string make_batch(const std::vector<std::string>& values, int64_t timestamp = 1000,
                              model::Compression compression = model::Compression::none) {
  model::BatchBuilder builder({.compression = compression});
  for (size_t i = 0; i < values.size(); ++i) {
    builder.add(timestamp + int64_t(i), "k" + std::to_string(i), values[i]);
  }
  auto built = builder.build();
  EXPECT_TRUE(built);
  return built ? *built : std::string();
}

// Every record in a run of batches, in order.
inline std::vector<model::Record> decode_all(std::string_view batches) {
  std::vector<model::Record> out;
  while (!batches.empty()) {
    auto h = model::parse_batch_header(batches);
    EXPECT_TRUE(h) << (h ? "" : h.error().to_string());
    if (!h || h->total_size() > batches.size()) break;
    auto records = model::decode_batch(batches.substr(0, h->total_size()));
    EXPECT_TRUE(records) << (records ? "" : records.error().to_string());
    if (!records) break;
    for (auto& r : *records) out.push_back(std::move(r));
    batches.remove_prefix(h->total_size());
  }
  return out;
}

}  // namespace kafka_do::testing
