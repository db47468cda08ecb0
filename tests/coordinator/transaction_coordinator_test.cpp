// The transaction coordinator on the engine: the state machine and its errors, a restart at
// PrepareCommit/PrepareAbort finishing the transaction, open transactions surviving a restart and
// timing out, transactional offsets pending until commit (UNSTABLE_OFFSET_COMMIT meanwhile, and
// after a restart), and expiry of idle transactional ids.
#include "coordinator/transaction_coordinator.hpp"

#include <gtest/gtest.h>

#include "coordinator/group_coordinator.hpp"
#include "model/record_batch.hpp"
#include "storage/log_manager.hpp"
#include "support/temp_dir.hpp"

namespace kafka_do::coordinator {
namespace {

using model::ErrorCode;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class TransactionCoordinatorTest : public ::testing::Test {
 protected:
  void open(TransactionOptions options = {}) {
    auto logs = storage::LogManager::open(fs::posix_file_system(), tmp_.path() + "/data");
    ASSERT_TRUE(logs) << logs.error().to_string();
    logs_ = std::move(*logs);
    if (!logs_->has_topic("t")) {
      ASSERT_TRUE(logs_->create_topic("t", 2));
    }
    auto groups = GroupCoordinator::open(*logs_);
    ASSERT_TRUE(groups) << groups.error().to_string();
    groups_ = std::move(*groups);
    auto ids = ProducerIdAllocator::open(logs_->file_system(), logs_->directory());
    ASSERT_TRUE(ids);
    ids_ = std::move(*ids);
    options.abort_scan_interval = std::chrono::hours(1);  // tests call abort_timed_out()
    auto txns = TransactionCoordinator::open(*logs_, *ids_, &groups_->offset_store(), options);
    ASSERT_TRUE(txns) << txns.error().to_string();
    txns_ = std::move(*txns);
  }
  void close() {
    txns_.reset();
    groups_.reset();
    ids_.reset();
    if (logs_) {
      ASSERT_TRUE(logs_->close());
    }
    logs_.reset();
  }
  void TearDown() override { close(); }

  void write(int32_t partition, int64_t pid, int16_t epoch, int32_t sequence) {
    model::BatchBuilder b({.producer_id = pid,
                           .producer_epoch = epoch,
                           .base_sequence = sequence,
                           .transactional = true});
    b.add(now_ms(), "k", "v");
    auto batch = b.build();
    ASSERT_TRUE(batch);
    auto log = logs_->partition("t", partition);
    ASSERT_TRUE(log);
    ASSERT_TRUE((*log)->append(*batch));
  }
  int64_t lso(int32_t partition) {
    return (*logs_->partition("t", partition))->last_stable_offset();
  }
  int64_t hwm(int32_t partition) { return (*logs_->partition("t", partition))->high_watermark(); }
  TxnState state(const std::string& id) { return txns_->describe({id}).at(0).metadata.state; }

  ::kafka_do::testing::TempDir tmp_;
  std::unique_ptr<storage::LogManager> logs_;
  std::unique_ptr<GroupCoordinator> groups_;
  std::unique_ptr<ProducerIdAllocator> ids_;
  std::unique_ptr<TransactionCoordinator> txns_;
};

TEST_F(TransactionCoordinatorTest, StateMachineAndItsErrors) {
  open();
  auto id = txns_->init_producer_id("tx", 60000, -1, -1);
  ASSERT_EQ(id.error, ErrorCode::none);
  EXPECT_EQ(state("tx"), TxnState::empty);
  EXPECT_EQ(txns_->end_transaction("tx", id.producer_id, id.producer_epoch, true),
            ErrorCode::invalid_txn_state);  // nothing begun
  EXPECT_EQ(txns_->add_partitions("tx", id.producer_id + 1, id.producer_epoch, {{"t", 0}}),
            ErrorCode::invalid_producer_id_mapping);
  EXPECT_EQ(txns_->add_partitions("tx", id.producer_id, id.producer_epoch, {{"nope", 0}}),
            ErrorCode::unknown_topic_or_partition);
  ASSERT_EQ(txns_->add_partitions("tx", id.producer_id, id.producer_epoch, {{"t", 0}, {"t", 1}}),
            ErrorCode::none);
  EXPECT_EQ(state("tx"), TxnState::ongoing);
  EXPECT_EQ(txns_->check_partition("tx", id.producer_id, id.producer_epoch, {"t", 1}),
            ErrorCode::none);
  write(0, id.producer_id, id.producer_epoch, 0);
  write(1, id.producer_id, id.producer_epoch, 0);
  EXPECT_EQ(lso(0), 0);
  ASSERT_EQ(txns_->end_transaction("tx", id.producer_id, id.producer_epoch, true), ErrorCode::none);
  EXPECT_EQ(state("tx"), TxnState::complete_commit);
  EXPECT_EQ(lso(0), 2);  // data + marker
  EXPECT_EQ(lso(1), 2);
  EXPECT_EQ(txns_->check_partition("tx", id.producer_id, id.producer_epoch, {"t", 0}),
            ErrorCode::invalid_txn_state);  // the transaction ended
  auto listed = txns_->list({TxnState::complete_commit}, {});
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].transactional_id, "tx");
  EXPECT_EQ(txns_->init_producer_id("tx", 16 * 60 * 1000, -1, -1).error,
            ErrorCode::invalid_transaction_timeout);
  // KIP-360: a producer asking with an epoch that is not its current one is fenced.
  EXPECT_EQ(txns_->init_producer_id("tx", 60000, id.producer_id, id.producer_epoch + 5).error,
            ErrorCode::producer_fenced);
}

TEST_F(TransactionCoordinatorTest, ARestartAtPrepareCommitOrAbortFinishesTheTransaction) {
  for (const bool commit : {true, false}) {
    const std::string txn = commit ? "commit-me" : "abort-me";
    TransactionOptions options;
    bool crashed = false;
    // The "crash": every later write of this coordinator fails as if the process died there.
    options.failpoint = [&](const char* point) {
      if (std::string(point) == "after-prepare") {
        crashed = true;
        throw std::runtime_error("crash");
      }
    };
    open(options);
    auto id = txns_->init_producer_id(txn, 60000, -1, -1);
    ASSERT_EQ(txns_->add_partitions(txn, id.producer_id, id.producer_epoch, {{"t", 0}}),
              ErrorCode::none);
    write(0, id.producer_id, id.producer_epoch, 0);
    const int64_t before = hwm(0);
    EXPECT_THROW(txns_->end_transaction(txn, id.producer_id, id.producer_epoch, commit),
                 std::runtime_error);
    ASSERT_TRUE(crashed);
    EXPECT_EQ(hwm(0), before) << "no marker was written before the crash";
    close();
    open();  // recovery writes the marker
    EXPECT_EQ(state(txn), commit ? TxnState::complete_commit : TxnState::complete_abort);
    EXPECT_EQ(hwm(0), before + 1);
    EXPECT_EQ(lso(0), hwm(0));
    auto log = *logs_->partition("t", 0);
    EXPECT_EQ(log->aborted_transactions(0, hwm(0)).empty(), commit);
    close();
  }
}

TEST_F(TransactionCoordinatorTest, AnOpenTransactionSurvivesARestartAndTimesOut) {
  open();
  auto id = txns_->init_producer_id("slow", 1000, -1, -1);
  ASSERT_EQ(txns_->add_partitions("slow", id.producer_id, id.producer_epoch, {{"t", 0}}),
            ErrorCode::none);
  write(0, id.producer_id, id.producer_epoch, 0);
  close();
  open();
  EXPECT_EQ(state("slow"), TxnState::ongoing);
  EXPECT_EQ(lso(0), 0);
  EXPECT_EQ(txns_->abort_timed_out(now_ms()), 0u);
  EXPECT_EQ(txns_->abort_timed_out(now_ms() + 5000), 1u);
  EXPECT_EQ(state("slow"), TxnState::complete_abort);
  EXPECT_EQ(lso(0), hwm(0));
  // The producer was fenced by the bumped epoch, but may come back with its old one (KIP-360).
  EXPECT_EQ(txns_->end_transaction("slow", id.producer_id, id.producer_epoch, true),
            ErrorCode::producer_fenced);
  auto again = txns_->init_producer_id("slow", 1000, id.producer_id, id.producer_epoch);
  ASSERT_EQ(again.error, ErrorCode::none);
  EXPECT_EQ(again.producer_id, id.producer_id);
  EXPECT_GT(again.producer_epoch, id.producer_epoch + 1);
}

TEST_F(TransactionCoordinatorTest, TransactionalOffsetsArePendingUntilCommit) {
  open();
  auto id = txns_->init_producer_id("eos", 60000, -1, -1);
  ASSERT_EQ(txns_->add_offsets("eos", id.producer_id, id.producer_epoch, "g"), ErrorCode::none);
  OffsetCommitRequest commit{.group_id = "g", .offsets = {{"t", 0, 42, -1, std::nullopt}}};
  const TransactionalCommit producer{id.producer_id, id.producer_epoch};
  std::vector<PartitionResult> results;
  ASSERT_EQ(txns_->commit_offsets("eos", id.producer_id, id.producer_epoch,
                                  [&] { results = groups_->commit_offsets(commit, &producer); }),
            ErrorCode::none);
  ASSERT_EQ(results.at(0).error, ErrorCode::none);
  auto fetched = groups_->fetch_offsets("g", std::vector<TopicPartition>{{"t", 0}}, true);
  EXPECT_EQ(fetched.partitions.at(0).error, ErrorCode::unstable_offset_commit);
  EXPECT_EQ(
      groups_->fetch_offsets("g", std::vector<TopicPartition>{{"t", 0}}).partitions.at(0).offset,
      -1);
  close();
  open();  // the pending commit is replayed as pending
  EXPECT_EQ(groups_->fetch_offsets("g", std::vector<TopicPartition>{{"t", 0}}, true)
                .partitions.at(0)
                .error,
            ErrorCode::unstable_offset_commit);
  ASSERT_EQ(txns_->end_transaction("eos", id.producer_id, id.producer_epoch, true),
            ErrorCode::none);
  fetched = groups_->fetch_offsets("g", std::vector<TopicPartition>{{"t", 0}}, true);
  EXPECT_EQ(fetched.partitions.at(0).error, ErrorCode::none);
  EXPECT_EQ(fetched.partitions.at(0).offset, 42);
  close();
  open();  // and committed after a restart
  EXPECT_EQ(
      groups_->fetch_offsets("g", std::vector<TopicPartition>{{"t", 0}}).partitions.at(0).offset,
      42);
  // Outside an ongoing transaction, TxnOffsetCommit is refused.
  EXPECT_EQ(txns_->commit_offsets("eos", id.producer_id, id.producer_epoch, [] {}),
            ErrorCode::invalid_txn_state);
}

TEST_F(TransactionCoordinatorTest, IdleIdsExpire) {
  TransactionOptions options;
  options.id_expiration = std::chrono::milliseconds(1000);
  open(options);
  ASSERT_EQ(txns_->init_producer_id("old", 60000, -1, -1).error, ErrorCode::none);
  txns_->abort_timed_out(now_ms() + 5000);
  EXPECT_EQ(txns_->describe({"old"}).at(0).error, ErrorCode::transactional_id_not_found);
  close();
  open(options);
  EXPECT_EQ(txns_->describe({"old"}).at(0).error, ErrorCode::transactional_id_not_found);
}

}  // namespace
}  // namespace kafka_do::coordinator
