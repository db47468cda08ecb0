#pragma once
// The `--api-keys FILE` of a running broker: the key store it holds, reread when the file
// changes (`kafkado keys add` / `remove` replace it by rename) or on reload() (SIGHUP), so keys
// are added and revoked without a restart. A reread that fails (a hand edit gone wrong) keeps
// the keys in force and says why; one that leaves no keys locks everyone out, as asked.
// Thread-safe.

#include <sys/stat.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "base/result.hpp"
#include "broker/security/key_store.hpp"

namespace kafka_do::broker::security {

class KeyFile {
 public:
  using Log = std::function<void(const std::string&)>;
  // Fails when the file cannot be read, is malformed, or holds no keys.
  static Result<std::unique_ptr<KeyFile>> open(std::string path, Log log);

  // The keys as the file has them now (a stat() per call; reread when it changed): what a
  // login checks, so a key removed a moment ago is refused at once.
  std::shared_ptr<const KeyStore> current();
  // The keys as of at most kRecheck ago: what per-request lookups (quotas) use, so a Produce or
  // Fetch costs no system call on the network thread.
  std::shared_ptr<const KeyStore> recent();
  static constexpr std::chrono::milliseconds kRecheck{250};
  // Rereads the file whether or not it looks changed.
  void reload();

  const std::string& path() const { return path_; }

  KeyFile(std::string path, Log log) : path_(std::move(path)), log_(std::move(log)) {}

 private:
  struct Version {
    ino_t inode = 0;
    off_t size = -1;
    timespec modified{};
    bool operator==(const Version& o) const {
      return inode == o.inode && size == o.size && modified.tv_sec == o.modified.tv_sec &&
             modified.tv_nsec == o.modified.tv_nsec;
    }
  };
  Version version_on_disk() const;
  void reread_locked(const Version& version);

  const std::string path_;
  const Log log_;
  std::mutex mu_;
  std::shared_ptr<const KeyStore> keys_;
  Version version_;
  std::chrono::steady_clock::time_point checked_{};  // the last stat() of the file
};

// The line a broker logs about `keys`' legacy `username:secret` lines ("" when there are none).
std::string legacy_key_warning(const KeyStore& keys, const std::string& path);

}  // namespace kafka_do::broker::security
