// `kafkado keys`: the API key file of `kafkado serve --api-keys FILE`. Each change rewrites the
// whole file (fs::write_file_atomically, owner-only), so a running
// broker, which rereads the file when it changes, never sees half of it; legacy
// `username:secret` lines leave the file salted at the first change.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "base/file_system.hpp"
#include "broker/security/key_store.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"

namespace kafka_do::cli {
namespace {

using broker::security::KeyStore;

[[noreturn]] void fail(const std::string& message) {
  throw kafka::Error(kafka::ErrorCode::unknown_server_error, message);
}

// The file's keys; an absent file is an empty store when `may_be_new` (keys add creates it).
KeyStore read_keys(const std::string& path, bool may_be_new) {
  if (may_be_new && ::access(path.c_str(), F_OK) != 0) return KeyStore();
  auto keys = KeyStore::load(path, /*allow_empty=*/true);
  if (!keys) fail(keys.error().message());
  return std::move(*keys);
}

void write_keys(const std::string& path, const KeyStore& keys) {
  // Owner-only, like any credential file (this process writes nothing else).
  ::umask(077);
  if (Status written = fs::write_file_atomically(*fs::posix_file_system(), path, keys.serialize());
      !written) {
    fail("cannot replace " + path + ": " + written.error().message());
  }
}

void say(const GlobalOptions& global, const std::string& line) {
  if (!global.quiet) std::fprintf(stderr, "%s\n", line.c_str());
}

std::string converted(size_t legacy) {
  return legacy == 0
             ? ""
             : "; " + std::to_string(legacy) + " 'username:secret' line(s) rewritten salted";
}

}  // namespace

void keys_add(const GlobalOptions& global, const KeysOptions& options) {
  if (Status name = broker::security::check_key_name(options.name); !name) {
    throw UsageError(name.error().message());
  }
  std::string secret = options.secret.value_or("");
  if (options.secret_stdin) {
    // One line: a secret kept out of the shell's history and the process list.
    if (!std::getline(std::cin, secret)) throw UsageError("--secret-stdin: no line on stdin");
  }
  if (secret.empty()) throw UsageError("the secret cannot be empty (--secret or --secret-stdin)");
  KeyStore keys = read_keys(options.file, /*may_be_new=*/true);
  const size_t legacy = keys.legacy_count();
  auto key = broker::security::make_api_key(options.name, secret, options.superuser);
  key.produce_quota = options.produce_quota;
  key.fetch_quota = options.fetch_quota;
  if (Status added = keys.add(std::move(key)); !added) {
    fail(added.error().message() + " in " + options.file + " (keys remove it first)");
  }
  write_keys(options.file, keys);
  say(global, "added " + std::string(options.superuser ? "superuser" : "key") + " '" +
                  options.name + "' to " + options.file + converted(legacy));
}

void keys_remove(const GlobalOptions& global, const KeysOptions& options) {
  KeyStore keys = read_keys(options.file, false);
  const size_t legacy = keys.legacy_count();
  if (!keys.remove(options.name)) fail("no key '" + options.name + "' in " + options.file);
  write_keys(options.file, keys);
  say(global, "removed '" + options.name + "' from " + options.file + converted(legacy) +
                  (keys.size() == 0 ? "; no keys left: nobody can authenticate" : ""));
}

void keys_list(const GlobalOptions&, const KeysOptions& options) {
  const KeyStore keys = read_keys(options.file, false);
  if (options.json) {
    auto out = nlohmann::json::array();
    for (const auto& [name, key] : keys.keys()) {
      out.push_back(
          {{"name", name},
           {"superuser", key.superuser},
           {"mechanisms", {"SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"}},
           {"legacy", key.legacy},
           {"produce_quota",
            key.produce_quota ? nlohmann::json(*key.produce_quota) : nlohmann::json()},
           {"fetch_quota", key.fetch_quota ? nlohmann::json(*key.fetch_quota) : nlohmann::json()}});
    }
    std::cout << out.dump() << "\n";
    return;
  }
  for (const auto& [name, key] : keys.keys()) {
    std::cout << name << (key.superuser ? "  superuser" : "  user")
              << (key.produce_quota ? "  produce " + std::to_string(*key.produce_quota) + " B/s"
                                    : "")
              << (key.fetch_quota ? "  fetch " + std::to_string(*key.fetch_quota) + " B/s" : "")
              << (key.legacy ? "  (legacy username:secret line)" : "") << "\n";
  }
}

void keys_migrate(const GlobalOptions& global, const KeysOptions& options) {
  const KeyStore keys = read_keys(options.file, false);
  write_keys(options.file, keys);
  say(global, "rewrote " + options.file + ": " + std::to_string(keys.size()) + " keys" +
                  converted(keys.legacy_count()));
}

}  // namespace kafka_do::cli
