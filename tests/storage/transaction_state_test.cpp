// Transactions in a partition log: the last stable offset held by an open transaction and moved
// by its marker, read_committed reads and the aborted-transaction index (also across a reopen,
// a roll, a torn index file and retention), fencing by the marker's epoch, producer expiry, and
// compaction of a log with aborted data.
#include <gtest/gtest.h>
#include <unistd.h>

#include <map>

#include "model/control_record.hpp"
#include "storage/log_cleaner.hpp"
#include "storage/partition_log.hpp"
#include "storage/segment_format.hpp"
#include "support/batches.hpp"
#include "support/temp_dir.hpp"

namespace kafka_do::storage {
namespace {

using testing::decode_all;

std::string txn_batch(int64_t producer_id, int16_t epoch, int32_t sequence,
                      const std::vector<std::pair<std::string, std::string>>& records,
                      int64_t timestamp = 1000) {
  model::BatchBuilder builder({.producer_id = producer_id,
                               .producer_epoch = epoch,
                               .base_sequence = sequence,
                               .transactional = true});
  for (const auto& [k, v] : records) builder.add(timestamp, k, v);
  auto built = builder.build();
  EXPECT_TRUE(built);
  return built ? *built : std::string();
}

model::TransactionMarker marker(int64_t producer_id, int16_t epoch, bool commit) {
  return {.producer_id = producer_id,
          .producer_epoch = epoch,
          .type = commit ? model::ControlType::commit : model::ControlType::abort};
}

class TransactionStateTest : public ::testing::Test {
 protected:
  std::shared_ptr<PartitionLog> open(TopicConfig config = {}, LogOptions options = {}) {
    auto log = PartitionLog::open(fs::posix_file_system(), dir_, "t", 0, std::move(config), options,
                                  nullptr);
    EXPECT_TRUE(log) << log.error().to_string();
    return log ? *log : nullptr;
  }
  void append(PartitionLog& log, std::string batch) {
    auto r = log.append(batch);
    ASSERT_TRUE(r) << r.error().to_string();
  }
  // The values a read_committed reader of the whole log keeps (Kafka's client rule), reading
  // the way a fetching client does: from the offset after the last batch returned.
  std::vector<std::string> committed_values(const PartitionLog& log) {
    std::vector<std::string> out;
    std::map<int64_t, std::pair<int64_t, int64_t>> aborted;  // producer -> [first, marker]
    int64_t offset = log.log_start_offset();
    while (offset < log.last_stable_offset()) {
      auto r = log.read(offset, 1 << 20, true, Isolation::read_committed);
      EXPECT_TRUE(r) << r.error().to_string();
      if (!r || r->records.empty()) break;
      for (const auto& a : r->aborted) aborted[a.producer_id] = {a.first_offset, a.last_offset};
      std::string_view bytes = r->records;
      while (!bytes.empty()) {
        auto h = model::parse_batch_header(bytes);
        if (!h) break;
        const std::string_view batch = bytes.substr(0, h->total_size());
        bytes.remove_prefix(h->total_size());
        offset = h->next_offset();
        if (h->control()) continue;
        auto a = aborted.find(h->producer_id);
        if (h->transactional() && a != aborted.end() && h->base_offset >= a->second.first &&
            h->base_offset < a->second.second)
          continue;
        for (auto& rec : decode_all(batch)) out.push_back(*rec.value);
      }
    }
    return out;
  }
  ::kafka_do::testing::TempDir tmp_;
  const std::string dir_ = tmp_.path() + "/p0";
};

TEST_F(TransactionStateTest, AnOpenTransactionHoldsTheLastStableOffsetUntilItsMarker) {
  auto log = open();
  append(*log, testing::make_batch({"plain-0"}));
  append(*log, txn_batch(7, 0, 0, {{"k", "t-0"}}));
  append(*log, testing::make_batch({"plain-1"}));
  EXPECT_EQ(log->high_watermark(), 3);
  EXPECT_EQ(log->last_stable_offset(), 1);
  EXPECT_EQ(committed_values(*log), std::vector<std::string>{"plain-0"});
  auto read = log->read(1, 1 << 20, true, Isolation::read_committed);
  ASSERT_TRUE(read);
  EXPECT_TRUE(read->records.empty());  // between LSO and HWM: nothing for read_committed
  EXPECT_EQ(read->last_stable_offset, 1);

  auto done = log->append_marker(marker(7, 0, /*commit=*/true));
  ASSERT_TRUE(done) << done.error().to_string();
  EXPECT_EQ(done->base_offset, 3);  // a marker takes an offset
  EXPECT_EQ(log->last_stable_offset(), 4);
  EXPECT_EQ(committed_values(*log), (std::vector<std::string>{"plain-0", "t-0", "plain-1"}));
  EXPECT_TRUE(log->aborted_transactions(0, 4).empty());
}

TEST_F(TransactionStateTest, AbortedTransactionsAreIndexedAndSurviveReopenRollAndTornIndex) {
  {
    auto log = open();
    append(*log, txn_batch(1, 0, 0, {{"k", "aborted-a"}}));
    append(*log, txn_batch(2, 0, 0, {{"k", "committed-b"}}));
    append(*log, txn_batch(1, 0, 1, {{"k", "aborted-a2"}}));
    ASSERT_TRUE(log->append_marker(marker(1, 0, false)));
    ASSERT_TRUE(log->append_marker(marker(2, 0, true)));
    ASSERT_TRUE(log->roll());  // the sealed segment keeps its .txnindex
    append(*log, txn_batch(3, 0, 0, {{"k", "aborted-c"}}));
    ASSERT_TRUE(log->append_marker(marker(3, 0, false)));
    append(*log, txn_batch(4, 0, 0, {{"k", "open-d"}}));  // still open at the "crash"
    const auto aborted = log->aborted_transactions(0, log->high_watermark());
    ASSERT_EQ(aborted.size(), 2u);
    // Producer 2's transaction (from offset 1) was still open when producer 1 aborted.
    EXPECT_EQ(aborted[0], (AbortedTxn{1, 0, 3, 1}));
    EXPECT_EQ(aborted[1].producer_id, 3);
    EXPECT_EQ(committed_values(*log), std::vector<std::string>{"committed-b"});
  }
  // A torn last entry in the active segment's index: recovery rebuilds it from the log.
  const std::string active_index =
      dir_ + "/" + segment_format::file_stem(5) + std::string(segment_format::kTxnIndexSuffix);
  ASSERT_EQ(::truncate(active_index.c_str(), 20), 0);
  auto log = open();
  EXPECT_EQ(log->aborted_transactions(0, log->high_watermark()).size(), 2u);
  EXPECT_EQ(log->last_stable_offset(), 7);  // producer 4's transaction is open again
  EXPECT_EQ(committed_values(*log), std::vector<std::string>{"committed-b"});
  EXPECT_TRUE(log->aborted(1, 2));
  EXPECT_FALSE(log->aborted(2, 1));
  ASSERT_TRUE(log->append_marker(marker(4, 0, true)));
  EXPECT_EQ(committed_values(*log), (std::vector<std::string>{"committed-b", "open-d"}));
}

TEST_F(TransactionStateTest, MarkersFenceOlderEpochsAndClientsCannotWriteThem) {
  auto log = open();
  append(*log, txn_batch(9, 3, 0, {{"k", "v"}}));
  // The coordinator aborted with a bumped epoch (fencing): epoch 3's next batch is refused.
  ASSERT_TRUE(log->append_marker(marker(9, 4, false)));
  std::string stale = txn_batch(9, 3, 1, {{"k", "zombie"}});
  auto refused = log->append(stale);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), Errc::fenced);
  auto old_marker = log->append_marker(marker(9, 3, true));
  ASSERT_FALSE(old_marker);
  EXPECT_EQ(old_marker.error().code(), Errc::fenced);
  auto control = model::build_marker_batch(marker(9, 4, true), 1000);
  ASSERT_TRUE(control);
  auto client_marker = log->append(*control);
  ASSERT_FALSE(client_marker);
  EXPECT_EQ(client_marker.error().code(), Errc::invalid_record);
}

TEST_F(TransactionStateTest, IdleProducersExpireButOpenTransactionsStay) {
  LogOptions options;
  options.producer_id_expiration = std::chrono::milliseconds(1000);
  auto log = open({}, options);
  model::BatchBuilder idle({.producer_id = 1, .producer_epoch = 0, .base_sequence = 0});
  idle.add(1000, "k", "v");
  append(*log, *idle.build());
  append(*log, txn_batch(2, 0, 0, {{"k", "open"}}, 1000));
  EXPECT_EQ(log->expire_producers(1500), 0u);
  EXPECT_EQ(log->expire_producers(5000), 1u);  // producer 1 only
  EXPECT_EQ(log->last_stable_offset(), 1);
  // Producer 1 is new again: any sequence is accepted.
  model::BatchBuilder back({.producer_id = 1, .producer_epoch = 0, .base_sequence = 42});
  back.add(6000, "k", "v");
  append(*log, *back.build());
}

TEST_F(TransactionStateTest, RetentionDropsTheEntriesOfDeletedSegments) {
  TopicConfig config;
  config.retention_bytes = 1;  // keep only the active segment
  auto log = open(config);
  append(*log, txn_batch(1, 0, 0, {{"k", "a"}}));
  ASSERT_TRUE(log->append_marker(marker(1, 0, false)));
  ASSERT_TRUE(log->roll());
  append(*log, testing::make_batch({"after"}));
  ASSERT_EQ(log->aborted_transactions(0, 10).size(), 1u);
  auto deleted = log->apply_retention(0);
  ASSERT_TRUE(deleted);
  EXPECT_EQ(*deleted, 1u);
  EXPECT_TRUE(log->aborted_transactions(0, 10).empty());
  log.reset();
  EXPECT_TRUE(open()->aborted_transactions(0, 10).empty());
}

TEST_F(TransactionStateTest, CompactionDropsAbortedDataAndNeverCleansPastAnOpenTransaction) {
  TopicConfig config;
  ASSERT_TRUE(config.set("cleanup.policy", "compact"));
  config.min_cleanable_dirty_ratio = 0.01;
  auto log = open(config);
  auto keyed = [](const std::string& k, const std::string& v) {
    model::BatchBuilder b;
    b.add(1000, k, v);
    return *b.build();
  };
  append(*log, keyed("a", "a1"));
  append(*log, txn_batch(5, 0, 0, {{"a", "a-aborted"}}));  // must not shadow a1
  ASSERT_TRUE(log->append_marker(marker(5, 0, false)));
  append(*log, txn_batch(6, 0, 0, {{"b", "b-committed"}}));
  ASSERT_TRUE(log->append_marker(marker(6, 0, true)));
  append(*log, txn_batch(7, 0, 0, {{"c", "c-open"}}));  // open: holds the cleaner back
  ASSERT_TRUE(log->roll());
  append(*log, keyed("z", "z1"));
  ASSERT_TRUE(log->roll());
  LogCleaner cleaner(1 << 20);
  auto cleaned = cleaner.clean(*log, 10'000);
  ASSERT_TRUE(cleaned) << cleaned.error().to_string();
  EXPECT_EQ(cleaned->dirty_end, 0) << "nothing from the open transaction's segment on is cleaned";
  ASSERT_TRUE(log->append_marker(marker(7, 0, true)));
  ASSERT_TRUE(log->roll());
  cleaned = cleaner.clean(*log, 10'000);
  ASSERT_TRUE(cleaned) << cleaned.error().to_string();
  EXPECT_GT(cleaned->records_removed, 0);
  // Everything a read_uncommitted reader now finds: the aborted record is gone, a1 survived.
  auto r = log->read(log->log_start_offset(), 1 << 20);
  ASSERT_TRUE(r);
  std::vector<std::string> values;
  for (auto& rec : decode_all(r->records)) {
    if (rec.key && rec.key->size() != 4) values.push_back(*rec.value);  // skip marker records
  }
  EXPECT_EQ(values, (std::vector<std::string>{"a1", "b-committed", "c-open", "z1"}));
  EXPECT_EQ(committed_values(*log),
            (std::vector<std::string>{"a1", "b-committed", "c-open", "z1"}));
}

}  // namespace
}  // namespace kafka_do::storage
