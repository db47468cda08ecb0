// kd_topology and kd_run: stream processing with the caller's functions evaluated on the
// caller's thread. The run happens on a thread of its own; each time it needs a function it
// posts the call to a CallBroker and waits, and the caller takes the call (kd_run_next_call)
// and answers it. So no callback ever leaves the library, and a binding keeps control between
// calls (Ruby notices Interrupt there).
#include <nlohmann/json.hpp>
#include <thread>
#include <variant>

#include "capi/capi.hpp"
#include "capi/options.hpp"

using namespace kafka_do::capi;
using kafka::Json;

namespace {

// What the run's thread throws out of a function once the run is being stopped. Deliberately
// not a std::exception: the engine turns those into a record's failure (which on_error =
// log_and_continue would skip and commit past), while a stop must end the run without committing
// the record it was in, which is then processed again by the next run.
struct RunStopped {};

class CallBroker {
 public:
  // On the run's thread: posts the call and waits for its answer.
  Json call(int function, const Json& args) {
    std::unique_lock lock(mutex_);
    if (stopping_) throw RunStopped{};
    function_ = function;
    args_ = args.dump();
    slot_ = Slot::posted;
    changed_.notify_all();
    changed_.wait(lock,
                  [&] { return slot_ == Slot::answered || slot_ == Slot::failed || stopping_; });
    const Slot slot = std::exchange(slot_, Slot::empty);
    if (slot == Slot::answered) {
      Json result = Json::parse(result_, nullptr, /*allow_exceptions=*/false);
      if (result.is_discarded()) throw kafka::SerializationError("a function returned bad JSON");
      return result;
    }
    if (slot == Slot::failed) throw kafka::Error(kafka::ErrorCode::unknown_server_error, result_);
    throw RunStopped{};
  }

  // On the caller's thread.
  bool next(std::chrono::milliseconds wait, kd_call& out) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, wait, [&] { return slot_ == Slot::posted || finished_; });
    if (slot_ != Slot::posted) return false;
    slot_ = Slot::taken;
    out = kd_call{function_, args_.data(), args_.size()};
    return true;
  }
  void answer(std::string result, bool failed) {
    std::lock_guard lock(mutex_);
    if (slot_ != Slot::taken)
      throw kafka::ConfigError("kafka_do: no call is waiting for an answer");
    result_ = std::move(result);
    slot_ = failed ? Slot::failed : Slot::answered;
    changed_.notify_all();
  }
  void stop() {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    changed_.notify_all();
  }
  void finish(std::exception_ptr outcome) {
    std::lock_guard lock(mutex_);
    finished_ = true;
    outcome_ = std::move(outcome);
    changed_.notify_all();
  }
  bool finished() {
    std::lock_guard lock(mutex_);
    return finished_;
  }
  std::exception_ptr outcome() {
    std::lock_guard lock(mutex_);
    return outcome_;
  }

 private:
  enum class Slot { empty, posted, taken, answered, failed };
  std::mutex mutex_;
  std::condition_variable changed_;
  Slot slot_ = Slot::empty;
  int function_ = -1;
  std::string args_;
  std::string result_;
  bool stopping_ = false;
  bool finished_ = false;
  std::exception_ptr outcome_;
};

using Node = std::variant<kafka::Stream, kafka::GroupedStream, kafka::WindowedStream,
                          kafka::WindowedGroupedStream, kafka::Table, kafka::WindowedTable,
                          kafka::JoinedStream>;

const char* kind_name(const Node& n) {
  static constexpr const char* names[] = {
      "stream", "grouped stream", "windowed stream", "windowed grouped stream",
      "table",  "windowed table", "joined stream"};
  return names[n.index()];
}

kafka::Duration duration_of(const Json& op, const char* key) {
  const Json& v = op.at(key);
  if (v.is_number_integer()) return std::chrono::milliseconds(v.get<int64_t>());
  if (v.is_string()) return kafka::Duration(v.get<std::string>());
  throw kafka::ConfigError(std::string("stream op: \"") + key +
                           "\" must be a duration (\"5m\") or milliseconds");
}

int64_t ms_of(kafka::Timestamp t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

struct kd_topology {
  std::shared_ptr<kafka::Topology> topology = std::make_shared<kafka::Topology>();
  std::shared_ptr<CallBroker> broker = std::make_shared<CallBroker>();
  std::vector<Node> nodes;
  bool started = false;

  int add(Node node) {
    nodes.push_back(std::move(node));
    return int(nodes.size()) - 1;
  }
  const Node& node(int id) const {
    if (id < 0 || size_t(id) >= nodes.size())
      throw kafka::ConfigError("stream op: no node " + std::to_string(id));
    return nodes[size_t(id)];
  }
  // A function of the caller, by its number.
  auto fn(const Json& op) const {
    if (!op.contains("fn") || !op["fn"].is_number_integer())
      throw kafka::ConfigError("stream op \"" + op.value("op", "") + "\" needs \"fn\"");
    return [broker = broker, f = op["fn"].get<int>()](Json args) { return broker->call(f, args); };
  }
  int apply(int id, const Json& op);
};

struct kd_run {
  std::shared_ptr<CallBroker> broker;
  std::shared_ptr<kafka::Topology> topology;
  std::thread thread;
};

namespace {

[[noreturn]] void not_for(const std::string& op, const Node& n) {
  throw kafka::ConfigError("stream op \"" + op + "\" does not apply to a " + kind_name(n));
}

kafka::WindowOptions window_options(const Json& op) {
  kafka::WindowOptions w;
  if (op.contains("tumbling")) w.tumbling = duration_of(op, "tumbling");
  if (op.contains("hopping")) w.hopping = duration_of(op, "hopping");
  if (op.contains("advance")) w.advance = duration_of(op, "advance");
  if (op.contains("sliding")) w.sliding = duration_of(op, "sliding");
  if (op.contains("session")) w.session = duration_of(op, "session");
  if (op.contains("grace")) w.grace = duration_of(op, "grace");
  return w;
}

}  // namespace

int kd_topology::apply(int id, const Json& op) {
  const std::string name = op.value("op", "");
  const Node& n = node(id);
  const auto* stream = std::get_if<kafka::Stream>(&n);
  auto call = [&] { return fn(op); };
  const kafka::AggregateOptions aggregate{.name = op.value("name", "")};

  if (name == "filter" || name == "map" || name == "flat_map" || name == "key_by" ||
      name == "peek" || name == "merge" || name == "branch") {
    if (!stream) not_for(name, n);
    if (name == "filter")
      return add(stream->filter([f = call()](const Json& v) { return f({v}).get<bool>(); }));
    if (name == "map") return add(stream->map_values([f = call()](Json v) { return f({v}); }));
    if (name == "flat_map")
      return add(stream->flat_map([f = call()](const Json& v) {
        Json out = f({v});
        if (!out.is_array()) throw kafka::SerializationError("flat_map must return an array");
        return std::vector<Json>(out.begin(), out.end());
      }));
    if (name == "key_by")
      return add(stream->key_by([f = call()](const Json& v) { return f({v}); }));
    if (name == "peek") return add(stream->peek([f = call()](const Json& v) { f({v}); }));
    if (name == "merge") {
      const auto* other = std::get_if<kafka::Stream>(&node(op.at("other").get<int>()));
      if (!other) throw kafka::ConfigError("stream op \"merge\": the other node is not a stream");
      return add(stream->merge(*other));
    }
    std::vector<kafka::Branch> branches;
    for (const auto& b : op.at("branches")) {
      auto f = fn(b);
      branches.push_back(
          {[f](const Json& v) { return f({v}).get<bool>(); }, b.at("topic").get<std::string>()});
    }
    stream->branch(branches);
    return -1;
  }
  if (name == "group_by") {
    if (stream) return add(stream->group_by([f = call()](const Json& v) { return f({v}); }));
    if (const auto* w = std::get_if<kafka::WindowedStream>(&n))
      return add(w->group_by([f = call()](const Json& v) { return f({v}); }));
    not_for(name, n);
  }
  if (name == "group_by_key") {
    if (stream) return add(stream->group_by_key());
    if (const auto* w = std::get_if<kafka::WindowedStream>(&n)) return add(w->group_by_key());
    not_for(name, n);
  }
  if (name == "window") {
    if (stream) return add(stream->window(window_options(op)));
    if (const auto* g = std::get_if<kafka::GroupedStream>(&n))
      return add(g->window(window_options(op)));
    not_for(name, n);
  }
  if (name == "count" || name == "reduce" || name == "aggregate") {
    const Json initial = op.value("initial", Json());
    auto reducer = [&] {
      return [f = call()](Json acc, const Json& v) { return f({std::move(acc), v}); };
    };
    auto aggregator = [&] {
      return [f = call()](const Json& k, const Json& v, Json acc) {
        return f({k, v, std::move(acc)});
      };
    };
    if (const auto* g = std::get_if<kafka::GroupedStream>(&n)) {
      if (name == "count") return add(g->count(aggregate));
      if (name == "reduce") return add(g->reduce(initial, reducer(), aggregate));
      return add(g->aggregate(initial, aggregator(), aggregate));
    }
    if (const auto* g = std::get_if<kafka::WindowedGroupedStream>(&n)) {
      if (name == "count") return add(g->count(aggregate));
      if (name == "reduce") return add(g->reduce(initial, reducer(), aggregate));
      return add(g->aggregate(initial, aggregator(), aggregate));
    }
    not_for(name, n);
  }
  if (name == "join" || name == "left_join" || name == "outer_join") {
    if (!stream) not_for(name, n);
    kafka::JoinOptions options;
    if (op.contains("on") && !op["on"].is_null()) {
      auto f = fn(Json{{"op", name}, {"fn", op["on"]}});
      options.on = kafka::JoinCondition([f](const Json& l, const Json& r) {
        return f({l, r}).get<bool>();
      });
    }
    if (op.contains("window")) options.window = duration_of(op, "window");
    if (op.contains("grace")) options.grace = duration_of(op, "grace");
    options.name = op.value("name", "");
    const Node& other = node(op.at("other").get<int>());
    if (const auto* s = std::get_if<kafka::Stream>(&other)) {
      if (name == "join") return add(stream->join(*s, options));
      if (name == "left_join") return add(stream->left_join(*s, options));
      return add(stream->outer_join(*s, options));
    }
    if (const auto* t = std::get_if<kafka::Table>(&other)) {
      if (name == "join") return add(stream->join(*t, options));
      if (name == "left_join") return add(stream->left_join(*t, options));
    }
    throw kafka::ConfigError("stream op \"" + name + "\" cannot join a " + kind_name(other));
  }
  if (name == "to_stream") {
    if (const auto* t = std::get_if<kafka::Table>(&n)) return add(t->to_stream());
    if (const auto* t = std::get_if<kafka::WindowedTable>(&n)) return add(t->to_stream());
    not_for(name, n);
  }
  if (name == "updates") {
    if (const auto* t = std::get_if<kafka::WindowedTable>(&n)) return add(t->updates());
    not_for(name, n);
  }
  if (name == "to") {
    const std::string topic = op.at("topic").get<std::string>();
    if (stream)
      stream->to(topic);
    else if (const auto* t = std::get_if<kafka::Table>(&n))
      t->to(topic);
    else if (const auto* t = std::get_if<kafka::WindowedTable>(&n))
      t->to(topic);
    else if (const auto* j = std::get_if<kafka::JoinedStream>(&n))
      j->to(topic);
    else
      not_for(name, n);
    return -1;
  }
  if (name == "each") {
    auto f = call();
    if (stream)
      stream->each([f](const Json& k, const Json& v) { f({k, v}); });
    else if (const auto* t = std::get_if<kafka::Table>(&n))
      t->each([f](const Json& k, const Json& v) { f({k, v}); });
    else if (const auto* t = std::get_if<kafka::WindowedTable>(&n))
      t->each([f](const Json& k, const kafka::Window& w) {
        f({k,
           Json{{"value", w.value()}, {"start_ms", ms_of(w.start())}, {"end_ms", ms_of(w.end())}}});
      });
    else if (const auto* j = std::get_if<kafka::JoinedStream>(&n))
      j->each([f](const Json& l, const Json& r) { f({l, r}); });
    else
      not_for(name, n);
    return -1;
  }
  if (name == "map_joined") {
    if (const auto* j = std::get_if<kafka::JoinedStream>(&n))
      return add(j->map([f = call()](const Json& l, const Json& r) { return f({l, r}); }));
    not_for(name, n);
  }
  throw kafka::ConfigError("unknown stream op \"" + name + "\"");
}

extern "C" {

kd_error* kd_topology_new(kd_topology** out) {
  return guard([&] {
    need(out, "out");
    *out = new kd_topology();
  });
}

void kd_topology_free(kd_topology* topology) { delete topology; }

kd_error* kd_topology_stream(kd_topology* topology, const char* const* topics, size_t topic_count,
                             int* node_out) {
  return guard([&] {
    auto& t = need(topology, "topology");
    need(node_out, "node_out");
    std::vector<std::string> names;
    if (topic_count && !topics) throw kafka::ConfigError("kafka_do: topics is NULL");
    for (size_t i = 0; i < topic_count; ++i) names.push_back(text(topics[i], "a topic"));
    *node_out = t.add(t.topology->stream(names));
  });
}

kd_error* kd_topology_table(kd_topology* topology, const char* topic, int* node_out) {
  return guard([&] {
    auto& t = need(topology, "topology");
    need(node_out, "node_out");
    *node_out = t.add(t.topology->table(text(topic, "topic")));
  });
}

kd_error* kd_topology_op(kd_topology* topology, int node, const char* op_json, int* node_out) {
  return guard([&] {
    auto& t = need(topology, "topology");
    need(node_out, "node_out");
    *node_out = -1;
    if (t.started) throw kafka::ConfigError("kafka_do: the topology already runs");
    const Json op = parse_options(op_json, "stream op");
    *node_out = t.apply(node, op);
  });
}

kd_error* kd_topology_start(kd_topology* topology, kd_client* client, const char* options_json,
                            kd_run** out) {
  return guard([&] {
    need(out, "out");
    *out = nullptr;
    auto& t = need(topology, "topology");
    auto& c = need(client, "client");
    if (t.started) throw kafka::ConfigError("kafka_do: a topology runs once");
    kafka::StreamOptions options = stream_options(options_json);
    auto run = std::make_unique<kd_run>();
    run->broker = t.broker;
    run->topology = t.topology;
    t.started = true;
    run->thread = std::thread([broker = t.broker, topology = t.topology,
                               client = kafka::Client(*c.client), options]() mutable {
      try {
        topology->run(client, options);
        broker->finish(nullptr);
      } catch (const RunStopped&) {
        broker->finish(nullptr);
      } catch (...) {
        broker->finish(std::current_exception());
      }
    });
    *out = run.release();
  });
}

kd_error* kd_run_next_call(kd_run* run, int timeout_ms, kd_call* call, int* finished) {
  return guard([&] {
    auto& r = need(run, "run");
    need(call, "call");
    need(finished, "finished");
    *call = kd_call{-1, nullptr, 0};
    *finished = 0;
    if (r.broker->next(std::chrono::milliseconds(std::max(0, timeout_ms)), *call)) return;
    *finished = r.broker->finished();
  });
}

kd_error* kd_run_answer(kd_run* run, const char* result_json, size_t len) {
  return guard([&] {
    need(result_json, "result_json");
    need(run, "run").broker->answer(std::string(result_json, len), /*failed=*/false);
  });
}

kd_error* kd_run_fail(kd_run* run, const char* message) {
  return guard([&] {
    need(run, "run").broker->answer(message ? message : "the function failed", /*failed=*/true);
  });
}

void kd_run_stop(kd_run* run) {
  if (!run) return;
  run->broker->stop();
  run->topology->close();
}

kd_error* kd_run_outcome(kd_run* run) {
  return guard([&] {
    auto& r = need(run, "run");
    if (!r.broker->finished()) throw kafka::ConfigError("kafka_do: the run has not finished");
    if (auto outcome = r.broker->outcome()) std::rethrow_exception(outcome);
  });
}

void kd_run_free(kd_run* run) {
  if (!run) return;
  kd_run_stop(run);
  if (run->thread.joinable()) run->thread.join();
  delete run;
}

}  // extern "C"
