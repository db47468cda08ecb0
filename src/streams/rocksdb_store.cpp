#include "streams/rocksdb_store.hpp"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstring>

#include "kafka_do/error.hpp"

namespace kafka::detail {

class RocksDbShared {
 public:
  explicit RocksDbShared(int64_t cache_bytes)
      : cache(rocksdb::NewLRUCache(static_cast<size_t>(std::max<int64_t>(cache_bytes, 1 << 20)))) {}
  std::shared_ptr<rocksdb::Cache> cache;
};

std::shared_ptr<RocksDbShared> rocksdb_shared(int64_t cache_bytes) {
  return std::make_shared<RocksDbShared>(cache_bytes);
}

namespace {

constexpr int64_t kNoDue = INT64_MIN;
constexpr const char* kCheckpointKey = "changelog_offset";

void put_be64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}
uint64_t get_be64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | static_cast<unsigned char>(p[i]);
  return v;
}
// Due times sort as bytes once the sign bit is flipped.
std::string due_key(int64_t due, std::string_view row) {
  std::string key;
  key.reserve(8 + row.size());
  put_be64(key, static_cast<uint64_t>(due) ^ (uint64_t{1} << 63));
  key.append(row);
  return key;
}
int64_t due_of_key(const rocksdb::Slice& key) {
  return static_cast<int64_t>(get_be64(key.data()) ^ (uint64_t{1} << 63));
}

// A local store that cannot be read or written (disk full, I/O error): the run ends with it.
Error storage_error(const std::string& message) {
  return Error(ErrorCode::kafka_storage_error, message);
}

void check(const rocksdb::Status& s, const std::string& what) {
  if (!s.ok()) throw storage_error("streams: RocksDB " + what + ": " + s.ToString());
}

}  // namespace

struct RocksDbStore::Impl {
  struct Entry {
    Json value;
    bool present = false;
    bool changed = false;               // not yet taken for the changelog
    bool unpersisted = false;           // not yet written to RocksDB
    std::optional<int64_t> due;         // the schedule now
    std::optional<int64_t> stored_due;  // the schedule in RocksDB
  };

  std::string name;
  std::filesystem::path dir;
  std::shared_ptr<RocksDbShared> shared;
  size_t max_cached_rows;
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // default, rows, due
  rocksdb::ColumnFamilyHandle* meta_cf = nullptr;
  rocksdb::ColumnFamilyHandle* rows_cf = nullptr;
  rocksdb::ColumnFamilyHandle* due_cf = nullptr;
  std::optional<int64_t> checkpoint;
  // Nothing is on disk (no checkpoint yet: rows are only ever written with one), so a miss in
  // the cache needs no read: a restore into a new or wiped store goes at the speed of writes.
  bool disk_empty = false;
  std::vector<std::string> stale_due;  // "due" keys found stale by a scan, deleted at persist

  std::unordered_map<std::string, Entry> cache;
  std::vector<std::string> changed_rows;                  // rows with Entry::changed
  std::vector<std::string> unpersisted_rows;              // rows with unpersisted data or schedule
  std::set<std::pair<int64_t, std::string>> pending_due;  // scheduled since the last persist
  // Where the next scan of the "due" family starts: every entry before it was taken or is stale.
  std::string scan_from;
  int64_t scan_time = INT64_MIN;  // no entry of the family is due before this time

  rocksdb::Options options() const {
    rocksdb::Options o;
    o.create_if_missing = true;
    o.create_missing_column_families = true;
    // Bounded memory: two 8 MiB write buffers per family at most, 24 MiB across the store.
    o.write_buffer_size = 8 << 20;
    o.max_write_buffer_number = 2;
    o.db_write_buffer_size = 24 << 20;
    o.max_open_files = 256;
    o.max_background_jobs = 2;
    o.compression = rocksdb::kLZ4Compression;
    o.keep_log_file_num = 2;
    o.max_manifest_file_size = 8 << 20;
    return o;
  }
  rocksdb::ColumnFamilyOptions family(bool bloom) const {
    rocksdb::ColumnFamilyOptions o(options());
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = shared->cache;
    // Index and filter blocks live in (and are bounded by) the block cache.
    table.cache_index_and_filter_blocks = true;
    table.pin_l0_filter_and_index_blocks_in_cache = true;
    if (bloom) table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    return o;
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> families() const {
    return {{rocksdb::kDefaultColumnFamilyName, family(false)},
            {"rows", family(true)},
            {"due", family(false)}};
  }

  rocksdb::Status try_open() {
    rocksdb::DB* raw = nullptr;
    rocksdb::DBOptions db_options(options());
    auto s = rocksdb::DB::Open(db_options, dir.string(), families(), &handles, &raw);
    if (s.ok()) db.reset(raw);
    return s;
  }
  void open() {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw storage_error("streams: cannot create " + dir.string() + ": " + ec.message());
    auto s = try_open();
    if (!s.ok() && s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      throw ConfigError("streams: the state directory " + dir.string() +
                        " is in use by another process (two instances with one application_id "
                        "need different state_dir values): " +
                        s.ToString());
    }
    if (!s.ok()) {  // unusable: start empty, the changelog restores everything
      destroy();
      s = try_open();
    }
    check(s, "open " + dir.string());
    meta_cf = handles[0];
    rows_cf = handles[1];
    due_cf = handles[2];
    std::string value;
    s = db->Get(rocksdb::ReadOptions(), meta_cf, kCheckpointKey, &value);
    if (s.ok()) checkpoint = std::stoll(value);
    disk_empty = !checkpoint;
    scan_from.clear();
    scan_time = INT64_MIN;
  }
  void close() {
    // A clean stop flushes the write buffers, so the next open has no log to replay.
    if (db) db->Flush(rocksdb::FlushOptions(), handles);
    for (auto* h : handles) {
      if (db) db->DestroyColumnFamilyHandle(h);
    }
    handles.clear();
    if (db) db->Close();
    db.reset();
  }
  void destroy() {
    close();
    rocksdb::DestroyDB(dir.string(), options(), families());
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    std::filesystem::create_directories(dir, ec);
  }

  // The row's entry, read from RocksDB into the cache on a miss.
  Entry& load(const std::string& row) {
    auto it = cache.find(row);
    if (it != cache.end()) return it->second;
    Entry e;
    if (disk_empty) return cache.emplace(row, std::move(e)).first->second;
    std::string bytes;
    auto s = db->Get(rocksdb::ReadOptions(), rows_cf, row, &bytes);
    if (s.ok()) {
      if (bytes.size() < 8) throw storage_error("streams: store '" + name + "' has a short row");
      const auto due = static_cast<int64_t>(get_be64(bytes.data()));
      if (due != kNoDue) e.stored_due = e.due = due;
      e.value = Json::parse(std::string_view(bytes).substr(8));
      e.present = true;
    } else if (!s.IsNotFound()) {
      check(s, "read");
    }
    return cache.emplace(row, std::move(e)).first->second;
  }
  void unschedule(const std::string& row, Entry& e) {
    if (e.due) pending_due.erase({*e.due, row});
    e.due.reset();
  }
  void mark(const std::string& row, Entry& e, bool for_changelog) {
    if (for_changelog && !e.changed) {
      e.changed = true;
      changed_rows.push_back(row);
    }
    if (!e.unpersisted) {
      e.unpersisted = true;
      unpersisted_rows.push_back(row);
    }
  }
};

RocksDbStore::RocksDbStore(std::string name, std::filesystem::path dir,
                           std::shared_ptr<RocksDbShared> shared, size_t max_cached_rows)
    : StateStore(name), impl_(std::make_unique<Impl>()) {
  impl_->name = std::move(name);
  impl_->dir = std::move(dir);
  impl_->shared = std::move(shared);
  impl_->max_cached_rows = max_cached_rows;
  impl_->open();
}

RocksDbStore::~RocksDbStore() { impl_->close(); }

const Json* RocksDbStore::get(const std::string& row) const {
  auto& e = impl_->load(row);
  return e.present ? &e.value : nullptr;
}

Json* RocksDbStore::update(const std::string& row) {
  auto& e = impl_->load(row);
  if (!e.present) return nullptr;
  impl_->mark(row, e, true);
  return &e.value;
}

Json& RocksDbStore::put(const std::string& row, Json value) {
  auto& e = impl_->load(row);
  e.value = std::move(value);
  e.present = true;
  impl_->mark(row, e, true);
  return e.value;
}

void RocksDbStore::erase(const std::string& row) {
  auto& e = impl_->load(row);
  if (!e.present) return;
  e.present = false;
  e.value = Json();
  impl_->unschedule(row, e);
  impl_->mark(row, e, true);
}

void RocksDbStore::for_each(const std::function<void(const std::string&, const Json&)>& fn) const {
  // Rows on disk that the cache does not hold, then the cache (which has every newer version).
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->rows_cf));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string row = it->key().ToString();
    if (impl_->cache.contains(row)) continue;
    fn(row, Json::parse(std::string_view(it->value().data() + 8, it->value().size() - 8)));
  }
  check(it->status(), "scan");
  for (const auto& [row, e] : impl_->cache) {
    if (e.present) fn(row, e.value);
  }
}

void RocksDbStore::restore(const std::string& row, std::optional<Json> value) {
  auto& e = impl_->load(row);
  e.present = value.has_value();
  e.value = value ? std::move(*value) : Json();
  if (!e.present) impl_->unschedule(row, e);
  impl_->mark(row, e, false);
}

std::vector<StateStore::Change> RocksDbStore::take_changes() {
  std::vector<Change> out;
  out.reserve(impl_->changed_rows.size());
  for (const auto& row : impl_->changed_rows) {
    auto& e = impl_->cache.at(row);
    e.changed = false;
    out.emplace_back(row, e.present ? std::optional<Json>(e.value) : std::nullopt);
  }
  impl_->changed_rows.clear();
  return out;
}

void RocksDbStore::set_due(const std::string& row, std::optional<int64_t> due) {
  auto& e = impl_->load(row);
  if (e.due == due || (due && !e.present)) return;
  if (e.due) impl_->pending_due.erase({*e.due, row});
  e.due = due;
  if (due) impl_->pending_due.emplace(*due, row);
  impl_->mark(row, e, false);
}

std::vector<std::string> RocksDbStore::take_due(int64_t now, size_t limit) {
  auto& m = *impl_;
  std::vector<std::string> out;
  auto take = [&](std::string row, int64_t due, bool on_disk) {
    auto& e = m.load(row);
    if (e.due != due) {  // rescheduled since: a stale entry
      if (on_disk && e.stored_due != due) m.stale_due.push_back(due_key(due, row));
      return;
    }
    e.due.reset();
    m.mark(row, e, false);
    out.push_back(std::move(row));
  };
  // Two sources, merged in (due, row) order as a MemoryStore orders them: rows scheduled since
  // the last persist (in memory), and the "due" family, scanned from where the last scan stopped.
  std::unique_ptr<rocksdb::Iterator> it;
  if (now >= m.scan_time) {
    it.reset(m.db->NewIterator(rocksdb::ReadOptions(), m.due_cf));
    it->Seek(m.scan_from);
  }
  auto pending = m.pending_due.begin();
  while (out.size() < limit) {
    std::optional<std::pair<int64_t, std::string>> disk;
    if (it && it->Valid()) {
      const int64_t due = due_of_key(it->key());
      if (due <= now) {
        disk.emplace(due, std::string(it->key().data() + 8, it->key().size() - 8));
      } else {
        m.scan_time = due;
        it.reset();
      }
    } else if (it) {
      check(it->status(), "scan the schedule");
      m.scan_time = INT64_MAX;  // nothing more on disk until the next persist
      it.reset();
    }
    const bool memory = pending != m.pending_due.end() && pending->first <= now;
    if (!disk && !memory) break;
    if (disk && (!memory || *disk <= *pending)) {
      m.scan_from = it->key().ToString();
      it->Next();
      take(std::move(disk->second), disk->first, true);
    } else {
      auto [due, row] = *pending;
      pending = m.pending_due.erase(pending);
      take(std::move(row), due, false);
    }
  }
  return out;
}

std::optional<int64_t> RocksDbStore::checkpoint() const { return impl_->checkpoint; }

void RocksDbStore::persist(int64_t changelog_end) {
  auto& m = *impl_;
  rocksdb::WriteBatch batch;
  std::optional<int64_t> earliest_new_due;
  std::string bytes;
  // Orphans first: a row rescheduled to the same time in this batch puts its entry back.
  for (const auto& key : m.stale_due) check(batch.Delete(m.due_cf, key), "batch");
  for (const auto& row : m.unpersisted_rows) {
    auto& e = m.cache.at(row);
    e.unpersisted = false;
    if (!e.present) e.due.reset();  // a deleted row is never due
    if (e.present) {
      bytes.clear();
      put_be64(bytes, static_cast<uint64_t>(e.due.value_or(kNoDue)));
      bytes += e.value.dump();
      check(batch.Put(m.rows_cf, row, bytes), "batch");
    } else {
      check(batch.Delete(m.rows_cf, row), "batch");
    }
    if (e.stored_due != e.due) {
      if (e.stored_due) check(batch.Delete(m.due_cf, due_key(*e.stored_due, row)), "batch");
      if (e.due) {
        check(batch.Put(m.due_cf, due_key(*e.due, row), rocksdb::Slice()), "batch");
        earliest_new_due = std::min(earliest_new_due.value_or(INT64_MAX), *e.due);
      }
      e.stored_due = e.due;
    }
  }
  check(batch.Put(m.meta_cf, kCheckpointKey, std::to_string(changelog_end)), "batch");
  rocksdb::WriteOptions write;
  write.sync = false;  // the changelog is the durable copy (see the header)
  check(m.db->Write(write, &batch), "write");
  m.unpersisted_rows.clear();
  m.pending_due.clear();
  m.stale_due.clear();
  m.checkpoint = changelog_end;
  m.disk_empty = false;
  if (earliest_new_due && *earliest_new_due < m.scan_time) {
    m.scan_time = *earliest_new_due;
    const std::string from = due_key(*earliest_new_due, "");
    if (from < m.scan_from) m.scan_from = from;
  }
  if (m.cache.size() > m.max_cached_rows) {
    std::erase_if(m.cache, [](const auto& kv) { return !kv.second.changed; });
  }
}

bool RocksDbStore::wants_persist() const {
  return impl_->unpersisted_rows.size() >= impl_->max_cached_rows;
}

void RocksDbStore::wipe() {
  auto& m = *impl_;
  m.cache.clear();
  m.changed_rows.clear();
  m.unpersisted_rows.clear();
  m.pending_due.clear();
  m.stale_due.clear();
  m.checkpoint.reset();
  m.destroy();
  m.open();
}

size_t RocksDbStore::cached_rows() const { return impl_->cache.size(); }

}  // namespace kafka::detail
