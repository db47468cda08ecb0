#include "client/partitioner.hpp"

#include <algorithm>

#include "base/murmur2.hpp"

namespace kafka_do::client {

Partitioner::Partitioner(int32_t partitions)
    : partitions_(std::max(1, partitions)),
      rng_(std::random_device{}()),
      sticky_(int32_t(rng_() % uint32_t(partitions_))) {}

void Partitioner::set_partitions(int32_t partitions) {
  partitions_ = std::max(partitions_, partitions);
}

int32_t Partitioner::choose(const std::optional<int32_t>& partition,
                            const std::optional<std::string_view>& key) const {
  if (partition) return *partition;
  if (key) return partition_for_key(*key, partitions_);
  return sticky_;
}

void Partitioner::batch_done(int32_t partition) {
  if (partition != sticky_ || partitions_ < 2) return;
  const int32_t next = int32_t(rng_() % uint32_t(partitions_ - 1));
  sticky_ = next >= partition ? next + 1 : next;  // any partition but this one
}

}  // namespace kafka_do::client
