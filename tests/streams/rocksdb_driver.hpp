#pragma once
// Force-included (-include) into tests/streams/operators_test.cpp for streams_rocksdb_test: the
// whole operator suite again with every store on RocksDB, keeping a single row parsed in memory,
// so each step's rows go to disk and come back (and the driver checkpoints after every step).
// Both stores must give every operator the same answers.

#include <utility>

#include "kafka_do/testing.hpp"
#include "support/temp_dir.hpp"

namespace kafka {

class RocksDbTestDriver : private kafka_do::testing::TempDir, public TopologyTestDriver {
 public:
  explicit RocksDbTestDriver(Topology& topology, StreamOptions options = {},
                             std::chrono::system_clock::time_point wall_clock = {})
      : TopologyTestDriver(topology, on_rocksdb(std::move(options), path()), wall_clock) {}

 private:
  static StreamOptions on_rocksdb(StreamOptions options, const std::string& dir) {
    options.state_store = StoreType::rocksdb;
    options.state_dir = dir;
    options.rocksdb_cached_rows = 1;
    return options;
  }
};

}  // namespace kafka

#define TopologyTestDriver RocksDbTestDriver
