#pragma once
// The console page's files, embedded at build time from src/broker/console/web/ by
// cmake/embed_assets.cmake (the generated console_assets.cpp lives in the build tree).

#include <string_view>

namespace kafka_do::broker::console {

struct Asset {
  std::string_view path;  // as served, e.g. "/console.js"
  std::string_view content_type;
  std::string_view body;
};

// Every embedded file; "/" is the page itself.
extern const Asset kAssets[];
extern const size_t kAssetCount;

}  // namespace kafka_do::broker::console
