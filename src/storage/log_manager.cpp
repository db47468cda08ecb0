#include "storage/log_manager.hpp"

#include <charconv>
#include <chrono>
#include <nlohmann/json.hpp>

#include "model/record_batch.hpp"

namespace kafka_do::storage {
namespace {

constexpr std::string_view kFormatMarker = "kafka-do 1\n";
constexpr int32_t kMaxPartitions = 100000;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Error topic_not_found(const std::string& name) {
  return Error(Errc::not_found, "topic '" + name + "' does not exist");
}

}  // namespace

LogManager::LogManager(std::shared_ptr<fs::FileSystem> fs, std::string dir, LogOptions options)
    : fs_(std::move(fs)),
      dir_(std::move(dir)),
      options_(std::move(options)),
      cleaner_(options_.cleaner_map_bytes) {}

LogManager::~LogManager() { ignore_error(close()); }

Result<std::unique_ptr<LogManager>> LogManager::open(std::shared_ptr<fs::FileSystem> fs,
                                                     std::string dir, LogOptions options) {
  std::unique_ptr<LogManager> manager(
      new LogManager(std::move(fs), std::move(dir), std::move(options)));
  KD_TRY(manager->load());
  manager->maintenance_ = std::thread([m = manager.get()] { m->maintenance_loop(); });
  if (manager->options_.cleaner_enabled) {
    manager->cleaner_thread_ = std::thread([m = manager.get()] { m->cleaner_loop(); });
  }
  return manager;
}

std::string LogManager::topic_dir(const std::string& name) const {
  return fs::join_path(fs::join_path(dir_, "topics"), name);
}

std::string LogManager::partition_dir(const std::string& name, int32_t partition) const {
  return fs::join_path(topic_dir(name), std::to_string(partition));
}

Status LogManager::load() {
  KD_TRY(fs_->create_directories(dir_));
  KD_ASSIGN(lock_, fs_->lock(fs::join_path(dir_, "LOCK")));
  const std::string format_path = fs::join_path(dir_, "FORMAT");
  if (fs_->exists(format_path)) {
    KD_ASSIGN(std::string format, fs::read_file(*fs_, format_path));
    if (format != kFormatMarker) {
      return Error(Errc::unsupported, "data directory " + dir_ + " has format '" + format +
                                          "', this build reads '" +
                                          std::string(kFormatMarker.substr(0, 10)) + "'");
    }
  } else {
    KD_TRY(fs::write_file_atomically(*fs_, format_path, kFormatMarker));
  }
  KD_TRY(fs_->create_directories(fs::join_path(dir_, "topics")));
  KD_TRY(fs_->remove_all(fs::join_path(dir_, "trash")));
  KD_TRY(fs_->create_directories(fs::join_path(dir_, "trash")));
  KD_ASSIGN(auto names, fs_->list(fs::join_path(dir_, "topics")));
  for (const auto& name : names) KD_TRY(load_topic(name));
  return {};
}

Status LogManager::load_topic(const std::string& name) {
  const std::string meta_path = fs::join_path(topic_dir(name), "topic.json");
  if (!model::validate_topic_name(name) || !fs_->exists(meta_path)) {
    // A topic whose creation never finished (no metadata yet): discard it.
    recovery_report_.push_back("removed incomplete topic directory " + topic_dir(name));
    return fs_->remove_all(topic_dir(name));
  }
  KD_ASSIGN(std::string text, fs::read_file(*fs_, meta_path));
  auto meta = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (meta.is_discarded() || !meta.contains("partitions") ||
      !meta["partitions"].is_number_integer()) {
    return Error(Errc::corruption, "topic metadata " + meta_path + " is not valid");
  }
  std::map<std::string, std::string> overrides;
  if (meta.contains("config") && meta["config"].is_object()) {
    for (const auto& [k, v] : meta["config"].items()) {
      if (v.is_string()) overrides[k] = v.get<std::string>();
    }
  }
  auto config = TopicConfig::from_map(overrides);
  if (!config)
    return Error(Errc::corruption, "topic metadata " + meta_path + ": " + config.error().message());
  auto topic = std::make_shared<Topic>();
  topic->name = name;
  topic->config = *config;
  const int32_t count = meta["partitions"].get<int32_t>();
  for (int32_t p = 0; p < count; ++p) {
    KD_ASSIGN(auto log, PartitionLog::open(fs_, partition_dir(name, p), name, p, topic->config,
                                           options_, &recovery_report_));
    topic->partitions.push_back(std::move(log));
  }
  std::unique_lock lock(topics_mu_);
  topics_[name] = std::move(topic);
  return {};
}

Status LogManager::write_topic_metadata(const Topic& topic) {
  nlohmann::json meta;
  meta["version"] = 1;
  meta["partitions"] = topic.partitions.size();
  meta["config"] = nlohmann::json::object();
  for (const auto& [k, v] : topic.config.override_map()) meta["config"][k] = v;
  return fs::write_file_atomically(*fs_, fs::join_path(topic_dir(topic.name), "topic.json"),
                                   meta.dump(2) + "\n");
}

Status LogManager::create_topic(const std::string& name, int32_t partitions,
                                const std::map<std::string, std::string>& config) {
  KD_TRY(model::validate_topic_name(name));
  if (partitions < 1 || partitions > kMaxPartitions) {
    return Error(Errc::invalid_argument,
                 "topic '" + name + "': partition count " + std::to_string(partitions) +
                     " must be between 1 and " + std::to_string(kMaxPartitions));
  }
  KD_ASSIGN(TopicConfig parsed, TopicConfig::from_map(config));
  std::lock_guard admin(admin_mu_);
  if (has_topic(name)) return Error(Errc::already_exists, "topic '" + name + "' already exists");
  auto topic = std::make_shared<Topic>();
  topic->name = name;
  topic->config = parsed;
  KD_TRY(fs_->remove_all(topic_dir(name)));  // leftovers of an incomplete creation
  for (int32_t p = 0; p < partitions; ++p) {
    KD_ASSIGN(auto log,
              PartitionLog::open(fs_, partition_dir(name, p), name, p, parsed, options_, nullptr));
    topic->partitions.push_back(std::move(log));
  }
  // The metadata file is written last: its presence is what makes the topic exist on disk.
  KD_TRY(write_topic_metadata(*topic));
  std::unique_lock lock(topics_mu_);
  topics_[name] = std::move(topic);
  return {};
}

Status LogManager::delete_topic(const std::string& name) {
  std::lock_guard admin(admin_mu_);
  std::shared_ptr<Topic> topic;
  {
    std::unique_lock lock(topics_mu_);
    auto it = topics_.find(name);
    if (it == topics_.end()) return topic_not_found(name);
    topic = it->second;
    topics_.erase(it);
  }
  for (auto& p : topic->partitions) ignore_error(p->close());
  // Rename first so the topic disappears atomically, then delete at leisure.
  const std::string trash =
      fs::join_path(fs::join_path(dir_, "trash"),
                    name + "." + std::to_string(now_ms()) + "." + std::to_string(++trash_counter_));
  KD_TRY(fs_->rename(topic_dir(name), trash));
  KD_TRY(fs_->sync_directory(fs::join_path(dir_, "topics")));
  return fs_->remove_all(trash);
}

Status LogManager::create_partitions(const std::string& name, int32_t total) {
  std::lock_guard admin(admin_mu_);
  std::shared_ptr<Topic> topic;
  {
    std::shared_lock lock(topics_mu_);
    auto it = topics_.find(name);
    if (it == topics_.end()) return topic_not_found(name);
    topic = it->second;
  }
  const auto current = int32_t(topic->partitions.size());
  if (total <= current) {
    return Error(Errc::invalid_argument, "topic '" + name + "' has " + std::to_string(current) +
                                             " partitions; the new count " + std::to_string(total) +
                                             " must be larger");
  }
  if (total > kMaxPartitions)
    return Error(Errc::invalid_argument, "partition count over the maximum");
  std::vector<std::shared_ptr<PartitionLog>> added;
  for (int32_t p = current; p < total; ++p) {
    KD_TRY(fs_->remove_all(partition_dir(name, p)));
    KD_ASSIGN(auto log, PartitionLog::open(fs_, partition_dir(name, p), name, p, topic->config,
                                           options_, nullptr));
    added.push_back(std::move(log));
  }
  auto updated = std::make_shared<Topic>(*topic);
  updated->partitions.insert(updated->partitions.end(), added.begin(), added.end());
  KD_TRY(write_topic_metadata(*updated));
  std::unique_lock lock(topics_mu_);
  topics_[name] = std::move(updated);
  return {};
}

Status LogManager::alter_topic_config(
    const std::string& name, const std::map<std::string, std::optional<std::string>>& changes) {
  std::lock_guard admin(admin_mu_);
  std::shared_ptr<Topic> topic;
  {
    std::shared_lock lock(topics_mu_);
    auto it = topics_.find(name);
    if (it == topics_.end()) return topic_not_found(name);
    topic = it->second;
  }
  TopicConfig config = topic->config;
  for (const auto& [key, value] : changes) {
    KD_TRY(value ? config.set(key, *value) : config.reset(key));
  }
  auto updated = std::make_shared<Topic>(*topic);
  updated->config = config;
  KD_TRY(write_topic_metadata(*updated));
  for (auto& p : updated->partitions) p->set_config(config);
  std::unique_lock lock(topics_mu_);
  topics_[name] = std::move(updated);
  return {};
}

bool LogManager::has_topic(const std::string& name) const {
  std::shared_lock lock(topics_mu_);
  return topics_.count(name) > 0;
}

std::vector<std::string> LogManager::topic_names() const {
  std::shared_lock lock(topics_mu_);
  std::vector<std::string> names;
  names.reserve(topics_.size());
  for (const auto& [name, topic] : topics_) names.push_back(name);
  return names;
}

Result<TopicDescription> LogManager::describe_topic(const std::string& name) const {
  std::shared_lock lock(topics_mu_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return topic_not_found(name);
  return TopicDescription{name, int32_t(it->second->partitions.size()), it->second->config};
}

Result<std::shared_ptr<PartitionLog>> LogManager::partition(const std::string& topic,
                                                            int32_t partition) const {
  std::shared_lock lock(topics_mu_);
  auto it = topics_.find(topic);
  if (it == topics_.end()) return topic_not_found(topic);
  if (partition < 0 || partition >= int32_t(it->second->partitions.size())) {
    return Error(Errc::not_found,
                 "topic '" + topic + "' has no partition " + std::to_string(partition));
  }
  return it->second->partitions[size_t(partition)];
}

Status LogManager::flush_all() {
  std::vector<std::shared_ptr<Topic>> topics;
  {
    std::shared_lock lock(topics_mu_);
    for (const auto& [n, t] : topics_) topics.push_back(t);
  }
  Status first;
  for (const auto& t : topics) {
    for (const auto& p : t->partitions) {
      Status s = p->flush();
      if (!s && first) first = s;
    }
  }
  return first;
}

Result<size_t> LogManager::apply_retention(int64_t now) {
  std::vector<std::shared_ptr<Topic>> topics;
  {
    std::shared_lock lock(topics_mu_);
    for (const auto& [n, t] : topics_) topics.push_back(t);
  }
  size_t deleted = 0;
  for (const auto& t : topics) {
    for (const auto& p : t->partitions) {
      p->expire_producers(now);
      KD_ASSIGN(size_t n, p->apply_retention(now));
      deleted += n;
    }
  }
  retention_segments_deleted_.fetch_add(deleted, std::memory_order_relaxed);
  return deleted;
}

Result<std::vector<CleanResult>> LogManager::clean_due(int64_t now) {
  std::vector<std::pair<double, std::shared_ptr<PartitionLog>>> due;
  {
    std::shared_lock lock(topics_mu_);
    for (const auto& [n, t] : topics_) {
      for (const auto& p : t->partitions) {
        const Cleanability c = LogCleaner::assess(*p, now);
        if (c.due || now >= p->earliest_delete_horizon()) due.emplace_back(c.dirty_ratio(), p);
      }
    }
  }
  std::stable_sort(due.begin(), due.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<CleanResult> results;
  std::lock_guard pass(cleaner_mu_);
  for (const auto& [ratio, p] : due) {
    auto cleaned = cleaner_.clean(*p, now);
    std::string line;
    {
      std::lock_guard lock(cleaner_stats_mu_);
      if (!cleaned) {
        if (cleaned.error().code() == Errc::closed) continue;  // topic deleted or engine closing
        ++cleaner_stats_.errors;
        cleaner_stats_.last_error =
            p->topic() + "-" + std::to_string(p->partition()) + ": " + cleaned.error().to_string();
        line = "cleaner: " + cleaner_stats_.last_error;
      } else if (cleaned->cleaned) {
        ++cleaner_stats_.passes;
        cleaner_stats_.bytes_read += cleaned->bytes_before;
        cleaner_stats_.bytes_written += cleaned->bytes_after;
        cleaner_stats_.records_removed += uint64_t(cleaned->records_removed);
        cleaner_stats_.tombstones_removed += uint64_t(cleaned->tombstones_removed);
        cleaner_stats_.last_summary = line = cleaned->summary();
      }
    }
    if (!line.empty() && options_.cleaner_log) options_.cleaner_log(line);
    if (!cleaned) return cleaned.error();
    if (cleaned->cleaned) results.push_back(std::move(*cleaned));
  }
  return results;
}

CleanerStats LogManager::cleaner_stats() const {
  std::lock_guard lock(cleaner_stats_mu_);
  return cleaner_stats_;
}

void LogManager::cleaner_loop() {
  std::unique_lock lock(maintenance_mu_);
  while (!stopping_) {
    lock.unlock();
    auto cleaned = clean_due(now_ms());
    // More may be due at once (a pass that filled its map, another dirty partition); after an
    // error or when all is clean, back off.
    const bool again = cleaned && !cleaned->empty();
    lock.lock();
    if (again) continue;
    maintenance_cv_.wait_for(lock, options_.cleaner_backoff, [&] { return stopping_; });
  }
}

void LogManager::maintenance_loop() {
  using clock = std::chrono::steady_clock;
  auto next_flush = clock::now() + options_.flush_interval;
  auto next_retention = clock::now() + options_.retention_check_interval;
  std::unique_lock lock(maintenance_mu_);
  while (!stopping_) {
    const auto wake = options_.flush_policy == FlushPolicy::interval
                          ? std::min(next_flush, next_retention)
                          : next_retention;
    maintenance_cv_.wait_until(lock, wake, [&] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    const auto now = clock::now();
    if (options_.flush_policy == FlushPolicy::interval && now >= next_flush) {
      ignore_error(
          flush_all());  // a failing sync is retried next interval; appends keep their own errors
      next_flush = now + options_.flush_interval;
    }
    if (now >= next_retention) {
      ignore_error(apply_retention(now_ms()));
      next_retention = now + options_.retention_check_interval;
    }
    lock.lock();
  }
}

Status LogManager::close() {
  {
    std::lock_guard lock(maintenance_mu_);
    if (closed_) return {};
    closed_ = true;
    stopping_ = true;
  }
  maintenance_cv_.notify_all();
  if (maintenance_.joinable()) maintenance_.join();
  std::map<std::string, std::shared_ptr<Topic>> topics;
  // Closing the partitions first makes a cleaning pass in progress stop at its next batch.
  {
    std::shared_lock lock(topics_mu_);
    for (const auto& [n, t] : topics_)
      for (const auto& p : t->partitions) ignore_error(p->close());
  }
  if (cleaner_thread_.joinable()) cleaner_thread_.join();
  {
    std::unique_lock lock(topics_mu_);
    topics.swap(topics_);
  }
  Status first;
  for (const auto& [n, t] : topics) {
    for (const auto& p : t->partitions) {
      Status s = p->close();
      if (!s && first) first = s;
    }
  }
  lock_.reset();
  return first;
}

}  // namespace kafka_do::storage
