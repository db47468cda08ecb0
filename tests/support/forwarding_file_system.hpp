#pragma once
// A FileSystem that forwards every call to another one: the base of test file systems that
// change a few calls (fail after a budget of changes, make syncs slow) and keep the rest.

#include <memory>
#include <string>
#include <vector>

#include "base/file_system.hpp"

namespace kafka_do::testing {

class ForwardingFileSystem : public fs::FileSystem {
 public:
  explicit ForwardingFileSystem(std::shared_ptr<fs::FileSystem> inner) : inner_(std::move(inner)) {}

  Result<std::unique_ptr<fs::File>> open(const std::string& path, fs::OpenMode mode) override {
    return inner_->open(path, mode);
  }
  Result<std::vector<std::string>> list(const std::string& dir) override {
    return inner_->list(dir);
  }
  bool exists(const std::string& path) override { return inner_->exists(path); }
  bool is_directory(const std::string& path) override { return inner_->is_directory(path); }
  Status create_directories(const std::string& dir) override {
    return inner_->create_directories(dir);
  }
  Status remove_file(const std::string& path) override { return inner_->remove_file(path); }
  Status remove_all(const std::string& path) override { return inner_->remove_all(path); }
  Status rename(const std::string& from, const std::string& to) override {
    return inner_->rename(from, to);
  }
  Status sync_directory(const std::string& dir) override { return inner_->sync_directory(dir); }
  Result<std::unique_ptr<fs::DirectoryLock>> lock(const std::string& path) override {
    return inner_->lock(path);
  }
  bool durable() const override { return inner_->durable(); }

 protected:
  fs::FileSystem& inner() { return *inner_; }

 private:
  std::shared_ptr<fs::FileSystem> inner_;
};

}  // namespace kafka_do::testing
