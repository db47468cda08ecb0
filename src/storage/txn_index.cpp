#include "storage/txn_index.hpp"

#include "base/coding.hpp"

namespace kafka_do::storage::txn_index {
namespace {
constexpr int16_t kVersion = 0;
}  // namespace

std::string encode(const std::vector<AbortedTxn>& entries) {
  std::string out;
  ByteWriter w(out);
  for (const AbortedTxn& e : entries) {
    w.i16(kVersion);
    w.i64(e.producer_id);
    w.i64(e.first_offset);
    w.i64(e.last_offset);
    w.i64(e.last_stable_offset);
  }
  return out;
}

Result<std::vector<AbortedTxn>> read(fs::FileSystem& fs, const std::string& path) {
  KD_ASSIGN(std::string bytes, fs::read_file(fs, path));
  std::vector<AbortedTxn> out;
  ByteReader r(bytes);
  for (size_t i = 0; i + kEntrySize <= bytes.size(); i += kEntrySize) {
    if (r.i16() != kVersion) {
      return Error(Errc::corruption, path + ": unknown entry version at byte " + std::to_string(i));
    }
    AbortedTxn e;
    e.producer_id = r.i64();
    e.first_offset = r.i64();
    e.last_offset = r.i64();
    e.last_stable_offset = r.i64();
    out.push_back(e);
  }
  return out;
}

Status append(fs::FileSystem& fs, const std::string& path, const AbortedTxn& entry) {
  KD_ASSIGN(auto file, fs.open(path, fs::OpenMode::read_write_create));
  // A torn entry left by a crash is cut off first, so the file stays a whole number of entries.
  if (file->size() % kEntrySize != 0)
    KD_TRY(file->truncate(file->size() - file->size() % kEntrySize));
  return file->append(encode({entry}));
}

}  // namespace kafka_do::storage::txn_index
