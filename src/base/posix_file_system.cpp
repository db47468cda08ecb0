// POSIX implementation of the file layer.
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/file_system.hpp"

namespace kafka_do::fs {
namespace {

Error io_error(const std::string& what, const std::string& path, int err = errno) {
  return Error(Errc::io_error, what + " " + path + ": " + std::strerror(err));
}

class PosixMappedRegion final : public MappedRegion {
 public:
  PosixMappedRegion(void* addr, size_t size) : addr_(addr), size_(size) {}
  ~PosixMappedRegion() override {
    if (addr_ != nullptr) ::munmap(addr_, size_);
  }
  std::string_view data() const override {
    return {static_cast<const char*>(addr_), addr_ ? size_ : 0};
  }

 private:
  void* addr_;
  size_t size_;
};

class PosixFile final : public File {
 public:
  PosixFile(int fd, std::string path, uint64_t size)
      : fd_(fd), path_(std::move(path)), size_(size) {}
  ~PosixFile() override { ::close(fd_); }

  Status append(std::string_view data) override {
    uint64_t pos = size_.load(std::memory_order_relaxed);
    const char* p = data.data();
    size_t left = data.size();
    while (left > 0) {
      const ssize_t n = ::pwrite(fd_, p, left, off_t(pos));
      if (n < 0) {
        if (errno == EINTR) continue;
        return io_error("write", path_);
      }
      p += n;
      left -= size_t(n);
      pos += uint64_t(n);
    }
    size_.store(pos, std::memory_order_release);
    return {};
  }

  Result<size_t> read_at(uint64_t pos, char* dst, size_t n) const override {
    size_t done = 0;
    while (done < n) {
      const ssize_t r = ::pread(fd_, dst + done, n - done, off_t(pos + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return io_error("read", path_);
      }
      if (r == 0) break;
      done += size_t(r);
    }
    return done;
  }

  uint64_t size() const override { return size_.load(std::memory_order_acquire); }

  Status truncate(uint64_t size) override {
    if (::ftruncate(fd_, off_t(size)) != 0) return io_error("truncate", path_);
    size_.store(size, std::memory_order_release);
    return {};
  }

  Status sync() override {
    if (::fdatasync(fd_) != 0) return io_error("fdatasync", path_);
    return {};
  }

  Result<std::unique_ptr<MappedRegion>> map() const override {
    const uint64_t n = size();
    if (n == 0)
      return std::unique_ptr<MappedRegion>(std::make_unique<PosixMappedRegion>(nullptr, 0));
    void* addr = ::mmap(nullptr, n, PROT_READ, MAP_SHARED, fd_, 0);
    if (addr == MAP_FAILED) return io_error("mmap", path_);
    return std::unique_ptr<MappedRegion>(std::make_unique<PosixMappedRegion>(addr, n));
  }

  const std::string& path() const override { return path_; }

 private:
  int fd_;
  std::string path_;
  std::atomic<uint64_t> size_;
};

class PosixLock final : public DirectoryLock {
 public:
  explicit PosixLock(int fd) : fd_(fd) {}
  ~PosixLock() override {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }

 private:
  int fd_;
};

class PosixFileSystem final : public FileSystem {
 public:
  Result<std::unique_ptr<File>> open(const std::string& path, OpenMode mode) override {
    int flags = O_CLOEXEC;
    switch (mode) {
      case OpenMode::read_write_create:
        flags |= O_RDWR | O_CREAT;
        break;
      case OpenMode::read_write:
        flags |= O_RDWR;
        break;
      case OpenMode::create_new:
        flags |= O_RDWR | O_CREAT | O_EXCL;
        break;
      case OpenMode::read_only:
        flags |= O_RDONLY;
        break;
    }
    const int fd = ::open(path.c_str(), flags, 0644);
    if (fd < 0) {
      if (errno == ENOENT) return Error(Errc::not_found, "no such file: " + path);
      if (errno == EEXIST) return Error(Errc::already_exists, "file exists: " + path);
      return io_error("open", path);
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      return io_error("stat", path, err);
    }
    return std::unique_ptr<File>(std::make_unique<PosixFile>(fd, path, uint64_t(st.st_size)));
  }

  Result<std::vector<std::string>> list(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) {
      if (errno == ENOENT) return Error(Errc::not_found, "no such directory: " + dir);
      return io_error("opendir", dir);
    }
    std::vector<std::string> names;
    while (const dirent* e = ::readdir(d)) {
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
        names.emplace_back(e->d_name);
      }
    }
    ::closedir(d);
    return names;
  }

  bool exists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }

  bool is_directory(const std::string& path) override {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  }

  Status create_directories(const std::string& dir) override {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Error(Errc::io_error, "mkdir " + dir + ": " + ec.message());
    return {};
  }

  Status remove_file(const std::string& path) override {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return io_error("unlink", path);
    return {};
  }

  Status remove_all(const std::string& path) override {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
    if (ec) return Error(Errc::io_error, "remove " + path + ": " + ec.message());
    return {};
  }

  Status rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return io_error("rename " + from + " to", to);
    return {};
  }

  Status sync_directory(const std::string& dir) override {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return io_error("open directory", dir);
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) return io_error("fsync directory", dir, err);
    return {};
  }

  Result<std::unique_ptr<DirectoryLock>> lock(const std::string& lock_path) override {
    const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return io_error("open lock file", lock_path);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      char buf[64] = {};
      // The holder writes its pid right after taking the lock; give it a moment if we came in
      // between, so the error names the real holder rather than a stale or missing pid.
      ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
      for (int retry = 0; retry < 20 && n <= 0 && err == EWOULDBLOCK; ++retry) {
        ::usleep(10'000);
        n = ::pread(fd, buf, sizeof(buf) - 1, 0);
      }
      ::close(fd);
      if (err == EWOULDBLOCK) {
        std::string holder = n > 0 ? std::string(buf, size_t(n)) : std::string("unknown");
        while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' '))
          holder.pop_back();
        return Error(Errc::locked, "data directory " + parent_path(lock_path) +
                                       " is in use by another process (pid " + holder +
                                       ", lock file " + lock_path + ")");
      }
      return io_error("lock", lock_path, err);
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
      const int err = errno;
      ::close(fd);
      return io_error("write lock file", lock_path, err);
    }
    return std::unique_ptr<DirectoryLock>(std::make_unique<PosixLock>(fd));
  }

  bool durable() const override { return true; }
};

}  // namespace

std::shared_ptr<FileSystem> posix_file_system() {
  static const auto fs = std::make_shared<PosixFileSystem>();
  return fs;
}

std::string join_path(std::string_view a, std::string_view b) {
  std::string out(a);
  if (!out.empty() && out.back() != '/') out.push_back('/');
  out.append(b);
  return out;
}

std::string parent_path(std::string_view path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

Status write_file_atomically(FileSystem& fs, const std::string& path, std::string_view contents) {
  const std::string tmp = path + ".tmp";
  KD_TRY(fs.remove_file(tmp));
  {
    KD_ASSIGN(auto file, fs.open(tmp, OpenMode::create_new));
    KD_TRY(file->append(contents));
    KD_TRY(file->sync());
  }
  KD_TRY(fs.rename(tmp, path));
  return fs.sync_directory(parent_path(path));
}

Result<std::string> read_file(FileSystem& fs, const std::string& path) {
  KD_ASSIGN(auto file, fs.open(path, OpenMode::read_only));
  std::string out(file->size(), '\0');
  KD_ASSIGN(size_t n, file->read_at(0, out.data(), out.size()));
  out.resize(n);
  return out;
}

}  // namespace kafka_do::fs
