#include "streams/engine.hpp"

#include <filesystem>
#include <functional>
#include <iostream>
#include <set>

#include "streams/rocksdb_store.hpp"

namespace kafka::detail {
namespace {

int64_t ms_since_epoch(Timestamp t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string topic_safe(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) c = '_';
  }
  return out;
}

Engine::Engine(std::vector<std::shared_ptr<StreamNode>> sinks, StreamOptions options)
    : sinks_(std::move(sinks)), options_(std::move(options)) {
  // Parents before children: a depth-first walk up from each sink, emitting a node after all
  // of its parents.
  std::set<StreamNode*> seen;
  std::function<void(const std::shared_ptr<StreamNode>&)> visit =
      [&](const std::shared_ptr<StreamNode>& node) {
        if (!seen.insert(node.get()).second) return;
        for (const auto& p : node->parents) visit(p);
        nodes_.push_back(node);
      };
  for (const auto& sink : sinks_) visit(sink);

  std::set<std::string> names;
  for (const auto& node : nodes_) {
    node->active = true;
    if (const auto* topics = node->topics()) {
      for (const auto& t : *topics) {
        if (!sources_.contains(t)) inputs_.push_back(t);
        sources_[t].push_back(node.get());
      }
    }
    if (const auto& spec = node->store_spec()) {
      if (!names.insert(spec->name).second) {
        throw ConfigError("two stateful operators are both named '" + spec->name +
                          "': name one of them ({.name = \"...\"})");
      }
      stateful_.push_back(node.get());
    }
  }
  if (inputs_.empty()) throw ConfigError("a stream topology needs at least one input topic");
  if (options_.application_id.empty()) {
    options_.application_id = "kafka-do-streams-" + inputs_.front();
  }
  for (StreamNode* node : stateful_) {
    node->open_store(open_store(*node->store_spec()));
    changelogs_.emplace(
        topic_safe(options_.application_id + "-" + node->store_spec()->name) + "-changelog", node);
  }
  ctx_.metrics = &metrics_;
  ctx_.options = &options_;
}

Engine::~Engine() {
  for (const auto& node : nodes_) {
    node->active = false;
    node->open_store(nullptr);  // closes RocksDB stores: the next run may open them again
  }
}

std::unique_ptr<StateStore> Engine::open_store(const StoreSpec& spec) {
  const StoreType type =
      spec.memory_only ? StoreType::memory : spec.type.value_or(options_.state_store);
  if (type == StoreType::memory) return std::make_unique<MemoryStore>(spec.name);
  if (!rocksdb_) rocksdb_ = rocksdb_shared(options_.rocksdb_cache_bytes);
  std::filesystem::path dir = options_.state_dir.empty()
                                  ? std::filesystem::temp_directory_path() / "kafka-do-streams"
                                  : std::filesystem::path(options_.state_dir);
  dir = dir / topic_safe(options_.application_id) / topic_safe(spec.name);
  return std::make_unique<RocksDbStore>(
      spec.name, dir, rocksdb_,
      static_cast<size_t>(std::max<int64_t>(options_.rocksdb_cached_rows, 1)));
}

void Engine::restore(const Record& record) {
  auto it = changelogs_.find(record.topic());
  if (it == changelogs_.end()) return;
  std::optional<Json> value;
  if (record.has_value()) value = record.parse_value();
  const std::string row(record.key());
  StateStore* store = it->second->store();
  store->restore(row, std::move(value));
  it->second->restored_row(row);
  // A restore larger than the store's memory goes to disk as it comes, checkpointed there.
  if (store->wants_persist()) store->persist(record.offset() + 1);
  ++metrics_.records_restored;
}

void Engine::persist(const std::function<int64_t(const std::string& topic)>& changelog_end) {
  for (const auto& [topic, node] : changelogs_) {
    StateStore* store = node->store();
    if (store->keeps_checkpoint()) store->persist(changelog_end(topic));
  }
}

void Engine::restored() {
  for (StreamNode* node : stateful_) node->restored();
}

void Engine::process(const Record& record, Output& output) {
  ctx_.output = &output;
  ctx_.source = &record;
  try {
    const int64_t t =
        ms_since_epoch(options_.timestamp ? options_.timestamp(record) : record.timestamp());
    Json key = record.has_key() ? Json(std::string(record.key())) : Json();
    Json value = record.parse_value();  // throws SerializationError
    ctx_.stream_time = std::max(ctx_.stream_time, t);
    const auto& sources = sources_.at(record.topic());
    for (size_t i = 0; i < sources.size(); ++i) {
      StreamRecord r{i + 1 == sources.size() ? std::move(key) : key,
                     i + 1 == sources.size() ? std::move(value) : value, t, record.headers()};
      sources[i]->process(ctx_, std::move(r), 0);
    }
    for (StreamNode* node : stateful_) node->advance(ctx_);
    ++metrics_.records_processed;
  } catch (const std::exception& e) {
    ctx_.source = nullptr;
    if (options_.on_error == OnError::fail) {
      throw StreamProcessingError(record.topic(), record.partition(), record.offset(), e.what());
    }
    ++metrics_.errors_skipped;
    std::cerr << "kafka-do streams: skipped " << record.describe() << ": " << e.what() << "\n";
    if (!options_.dead_letter_topic.empty()) {
      Headers headers = record.headers();
      headers.push_back({"kafka-do.error", std::string(e.what())});
      headers.push_back({"kafka-do.source", record.describe()});
      std::optional<std::string> key, value;
      if (record.has_key()) key = std::string(record.key());
      if (record.has_value()) value = std::string(record.raw_value());
      output.send_raw(options_.dead_letter_topic, std::move(key), std::move(value),
                      std::move(headers), ms_since_epoch(record.timestamp()));
    }
  }
  ctx_.source = nullptr;
}

void Engine::advance_to(int64_t time, Output& output) {
  ctx_.output = &output;
  ctx_.source = nullptr;
  ctx_.stream_time = std::max(ctx_.stream_time, time);
  for (StreamNode* node : stateful_) node->advance(ctx_);
}

void Engine::flush(Output& output) {
  ctx_.output = &output;
  ctx_.source = nullptr;
  for (StreamNode* node : stateful_) node->flush(ctx_);
}

void Engine::write_changelogs(Output& output) {
  const int64_t now = ms_since_epoch(std::chrono::system_clock::now());
  for (const auto& [topic, node] : changelogs_) {
    for (auto& [row, value] : node->store()->take_changes()) {
      std::optional<std::string> bytes;
      if (value) bytes = value->dump();
      output.send_raw(topic, row, std::move(bytes), {}, now);
    }
  }
}

const StreamNode* Engine::stateful(const std::string& name) const {
  for (StreamNode* node : stateful_) {
    if (node->store_spec()->name == name) return node;
  }
  return nullptr;
}

const StateStore* Engine::store(const std::string& name) const {
  for (StreamNode* node : stateful_) {
    if (node->store_spec()->name == name) return node->store();
  }
  return nullptr;
}

}  // namespace kafka::detail
