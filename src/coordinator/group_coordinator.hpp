#pragma once
// The consumer-group coordinator: Kafka's classic group protocol (broker side) for the groups of
// this engine, plus their committed offsets (OffsetStore).
//
// Group life cycle (as Kafka's GroupCoordinator):
//   Empty --join--> PreparingRebalance --all known members rejoined, or rebalance timeout-->
//   CompletingRebalance --leader's SyncGroup--> Stable --join/leave/expiry--> PreparingRebalance
//   A rebalance that ends with no members goes back to Empty; DeleteGroups ends in Dead.
// Each completed rebalance increments the generation. Members that do not rejoin in time are
// removed (static members stay until their session expires, as Kafka does).
//
// Callbacks (join_group, sync_group) run exactly once, never under the coordinator's lock, on
// one of: the calling thread (possibly before join_group/sync_group returns), the thread whose
// call completed the rebalance (e.g. the last member to rejoin, or the leader's SyncGroup), the
// coordinator's timer thread (rebalance timeouts, session expiry), or the destroying thread
// (COORDINATOR_NOT_AVAILABLE). Keep them short; they may call back into the coordinator.
//
// Not persisted: group membership and generations. After a restart every group is Empty with its
// committed offsets; members get UNKNOWN_MEMBER_ID and rejoin.
//
// Offsets of deleted topics: never reported (fetch filters on the topics that exist now), and
// tombstoned by purge_deleted_topics(), which the timer thread runs every
// `offsets_purge_interval` and which on_topic_deleted() does at once for one topic (call it after
// deleting a topic so that a topic recreated under the same name starts without old offsets).
//
// Thread safety: every public method may be called from any thread, except that destruction
// must not race with other calls.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "coordinator/group_types.hpp"
#include "coordinator/offset_store.hpp"
#include "storage/log_manager.hpp"

namespace kafka_do::coordinator {

struct GroupOptions {
  // How long the first rebalance of an empty group waits for more members (Kafka's
  // group.initial.rebalance.delay.ms, 3000 there). Each new member extends it by as much, up
  // to the rebalance timeout.
  std::chrono::milliseconds initial_rebalance_delay{0};
  // Allowed session timeouts (Kafka: group.min/max.session.timeout.ms, 6 s .. 30 min). The low
  // bound is small so tests can use short sessions.
  std::chrono::milliseconds min_session_timeout{100};
  std::chrono::milliseconds max_session_timeout{30 * 60 * 1000};
  // Most members per group (Kafka's group.max.size); 0 = unlimited.
  size_t max_group_size = 0;
  // Largest committed-offset metadata (Kafka's offset.metadata.max.bytes).
  size_t max_metadata_bytes = 4096;
  // How often the timer thread tombstones offsets of deleted topics and forgets empty groups
  // without offsets; zero disables it.
  std::chrono::milliseconds offsets_purge_interval{60 * 1000};
  OffsetStoreOptions offsets;
};

class GroupCoordinator {
 public:
  using JoinCallback = std::function<void(JoinResponse)>;
  using SyncCallback = std::function<void(SyncResponse)>;

  // Opens the offset store over `logs` (which must outlive the coordinator) and starts the timer
  // thread.
  static Result<std::unique_ptr<GroupCoordinator>> open(storage::LogManager& logs,
                                                        GroupOptions options = {});
  // Stops the timer thread and completes every pending join and sync with
  // COORDINATOR_NOT_AVAILABLE (on this thread).
  ~GroupCoordinator();
  GroupCoordinator(const GroupCoordinator&) = delete;
  GroupCoordinator& operator=(const GroupCoordinator&) = delete;

  // JoinGroup. `done` receives the result once the rebalance completes (or at once on error).
  void join_group(JoinRequest request, JoinCallback done);
  // SyncGroup. Followers wait for the leader's assignment; a member the leader gave nothing gets
  // empty bytes (the broker may substitute an empty ConsumerProtocolAssignment, which some
  // clients need instead of zero bytes).
  void sync_group(SyncRequest request, SyncCallback done);
  // Heartbeat: resets the member's session; REBALANCE_IN_PROGRESS tells it to rejoin.
  ErrorCode heartbeat(const HeartbeatRequest& request);
  // LeaveGroup (v3 batch form; v0-2 is one member, whose error is the top-level error).
  LeaveResult leave_group(const std::string& group_id, const std::vector<LeavingMember>& members);

  // OffsetCommit: one error per entry, same order. With `transaction` (TxnOffsetCommit) the
  // offsets are stored pending in that producer's transaction; a commit without generation and
  // member (TxnOffsetCommit before v3) is not checked against the group's members.
  std::vector<PartitionResult> commit_offsets(const OffsetCommitRequest& request,
                                              const TransactionalCommit* transaction = nullptr);
  // OffsetFetch: nullopt = every partition with a committed offset. With `require_stable`, a
  // partition with a transactional commit pending is UNSTABLE_OFFSET_COMMIT.
  OffsetFetchResult fetch_offsets(const std::string& group_id,
                                  const std::optional<std::vector<TopicPartition>>& partitions,
                                  bool require_stable = false);

  // ListGroups: groups with members or committed offsets; `states` filters (ListGroups v4).
  std::vector<ListedGroup> list_groups(const std::vector<GroupState>& states = {});
  // DescribeGroups: an unknown group is "Dead" with no error (as Kafka).
  GroupDescription describe_group(const std::string& group_id);
  // DeleteGroups: NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND or deleted (with its offsets).
  std::vector<GroupResult> delete_groups(const std::vector<std::string>& group_ids);
  // OffsetDelete: GROUP_SUBSCRIBED_TO_TOPIC for topics the active consumer group subscribes to.
  OffsetDeleteResult delete_offsets(const std::string& group_id,
                                    const std::vector<TopicPartition>& partitions);

  // Tombstones the committed offsets of `topic` in every group.
  Status on_topic_deleted(const std::string& topic);
  // Tombstones offsets whose topic or partition no longer exists; returns how many.
  Result<size_t> purge_deleted_topics();

  // Answers every JoinGroup and SyncGroup still waiting for a rebalance with
  // COORDINATOR_NOT_AVAILABLE, so that a server shutting down need not wait up to a rebalance
  // timeout for them. Members stay; they rejoin (elsewhere or after a restart).
  void abort_pending();

  // Rebalances completed since the coordinator opened (every group; each bumps a generation).
  uint64_t rebalances() const { return rebalances_.load(std::memory_order_relaxed); }

  OffsetStore& offset_store() { return *store_; }
  const GroupOptions& options() const { return options_; }

 private:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;
  using Deferred = std::vector<std::function<void()>>;

  struct Member {
    std::string id;
    std::optional<std::string> instance_id;
    std::string client_id;
    std::string client_host;
    std::chrono::milliseconds session_timeout{0};
    std::chrono::milliseconds rebalance_timeout{0};
    std::string protocol_type;
    std::vector<GroupProtocol> protocols;
    std::string assignment;
    JoinCallback join_cb;  // set while awaiting the join response
    SyncCallback sync_cb;  // set while awaiting the leader's assignment
    uint64_t seq = 0;      // join order: the earliest remaining member succeeds a leader
    // Session: expires at `deadline` unless awaiting join/sync. One live timer entry per member
    // (`timer_epoch`); heartbeats only move `deadline`, and the entry re-queues itself.
    TimePoint deadline;
    TimePoint queued_at;
    uint64_t timer_epoch = 0;
    bool timer_queued = false;

    bool awaiting() const { return join_cb != nullptr || sync_cb != nullptr; }
    const std::string* metadata_for(const std::string& protocol) const;
  };

  struct Group {
    std::string id;
    GroupState state = GroupState::empty;
    int32_t generation = 0;
    std::string protocol_type;
    std::optional<std::string> protocol_name;
    std::string leader_id;
    std::map<std::string, Member> members;
    std::map<std::string, std::string> static_members;  // instance id -> member id
    std::map<std::string, TimePoint> pending;           // ids handed out with MEMBER_ID_REQUIRED
    // Topics the members subscribe to (consumer protocol); nullopt = unknown (undecodable).
    std::optional<std::set<std::string>> subscribed_topics;
    // PreparingRebalance: when the join phase ends at the latest.
    TimePoint join_deadline;
    uint64_t join_epoch = 0;
    bool initial_delay = false;  // in the initial-rebalance-delay window
    bool new_member_added = false;
    TimePoint initial_delay_limit;
    // CompletingRebalance/Stable: members that got the join response but have not synced yet;
    // they are removed if they do not sync within the rebalance timeout (Kafka's pending sync).
    std::set<std::string> pending_sync;
    uint64_t sync_epoch = 0;

    bool all_joined() const;
  };

  enum class TimerKind { session, pending, join, sync };
  struct Timer {
    TimePoint at;
    TimerKind kind;
    std::string group;
    std::string member;
    uint64_t epoch = 0;
    bool operator>(const Timer& o) const { return at > o.at; }
  };

  GroupCoordinator(storage::LogManager& logs, GroupOptions options,
                   std::unique_ptr<OffsetStore> store);

  // --- membership (group_rebalance.cpp); all REQUIRE mu_ ---
  void new_member_join(Group& g, JoinRequest& req, JoinCallback& done, Deferred& out);
  void current_member_join(Group& g, JoinRequest& req, JoinCallback& done, Deferred& out);
  void add_member_and_rebalance(Group& g, const std::string& id, JoinRequest& req,
                                JoinCallback& done, Deferred& out);
  void update_member_and_rebalance(Group& g, Member& m, JoinRequest& req, JoinCallback& done,
                                   Deferred& out);
  void replace_static_member(Group& g, const std::string& new_id, JoinRequest& req,
                             JoinCallback& done, Deferred& out);
  bool supports_protocols(const Group& g, const JoinRequest& req) const;
  std::string select_protocol(const Group& g) const;
  JoinResponse current_generation_response(const Group& g, const Member& m,
                                           bool skip_assignment) const;
  void maybe_prepare_rebalance(Group& g, Deferred& out);
  void prepare_rebalance(Group& g, Deferred& out);
  void try_complete_join(Group& g, Deferred& out);
  void complete_join(Group& g, Deferred& out);
  // Removes a member and rebalances as its departure requires.
  void remove_member(Group& g, const std::string& id, ErrorCode pending_error, Deferred& out);
  // Removes a member only: completes its pending callbacks with `pending_error`.
  void erase_member(Group& g, const std::string& id, ErrorCode pending_error, Deferred& out);
  // Picks the earliest-joined member (preferring ones awaiting join) when the leader is gone.
  void elect_leader(Group& g, bool prefer_joined);
  std::chrono::milliseconds rebalance_timeout(const Group& g) const;
  std::vector<const Member*> members_in_order(const Group& g) const;
  // Kafka's validateCurrentMember: FENCED_INSTANCE_ID / UNKNOWN_MEMBER_ID, or none.
  ErrorCode validate_member(const Group& g, const std::string& member_id,
                            const std::optional<std::string>& instance_id) const;
  void arm_session(Group& g, Member& m);
  void push_timer(Timer timer);
  void complete_join_cb(Member& m, JoinResponse response, Deferred& out);
  void complete_sync_cb(Member& m, SyncResponse response, Deferred& out);
  std::string new_member_id(const std::string& prefix);
  Group* find_group(const std::string& id);

  // --- timer thread ---
  void timer_loop();
  void fire(const Timer& timer, Deferred& out);
  void purge_idle_groups();

  static void run(Deferred& deferred);
  static JoinResponse join_error(ErrorCode error, std::string member_id);
  static SyncResponse sync_error(ErrorCode error);

  // --- offsets helpers (group_offsets.cpp) ---
  std::optional<ErrorCode> validate_commit(const OffsetCommitRequest& request);
  // Partition count of each topic named in `topics` (0 = no such topic).
  std::map<std::string, int32_t> partition_counts(const std::set<std::string>& topics) const;

  storage::LogManager& logs_;
  const GroupOptions options_;
  std::unique_ptr<OffsetStore> store_;

  std::mutex mu_;
  std::atomic<uint64_t> rebalances_{0};
  std::condition_variable cv_;
  bool stopping_ = false;
  std::map<std::string, Group> groups_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  uint64_t next_seq_ = 1;
  std::mt19937_64 rng_;
  std::thread timer_thread_;
};

}  // namespace kafka_do::coordinator
