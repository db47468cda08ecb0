#include "broker/security/key_file.hpp"

namespace kafka_do::broker::security {

std::string legacy_key_warning(const KeyStore& keys, const std::string& path) {
  const size_t legacy = keys.legacy_count();
  if (legacy == 0) return "";
  return "warning: " + std::to_string(legacy) + " key(s) in " + path +
         " are 'username:secret' lines, a plaintext secret on disk (accepted, as superusers); "
         "`kafkado keys migrate --api-keys " +
         path + "` rewrites them salted";
}

Result<std::unique_ptr<KeyFile>> KeyFile::open(std::string path, Log log) {
  auto file = std::make_unique<KeyFile>(std::move(path), std::move(log));
  const Version version = file->version_on_disk();
  KD_ASSIGN(KeyStore keys, KeyStore::load(file->path_));
  if (const std::string warning = legacy_key_warning(keys, file->path_); !warning.empty()) {
    file->log_(warning);
  }
  file->keys_ = std::make_shared<const KeyStore>(std::move(keys));
  file->version_ = version;
  return file;
}

KeyFile::Version KeyFile::version_on_disk() const {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) return Version{};
  return Version{.inode = st.st_ino, .size = st.st_size, .modified = st.st_mtim};
}

std::shared_ptr<const KeyStore> KeyFile::current() {
  const Version now = version_on_disk();
  std::lock_guard lock(mu_);
  checked_ = std::chrono::steady_clock::now();
  if (!(now == version_)) reread_locked(now);
  return keys_;
}

std::shared_ptr<const KeyStore> KeyFile::recent() {
  {
    std::lock_guard lock(mu_);
    if (std::chrono::steady_clock::now() - checked_ < kRecheck) return keys_;
  }
  return current();
}

void KeyFile::reload() {
  const Version now = version_on_disk();
  std::lock_guard lock(mu_);
  reread_locked(now);
}

void KeyFile::reread_locked(const Version& version) {
  // Remembered even when the reread fails, so a broken file is reported once, not per login.
  version_ = version;
  auto keys = KeyStore::load(path_, /*allow_empty=*/true);
  if (!keys) {
    log_("keeping the " + std::to_string(keys_->size()) +
         " API keys in force: " + keys.error().message());
    return;
  }
  log_("reread " + path_ + ": " + std::to_string(keys->size()) + " API keys" +
       (keys->size() == 0 ? " (nobody can authenticate)" : ""));
  if (const std::string warning = legacy_key_warning(*keys, path_); !warning.empty()) {
    log_(warning);
  }
  keys_ = std::make_shared<const KeyStore>(std::move(*keys));
}

}  // namespace kafka_do::broker::security
