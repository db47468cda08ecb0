#include "model/control_record.hpp"

#include "base/coding.hpp"
#include "model/record_batch.hpp"

namespace kafka_do::model {
namespace {
constexpr int16_t kControlKeyVersion = 0;
constexpr int16_t kMarkerValueVersion = 0;
}  // namespace

Result<std::string> build_marker_batch(const TransactionMarker& marker, int64_t timestamp_ms) {
  std::string key, value;
  ByteWriter k(key);
  k.i16(kControlKeyVersion);
  k.i16(int16_t(marker.type));
  ByteWriter v(value);
  v.i16(kMarkerValueVersion);
  v.i32(marker.coordinator_epoch);
  BatchBuilder builder({.producer_id = marker.producer_id,
                        .producer_epoch = marker.producer_epoch,
                        .base_sequence = kNoSequence,
                        .transactional = true,
                        .control = true});
  builder.add(timestamp_ms, key, value);
  return builder.build();
}

Result<ControlType> control_type(std::string_view control_batch) {
  std::optional<int16_t> type;
  Status walked = for_each_record(control_batch, [&](const RecordView& r) {
    if (type || !r.key || r.key->size() < 4) return;
    ByteReader reader(*r.key);
    reader.i16();  // version: every version starts with the type
    type = reader.i16();
  });
  KD_TRY(walked);
  if (!type) return Error(Errc::corruption, "control batch without a control key");
  if (*type != int16_t(ControlType::abort) && *type != int16_t(ControlType::commit)) {
    return Error(Errc::unsupported, "control record type " + std::to_string(*type));
  }
  return ControlType(*type);
}

}  // namespace kafka_do::model
