// Producer and AsyncProducer: serialization and error surfacing over a backend's ProducerCore.
#include "kafka_do/producer.hpp"

#include "client/backend.hpp"
#include "client/json_text.hpp"

namespace kafka {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

size_t detail::OutgoingRecord::approximate_bytes() const {
  size_t n = 16 + (key ? key->size() : 0) + (value ? value->size() : 0);
  for (const auto& h : *headers) n += 4 + h.key.size() + (h.value ? h.value->size() : 0);
  return n;
}

detail::OutgoingRecord detail::make_outgoing(std::optional<std::string_view> value,
                                             const SendOptions& options) {
  detail::OutgoingRecord r;
  if (options.key) r.key = *options.key;
  r.value = value;
  r.headers = &options.headers;
  r.partition = options.partition;
  r.timestamp_ms = options.timestamp ? std::chrono::duration_cast<std::chrono::milliseconds>(
                                           options.timestamp->time_since_epoch())
                                           .count()
                                     : now_ms();
  return r;
}

SendOptions detail::send_options(const Message& message) {
  SendOptions options;
  if (message.key) options.key = message.key->str();
  options.headers = message.headers;
  options.partition = message.partition;
  return options;
}

namespace {
// The calling thread's buffer for JsonBytes, and whether a JsonBytes holds it.
struct ThreadJsonBuffer {
  std::string text;
  bool taken = false;
};
thread_local ThreadJsonBuffer thread_json_buffer;
// A buffer larger than this (one huge value) is given back after its send.
constexpr size_t kKeptJsonBuffer = 1 << 20;
}  // namespace

detail::JsonBytes::JsonBytes(const Json& value) {
  if (value.is_null()) return;  // a JSON null is a tombstone: null value on the wire
  std::string* out = &own_;
  if (!thread_json_buffer.taken) {
    thread_json_buffer.taken = true;
    scratch_ = &thread_json_buffer.text;
    scratch_->clear();
    out = scratch_;
  }
  try {
    append_json_text(*out, value);
  } catch (...) {
    if (scratch_) thread_json_buffer.taken = false;
    throw;
  }
  view_ = *out;
}

detail::JsonBytes::~JsonBytes() {
  if (!scratch_) return;
  if (scratch_->capacity() > kKeptJsonBuffer) std::string().swap(*scratch_);
  thread_json_buffer.taken = false;
}

namespace {

detail::ProducerCore& live(const std::shared_ptr<detail::ProducerCore>& core) {
  if (!core) throw Error(ErrorCode::unknown_server_error, "producer was moved from");
  return *core;
}

void rethrow_pending(detail::ProducerCore& core) {
  if (auto e = core.take_error()) std::rethrow_exception(e);
}

}  // namespace

Producer::Producer(std::shared_ptr<detail::ProducerCore> core) : core_(std::move(core)) {}
Producer::Producer(Producer&&) noexcept = default;
Producer& Producer::operator=(Producer&&) noexcept = default;

Producer::~Producer() {
  if (!core_) return;
  try {
    core_->close();
  } catch (...) {  // destructors must not throw; close() reports errors to those who ask
  }
}

void Producer::send(const Json& value, const SendOptions& options) {
  auto& core = live(core_);
  rethrow_pending(core);
  const detail::JsonBytes bytes(value);
  core.send(detail::make_outgoing(bytes.view(), options), nullptr);
}

void Producer::send_raw(std::string_view value, const SendOptions& options) {
  auto& core = live(core_);
  rethrow_pending(core);
  core.send(detail::make_outgoing(value, options), nullptr);
}

void Producer::send_batch(const std::vector<Json>& values) {
  for (const auto& v : values) send(v);
}

void Producer::send_batch(const std::vector<Message>& messages) {
  for (const auto& m : messages) send(m.value, detail::send_options(m));
}

void Producer::flush() {
  auto& core = live(core_);
  core.flush();
  rethrow_pending(core);
}

void Producer::close() {
  if (!core_) return;
  core_->close();
  rethrow_pending(*core_);
}

const std::string& Producer::topic() const { return live(core_).topic(); }

AsyncProducer::AsyncProducer(std::shared_ptr<detail::ProducerCore> core) : core_(std::move(core)) {}
AsyncProducer::AsyncProducer(AsyncProducer&&) noexcept = default;
AsyncProducer& AsyncProducer::operator=(AsyncProducer&&) noexcept = default;

AsyncProducer::~AsyncProducer() {
  if (!core_) return;
  try {
    core_->close();
  } catch (...) {  // reports already told the application about every failure
  }
}

void AsyncProducer::send(const Json& value, const SendOptions& options, DeliveryCallback callback) {
  const detail::JsonBytes bytes(value);
  live(core_).send(detail::make_outgoing(bytes.view(), options), std::move(callback));
}

void AsyncProducer::send_raw(std::string_view value, const SendOptions& options,
                             DeliveryCallback callback) {
  live(core_).send(detail::make_outgoing(value, options), std::move(callback));
}

void AsyncProducer::on_delivery(DeliveryCallback handler) {
  live(core_).set_delivery_handler(std::move(handler));
}

void AsyncProducer::deliver() {
  auto& core = live(core_);
  core.flush();
  (void)core.take_error();  // reported through callbacks
}

size_t AsyncProducer::in_flight() const { return live(core_).in_flight(); }

void AsyncProducer::close() {
  if (core_) core_->close();
}

const std::string& AsyncProducer::topic() const { return live(core_).topic(); }

}  // namespace kafka
