#pragma once
// A state store on RocksDB (ADR 0015): rows larger than memory, and a local checkpoint so a
// restart reads back only the changelog tail past it. Layout of <state_dir>/<app>/<store>/
// (docs/format/state_format.md#rocksdb-stores):
//   column family "rows":    row -> 8-byte big-endian due time (INT64_MIN: none) + JSON text
//   column family "due":     8-byte due time, sign bit flipped (so bytes sort as numbers) + row
//   column family "default": "changelog_offset" -> decimal offset the rows reflect
// Changes between commits stay in a cache of parsed rows; persist() writes them, the schedule and
// the checkpoint in one atomic WriteBatch, so the directory always reflects one changelog offset.
// Writes skip fsync: a crash may lose the last batches, which leaves an older (consistent)
// checkpoint and a longer tail to restore, never a wrong row.

#include <filesystem>
#include <memory>

#include "streams/state_store.hpp"

namespace kafka::detail {

// What every RocksDB store of one run shares (the block cache).
class RocksDbShared;
std::shared_ptr<RocksDbShared> rocksdb_shared(int64_t cache_bytes);

class RocksDbStore final : public StateStore {
 public:
  // Opens (creating) the store at `dir`. A directory RocksDB cannot open as a store (corrupt,
  // from something else) is wiped and recreated; one locked by another process is a ConfigError.
  RocksDbStore(std::string name, std::filesystem::path dir, std::shared_ptr<RocksDbShared> shared,
               size_t max_cached_rows = 100'000);
  ~RocksDbStore() override;

  const Json* get(const std::string& row) const override;
  Json* update(const std::string& row) override;
  Json& put(const std::string& row, Json value) override;
  void erase(const std::string& row) override;
  void for_each(const std::function<void(const std::string&, const Json&)>& fn) const override;
  void restore(const std::string& row, std::optional<Json> value) override;
  std::vector<Change> take_changes() override;
  void set_due(const std::string& row, std::optional<int64_t> due) override;
  std::vector<std::string> take_due(int64_t now, size_t limit) override;
  bool keeps_checkpoint() const override { return true; }
  std::optional<int64_t> checkpoint() const override;
  void persist(int64_t changelog_end) override;
  bool wants_persist() const override;
  void wipe() override;

  // Rows held parsed in memory (tests check the bound).
  size_t cached_rows() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kafka::detail
