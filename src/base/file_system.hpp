#pragma once
// The file layer the storage engine writes through (LevelDB's Env idea, narrowed to what a log
// needs). Two implementations: the POSIX one (file: backend) and an in-memory one (memory:
// backend, and tests). Tests can wrap either to inject faults without touching the engine.
//
// Thread safety: a FileSystem may be used from any thread. A File serialises its own operations
// only as far as its implementation says: PosixFile is safe for concurrent read_at with one
// appender (pread/write on an O_APPEND-free fd at tracked offsets); MemoryFile locks internally.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace kafka_do::fs {

// A read-only view of a whole file, valid while the MappedRegion lives. POSIX maps the file;
// the memory file system hands out a snapshot.
class MappedRegion {
 public:
  virtual ~MappedRegion() = default;
  virtual std::string_view data() const = 0;
};

class File {
 public:
  virtual ~File() = default;
  // Appends at the end of the file (the file layer tracks the end; never O_APPEND semantics
  // across processes: one process owns a data directory).
  virtual Status append(std::string_view data) = 0;
  // Reads up to n bytes at pos into dst; returns the count (short only at end of file).
  virtual Result<size_t> read_at(uint64_t pos, char* dst, size_t n) const = 0;
  virtual uint64_t size() const = 0;
  virtual Status truncate(uint64_t size) = 0;
  // Makes appended data durable (fdatasync on POSIX).
  virtual Status sync() = 0;
  virtual Result<std::unique_ptr<MappedRegion>> map() const = 0;
  virtual const std::string& path() const = 0;
};

enum class OpenMode {
  read_write_create,  // create if missing, keep contents
  read_write,         // must exist
  create_new,         // must not exist
  read_only,
};

// Held while a data directory is owned; releasing it (destruction) lets another owner in.
class DirectoryLock {
 public:
  virtual ~DirectoryLock() = default;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  virtual Result<std::unique_ptr<File>> open(const std::string& path, OpenMode mode) = 0;
  // Names (not paths) of the entries in dir, unsorted.
  virtual Result<std::vector<std::string>> list(const std::string& dir) = 0;
  virtual bool exists(const std::string& path) = 0;
  virtual bool is_directory(const std::string& path) = 0;
  virtual Status create_directories(const std::string& dir) = 0;
  virtual Status remove_file(const std::string& path) = 0;
  virtual Status remove_all(const std::string& path) = 0;
  virtual Status rename(const std::string& from, const std::string& to) = 0;
  // Makes a directory's entries (creates, renames, removes) durable.
  virtual Status sync_directory(const std::string& dir) = 0;
  // Takes an exclusive advisory lock on `lock_path` for this process. Fails with Errc::locked and
  // a message naming the holder (pid) when another owner has it.
  virtual Result<std::unique_ptr<DirectoryLock>> lock(const std::string& lock_path) = 0;
  // True when files survive the process (POSIX); false for the memory file system.
  virtual bool durable() const = 0;
};

// The process-wide POSIX file system.
std::shared_ptr<FileSystem> posix_file_system();
// A fresh, empty in-memory file system; it lives as long as its last shared_ptr.
std::shared_ptr<FileSystem> memory_file_system();

// Writes `contents` to `path` atomically: temp file, sync, rename, sync the directory.
Status write_file_atomically(FileSystem& fs, const std::string& path, std::string_view contents);
// Reads a whole (small) file.
Result<std::string> read_file(FileSystem& fs, const std::string& path);

// Path helpers (forward slashes; no normalisation beyond joining).
std::string join_path(std::string_view a, std::string_view b);
std::string parent_path(std::string_view path);

}  // namespace kafka_do::fs
