#pragma once
// The engine's top: one data directory, its topics and their partitions. Owns the directory
// (advisory lock), recovers every partition at open, persists topic metadata and configs, and
// runs the background work (interval flushes, retention).
//
// Data directory layout (docs/format/log_format.md has the details):
//   DIR/LOCK                          advisory lock; holds the owner's pid
//   DIR/FORMAT                        format marker ("kafka-do 1")
//   DIR/topics/<topic>/topic.json     partition count and config overrides
//   DIR/topics/<topic>/<partition>/   segments: *.log, *.index, *.timeindex
//   DIR/trash/                        deleted topics on their way out
//
// Thread safety: all methods may be called from any thread.

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/file_system.hpp"
#include "storage/log_cleaner.hpp"
#include "storage/log_options.hpp"
#include "storage/partition_log.hpp"
#include "storage/topic_config.hpp"

namespace kafka_do::storage {

// What the cleaner has done since the engine opened (counters for metrics).
struct CleanerStats {
  uint64_t passes = 0;  // partitions cleaned
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  uint64_t records_removed = 0;
  uint64_t tombstones_removed = 0;
  uint64_t errors = 0;
  std::string last_error;
  std::string last_summary;
};

struct TopicDescription {
  std::string name;
  int32_t partitions = 0;
  TopicConfig config;
};

class LogManager {
 public:
  // Opens (creating if needed) the data directory `dir` on `fs`. Fails with Errc::locked, naming
  // the holder, when another owner has it.
  static Result<std::unique_ptr<LogManager>> open(std::shared_ptr<fs::FileSystem> fs,
                                                  std::string dir, LogOptions options = {});
  ~LogManager();
  LogManager(const LogManager&) = delete;
  LogManager& operator=(const LogManager&) = delete;

  // Errors: invalid_argument (name, partition count or config), already_exists.
  Status create_topic(const std::string& name, int32_t partitions,
                      const std::map<std::string, std::string>& config = {});
  Status delete_topic(const std::string& name);
  // Grows the topic to `total` partitions (never shrinks).
  Status create_partitions(const std::string& name, int32_t total);
  // Applies changes: a value sets the key, nullopt resets it to the default.
  Status alter_topic_config(const std::string& name,
                            const std::map<std::string, std::optional<std::string>>& changes);

  bool has_topic(const std::string& name) const;
  std::vector<std::string> topic_names() const;
  Result<TopicDescription> describe_topic(const std::string& name) const;
  Result<std::shared_ptr<PartitionLog>> partition(const std::string& topic,
                                                  int32_t partition) const;

  Status flush_all();
  // Applies retention to every partition now; returns the number of segments deleted.
  Result<size_t> apply_retention(int64_t now_ms);
  // Cleans every compacted partition that is due, dirtiest first, once each; returns what each
  // pass did (the background cleaner calls the same).
  Result<std::vector<CleanResult>> clean_due(int64_t now_ms);
  CleanerStats cleaner_stats() const;
  // Segments retention (time or size) has deleted since the engine opened.
  uint64_t retention_segments_deleted() const { return retention_segments_deleted_.load(); }
  // What recovery found at open: one line per truncated or inconsistent segment.
  const std::vector<std::string>& recovery_report() const { return recovery_report_; }

  const std::string& directory() const { return dir_; }
  const LogOptions& options() const { return options_; }
  const std::shared_ptr<fs::FileSystem>& file_system() const { return fs_; }

  // Flushes and closes every partition, stops background work, releases the directory.
  Status close();

 private:
  struct Topic {
    std::string name;
    TopicConfig config;
    std::vector<std::shared_ptr<PartitionLog>> partitions;
  };

  LogManager(std::shared_ptr<fs::FileSystem> fs, std::string dir, LogOptions options);
  Status load();
  Status load_topic(const std::string& name);
  Status write_topic_metadata(const Topic& topic);
  std::string topic_dir(const std::string& name) const;
  std::string partition_dir(const std::string& name, int32_t partition) const;
  void maintenance_loop();
  void cleaner_loop();

  const std::shared_ptr<fs::FileSystem> fs_;
  const std::string dir_;
  const LogOptions options_;
  std::unique_ptr<fs::DirectoryLock> lock_;
  std::vector<std::string> recovery_report_;

  mutable std::shared_mutex topics_mu_;
  std::map<std::string, std::shared_ptr<Topic>> topics_;
  // Serialises metadata changes (create/delete/alter) so they never interleave on disk.
  std::mutex admin_mu_;
  uint64_t trash_counter_ = 0;

  std::mutex maintenance_mu_;
  std::condition_variable maintenance_cv_;
  bool stopping_ = false;
  bool closed_ = false;
  std::thread maintenance_;

  std::mutex cleaner_mu_;  // one pass at a time: the LogCleaner and its map are single-user
  LogCleaner cleaner_;
  std::atomic<uint64_t> retention_segments_deleted_{0};
  mutable std::mutex cleaner_stats_mu_;
  CleanerStats cleaner_stats_;
  std::thread cleaner_thread_;
};

}  // namespace kafka_do::storage
