#pragma once
// Turns record batches read from a partition log into kafka::Records (what consumers and
// MockClient hand to applications): control batches skipped, records below `from` skipped (a read
// inside a batch returns the whole batch), and, for a read_committed read, the batches of aborted
// transactions skipped (Kafka's client rule: from an aborted transaction's first offset, a
// producer's transactional batches are dropped until its abort marker).

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "client/errors.hpp"
#include "kafka_do/record.hpp"
#include "model/control_record.hpp"
#include "model/record_batch.hpp"
#include "storage/producer_state.hpp"

namespace kafka_do::client {

// Appends the records of `read_bytes` (a log read's batches) with offset >= from to `out` (a deque
// or vector of kafka::Record); returns the offset after the last batch read. The records view
// the read's bytes, which they share (a compressed batch: its decompressed bytes), so nothing is
// copied per record. Throws kafka::Error for a batch that does not decode.
template <typename Container>
int64_t append_records(const std::string& topic, int32_t partition, std::string read_bytes,
                       int64_t from, const std::shared_ptr<kafka::detail::CommitSink>& sink,
                       Container& out, const std::vector<storage::AbortedTxn>* aborted = nullptr) {
  const auto shared = std::make_shared<const kafka::detail::RecordSource>(
      kafka::detail::RecordSource{std::move(read_bytes), sink});
  const std::string_view batches = shared->bytes;
  int64_t next = from;
  std::vector<storage::AbortedTxn> pending =
      aborted ? *aborted : std::vector<storage::AbortedTxn>{};
  std::sort(pending.begin(), pending.end(),
            [](const auto& a, const auto& b) { return a.first_offset < b.first_offset; });
  size_t next_aborted = 0;
  std::set<int64_t> aborting;  // producers whose batches are dropped until their abort marker
  check(model::for_each_batch(
      batches, [&](const model::BatchHeader& header, std::string_view batch) -> Status {
        next = std::max(next, header.next_offset());
        while (next_aborted < pending.size() &&
               pending[next_aborted].first_offset <= header.last_offset()) {
          aborting.insert(pending[next_aborted++].producer_id);
        }
        if (header.control()) {  // transaction markers are not application records
          if (aborting.count(header.producer_id)) {
            auto type = model::control_type(batch);
            if (type && *type == model::ControlType::abort) aborting.erase(header.producer_id);
          }
          return {};
        }
        if (header.transactional() && aborting.count(header.producer_id)) return {};
        // A compressed batch's records view its decompressed bytes instead.
        auto decompressed = std::make_shared<kafka::detail::RecordSource>();
        decompressed->sink = sink;
        KD_TRY(
            model::for_each_record_ref(batch, decompressed->bytes, [&](const model::RecordRef& r) {
              if (r.offset < from) return;
              kafka::Headers headers;
              headers.reserve(r.headers.size());
              for (const auto& h : r.headers) {
                headers.push_back({std::string(h.key),
                                   h.value ? std::optional<std::string>(*h.value) : std::nullopt});
              }
              out.emplace_back(
                  decompressed->bytes.empty() ? kafka::detail::SharedBytes(shared)
                                              : kafka::detail::SharedBytes(decompressed),
                  topic, partition, r.offset,
                  std::chrono::system_clock::time_point(std::chrono::milliseconds(r.timestamp)),
                  r.key, r.value, std::move(headers), sink.get());
            }));
        return {};
      }));
  return next;
}

}  // namespace kafka_do::client
