#include "coordinator/producer_ids.hpp"

#include <charconv>

namespace kafka_do::coordinator {

Result<std::unique_ptr<ProducerIdAllocator>> ProducerIdAllocator::open(
    std::shared_ptr<fs::FileSystem> fs, const std::string& data_dir) {
  std::string path = fs::join_path(data_dir, "producer_ids");
  int64_t next = 0;
  if (fs->exists(path)) {
    KD_ASSIGN(std::string stored, fs::read_file(*fs, path));
    const auto [end, ec] = std::from_chars(stored.data(), stored.data() + stored.size(), next);
    if (ec != std::errc() || next < 0) {
      return Error(Errc::corruption, path + " does not hold a producer id: '" + stored + "'");
    }
  }
  return std::unique_ptr<ProducerIdAllocator>(
      new ProducerIdAllocator(std::move(fs), std::move(path), next));
}

Result<int64_t> ProducerIdAllocator::allocate() {
  std::lock_guard lock(mu_);
  if (next_ == reserved_end_) {
    const int64_t end = reserved_end_ + kBlockSize;
    KD_TRY(fs::write_file_atomically(*fs_, path_, std::to_string(end)));
    reserved_end_ = end;
  }
  return next_++;
}

}  // namespace kafka_do::coordinator
