#include "coordinator/transaction_record.hpp"

#include <array>

#include "base/coding.hpp"

namespace kafka_do::coordinator {
namespace {

constexpr std::array<std::string_view, 8> kStateNames = {
    "Empty",          "Ongoing",       "PrepareCommit", "PrepareAbort",
    "CompleteCommit", "CompleteAbort", "Dead",          "PrepareEpochFence"};

constexpr int16_t kKeyVersion = 0;
constexpr int16_t kValueVersion = 0;

void put_string(ByteWriter& w, std::string_view s) {
  w.i16(int16_t(s.size()));
  w.bytes(s);
}

std::optional<std::string> get_string(ByteReader& r) {
  const int16_t n = r.i16();
  if (n < 0 || !r.ok()) return std::nullopt;
  std::string_view bytes = r.bytes(size_t(n));
  if (!r.ok()) return std::nullopt;
  return std::string(bytes);
}

Error corrupt(const char* what) {
  return Error(Errc::corruption, std::string("transaction state record: ") + what);
}

}  // namespace

std::string_view txn_state_name(TxnState state) {
  const auto i = size_t(state);
  return i < kStateNames.size() ? kStateNames[i] : "Unknown";
}

std::optional<TxnState> txn_state_from_name(std::string_view name) {
  for (size_t i = 0; i < kStateNames.size(); ++i) {
    if (kStateNames[i] == name) return TxnState(i);
  }
  return std::nullopt;
}

namespace transaction_record {

std::string encode_key(std::string_view transactional_id) {
  std::string out;
  ByteWriter w(out);
  w.i16(kKeyVersion);
  put_string(w, transactional_id);
  return out;
}

// version i16 (0), producer id i64, epoch i16, last epoch i16, timeout ms i32, state i8, start
// ms i64, last update ms i64, partition count i32, per partition: topic (i16 length + bytes),
// partition i32.
std::string encode_value(const TxnMetadata& m) {
  std::string out;
  ByteWriter w(out);
  w.i16(kValueVersion);
  w.i64(m.producer_id);
  w.i16(m.producer_epoch);
  w.i16(m.last_producer_epoch);
  w.i32(m.timeout_ms);
  w.i8(int8_t(m.state));
  w.i64(m.start_ms);
  w.i64(m.last_update_ms);
  w.i32(int32_t(m.partitions.size()));
  for (const auto& tp : m.partitions) {
    put_string(w, tp.topic);
    w.i32(tp.partition);
  }
  return out;
}

Result<std::string> decode_key(std::string_view key) {
  ByteReader r(key);
  const int16_t version = r.i16();
  if (!r.ok()) return corrupt("short key");
  if (version != kKeyVersion) {
    return Error(Errc::unsupported, "transaction state key version " + std::to_string(version));
  }
  auto id = get_string(r);
  if (!id || !r.empty()) return corrupt("malformed key");
  return *id;
}

Result<TxnMetadata> decode_value(std::string transactional_id, std::string_view value) {
  ByteReader r(value);
  const int16_t version = r.i16();
  if (!r.ok()) return corrupt("short value");
  if (version != kValueVersion) {
    return Error(Errc::unsupported, "transaction state value version " + std::to_string(version));
  }
  TxnMetadata m;
  m.transactional_id = std::move(transactional_id);
  m.producer_id = r.i64();
  m.producer_epoch = r.i16();
  m.last_producer_epoch = r.i16();
  m.timeout_ms = r.i32();
  const int8_t state = r.i8();
  m.start_ms = r.i64();
  m.last_update_ms = r.i64();
  const int32_t count = r.i32();
  if (!r.ok() || count < 0 || state < 0 || state >= int8_t(kStateNames.size())) {
    return corrupt("malformed value");
  }
  m.state = TxnState(state);
  for (int32_t i = 0; i < count; ++i) {
    auto topic = get_string(r);
    const int32_t partition = r.i32();
    if (!topic || !r.ok()) return corrupt("malformed partition list");
    m.partitions.insert({std::move(*topic), partition});
  }
  if (!r.empty()) return corrupt("trailing bytes");
  return m;
}

}  // namespace transaction_record
}  // namespace kafka_do::coordinator
