#pragma once
// Hands out producer ids for InitProducerId. Ids must never repeat across restarts (a reused id
// would let a new producer's batches be taken for an old one's duplicates), so the allocator
// reserves them in blocks and persists the end of the current block before handing out any id
// from it; a restart skips the rest of the block.
//
// File: <data dir>/producer_ids, one decimal number: the first id not yet reserved.
//
// Thread safety: allocate() may be called from any thread.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "base/file_system.hpp"
#include "base/result.hpp"

namespace kafka_do::coordinator {

class ProducerIdAllocator {
 public:
  static constexpr int64_t kBlockSize = 1000;

  static Result<std::unique_ptr<ProducerIdAllocator>> open(std::shared_ptr<fs::FileSystem> fs,
                                                           const std::string& data_dir);
  // A producer id never handed out before by this data directory.
  Result<int64_t> allocate();

 private:
  ProducerIdAllocator(std::shared_ptr<fs::FileSystem> fs, std::string path, int64_t next)
      : fs_(std::move(fs)), path_(std::move(path)), next_(next), reserved_end_(next) {}

  const std::shared_ptr<fs::FileSystem> fs_;
  const std::string path_;
  std::mutex mu_;
  int64_t next_;
  int64_t reserved_end_;
};

}  // namespace kafka_do::coordinator
