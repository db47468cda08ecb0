// In-memory implementation of the file layer: the memory: backend and fault-free test runs.
// Files are shared byte strings; an open File keeps its data alive after removal (as an unlinked
// POSIX file does). Directories are an explicit set so that list() and exists() behave like disk.
#include <map>
#include <mutex>
#include <set>
#include <vector>

#include "base/file_system.hpp"

namespace kafka_do::fs {
namespace {

std::string normalise(std::string_view path) {
  std::string p(path);
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  while (p.rfind("./", 0) == 0 && p.size() > 2) p.erase(0, 2);
  return p;
}

struct Node {
  mutable std::mutex mu;
  std::string data;
};

class SnapshotRegion final : public MappedRegion {
 public:
  explicit SnapshotRegion(std::string data) : data_(std::move(data)) {}
  std::string_view data() const override { return data_; }

 private:
  std::string data_;
};

class MemoryFile final : public File {
 public:
  MemoryFile(std::shared_ptr<Node> node, std::string path, bool writable)
      : node_(std::move(node)), path_(std::move(path)), writable_(writable) {}

  Status append(std::string_view data) override {
    if (!writable_) return read_only_error("write");
    std::lock_guard lock(node_->mu);
    node_->data.append(data);
    return {};
  }
  Result<size_t> read_at(uint64_t pos, char* dst, size_t n) const override {
    std::lock_guard lock(node_->mu);
    if (pos >= node_->data.size()) return size_t{0};
    const size_t count = std::min<size_t>(n, node_->data.size() - pos);
    node_->data.copy(dst, count, pos);
    return count;
  }
  uint64_t size() const override {
    std::lock_guard lock(node_->mu);
    return node_->data.size();
  }
  Status truncate(uint64_t size) override {
    if (!writable_) return read_only_error("truncate");
    std::lock_guard lock(node_->mu);
    node_->data.resize(size);
    return {};
  }
  Status sync() override { return {}; }
  Result<std::unique_ptr<MappedRegion>> map() const override {
    std::lock_guard lock(node_->mu);
    return std::unique_ptr<MappedRegion>(std::make_unique<SnapshotRegion>(node_->data));
  }
  const std::string& path() const override { return path_; }

 private:
  // As POSIX refuses writes through an O_RDONLY descriptor (EBADF).
  Error read_only_error(const char* what) const {
    return Error(Errc::io_error, std::string(what) + " " + path_ + ": opened read-only");
  }

  std::shared_ptr<Node> node_;
  std::string path_;
  bool writable_;
};

class MemoryFileSystem;

class MemoryLock final : public DirectoryLock {
 public:
  MemoryLock(std::shared_ptr<MemoryFileSystem> fs, std::string path)
      : fs_(std::move(fs)), path_(std::move(path)) {}
  ~MemoryLock() override;

 private:
  std::shared_ptr<MemoryFileSystem> fs_;
  std::string path_;
};

class MemoryFileSystem final : public FileSystem,
                               public std::enable_shared_from_this<MemoryFileSystem> {
 public:
  Result<std::unique_ptr<File>> open(const std::string& raw, OpenMode mode) override {
    const std::string path = normalise(raw);
    std::lock_guard lock(mu_);
    auto it = files_.find(path);
    if (it == files_.end()) {
      if (mode == OpenMode::read_write || mode == OpenMode::read_only) {
        return Error(Errc::not_found, "no such file: " + path);
      }
      if (!dirs_.count(parent_path(path)))
        return Error(Errc::not_found, "no such directory for " + path);
      it = files_.emplace(path, std::make_shared<Node>()).first;
    } else if (mode == OpenMode::create_new) {
      return Error(Errc::already_exists, "file exists: " + path);
    }
    return std::unique_ptr<File>(
        std::make_unique<MemoryFile>(it->second, path, mode != OpenMode::read_only));
  }

  Result<std::vector<std::string>> list(const std::string& raw) override {
    const std::string dir = normalise(raw);
    std::lock_guard lock(mu_);
    if (!dirs_.count(dir)) return Error(Errc::not_found, "no such directory: " + dir);
    std::vector<std::string> names;
    const std::string prefix = dir == "/" ? "/" : dir + "/";
    auto direct_child = [&](const std::string& p) -> bool {
      return p.size() > prefix.size() && p.compare(0, prefix.size(), prefix) == 0 &&
             p.find('/', prefix.size()) == std::string::npos;
    };
    for (const auto& [p, node] : files_) {
      if (direct_child(p)) names.push_back(p.substr(prefix.size()));
    }
    for (const auto& d : dirs_) {
      if (direct_child(d)) names.push_back(d.substr(prefix.size()));
    }
    return names;
  }

  bool exists(const std::string& raw) override {
    const std::string path = normalise(raw);
    std::lock_guard lock(mu_);
    return files_.count(path) || dirs_.count(path);
  }

  bool is_directory(const std::string& raw) override {
    std::lock_guard lock(mu_);
    return dirs_.count(normalise(raw)) > 0;
  }

  Status create_directories(const std::string& raw) override {
    std::string dir = normalise(raw);
    std::lock_guard lock(mu_);
    // Check every missing level before creating any: a failure creates nothing.
    std::vector<std::string> missing;
    while (!dir.empty() && dir != "." && dir != "/" && !dirs_.count(dir)) {
      if (files_.count(dir)) return Error(Errc::io_error, "not a directory: " + dir);
      missing.push_back(dir);
      dir = parent_path(dir);
    }
    dirs_.insert(missing.begin(), missing.end());
    return {};
  }

  Status remove_file(const std::string& raw) override {
    std::lock_guard lock(mu_);
    files_.erase(normalise(raw));
    return {};
  }

  Status remove_all(const std::string& raw) override {
    const std::string path = normalise(raw);
    const std::string prefix = path + "/";
    std::lock_guard lock(mu_);
    files_.erase(path);
    dirs_.erase(path);
    std::erase_if(files_, [&](const auto& kv) { return kv.first.rfind(prefix, 0) == 0; });
    std::erase_if(dirs_, [&](const std::string& d) { return d.rfind(prefix, 0) == 0; });
    return {};
  }

  Status rename(const std::string& raw_from, const std::string& raw_to) override {
    const std::string from = normalise(raw_from);
    const std::string to = normalise(raw_to);
    std::lock_guard lock(mu_);
    if (!dirs_.count(parent_path(to))) return Error(Errc::not_found, "no such directory for " + to);
    if (auto it = files_.find(from); it != files_.end()) {
      auto node = it->second;
      files_.erase(it);
      files_[to] = std::move(node);
      return {};
    }
    if (!dirs_.count(from)) return Error(Errc::not_found, "no such file or directory: " + from);
    const std::string prefix = from + "/";
    std::map<std::string, std::shared_ptr<Node>> moved_files;
    for (auto it = files_.begin(); it != files_.end();) {
      if (it->first.rfind(prefix, 0) == 0) {
        moved_files[to + it->first.substr(from.size())] = it->second;
        it = files_.erase(it);
      } else {
        ++it;
      }
    }
    std::set<std::string> moved_dirs;
    for (auto it = dirs_.begin(); it != dirs_.end();) {
      if (*it == from || it->rfind(prefix, 0) == 0) {
        moved_dirs.insert(to + it->substr(from.size()));
        it = dirs_.erase(it);
      } else {
        ++it;
      }
    }
    files_.merge(moved_files);
    dirs_.merge(moved_dirs);
    return {};
  }

  Status sync_directory(const std::string&) override { return {}; }

  Result<std::unique_ptr<DirectoryLock>> lock(const std::string& raw) override {
    const std::string path = normalise(raw);
    std::lock_guard lock(mu_);
    if (!locks_.insert(path).second) {
      return Error(Errc::locked, "data directory " + parent_path(path) +
                                     " is in use by another owner in this process (lock " + path +
                                     ")");
    }
    return std::unique_ptr<DirectoryLock>(std::make_unique<MemoryLock>(shared_from_this(), path));
  }

  void unlock(const std::string& path) {
    std::lock_guard lock(mu_);
    locks_.erase(path);
  }

  bool durable() const override { return false; }

 private:
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Node>> files_;
  std::set<std::string> dirs_{"/", "."};
  std::set<std::string> locks_;
};

MemoryLock::~MemoryLock() { fs_->unlock(path_); }

}  // namespace

std::shared_ptr<FileSystem> memory_file_system() { return std::make_shared<MemoryFileSystem>(); }

}  // namespace kafka_do::fs
