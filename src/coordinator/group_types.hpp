#pragma once
// Requests and results of the group coordinator, shaped after the Kafka messages they serve
// (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch, ListGroups,
// DescribeGroups, DeleteGroups, OffsetDelete) so the broker maps them field by field and the SDK
// can use them directly.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/offset_record.hpp"
#include "model/error_code.hpp"

namespace kafka_do::coordinator {

using model::ErrorCode;

enum class GroupState { empty, preparing_rebalance, completing_rebalance, stable, dead };

// The state as Kafka spells it: "Empty", "PreparingRebalance", "CompletingRebalance", "Stable",
// "Dead".
const char* group_state_name(GroupState state);

// Group member ids are never empty; a join without one is a new member.
inline constexpr int32_t kNoGeneration = -1;

struct GroupProtocol {
  std::string name;
  std::string metadata;
  bool operator==(const GroupProtocol&) const = default;
};

struct JoinRequest {
  std::string group_id;
  std::string member_id;                         // empty for a new member
  std::optional<std::string> group_instance_id;  // static membership (JoinGroup v5+)
  std::string client_id;
  std::string client_host;
  std::chrono::milliseconds session_timeout{10000};
  // <= 0 means "same as session_timeout" (JoinGroup v0 has no rebalance timeout).
  std::chrono::milliseconds rebalance_timeout{-1};
  std::string protocol_type;
  std::vector<GroupProtocol> protocols;  // in the member's order of preference
  // JoinGroup v4+: a new member first gets MEMBER_ID_REQUIRED and its id, then rejoins with it.
  bool require_known_member_id = false;
  // JoinGroup v9+: the member understands JoinResponse::skip_assignment.
  bool supports_skip_assignment = false;
};

struct JoinedMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string metadata;  // for the selected protocol
  bool operator==(const JoinedMember&) const = default;
};

struct JoinResponse {
  ErrorCode error = ErrorCode::none;
  int32_t generation_id = kNoGeneration;
  std::string protocol_type;
  std::string protocol_name;
  std::string leader_id;
  std::string member_id;
  // True when a static leader rejoined a Stable group unchanged and supports_skip_assignment: it
  // gets the member list but must not compute a new assignment (JoinGroup v9 SkipAssignment).
  // Without that support the rejoined static member gets no members and the previous leader id,
  // so it does not assign at all (as Kafka).
  bool skip_assignment = false;
  std::vector<JoinedMember> members;  // only the leader's response carries them
};

struct MemberAssignment {
  std::string member_id;
  std::string assignment;
};

struct SyncRequest {
  std::string group_id;
  int32_t generation_id = kNoGeneration;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::optional<std::string> protocol_type;   // SyncGroup v5+
  std::optional<std::string> protocol_name;   // SyncGroup v5+
  std::vector<MemberAssignment> assignments;  // the leader's; empty from followers
};

struct SyncResponse {
  ErrorCode error = ErrorCode::none;
  std::string protocol_type;
  std::string protocol_name;
  std::string assignment;
};

struct HeartbeatRequest {
  std::string group_id;
  int32_t generation_id = kNoGeneration;
  std::string member_id;
  std::optional<std::string> group_instance_id;
};

struct LeavingMember {
  std::string member_id;  // may be empty when group_instance_id is given
  std::optional<std::string> group_instance_id;
};

struct LeaveMemberResult {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  ErrorCode error = ErrorCode::none;
};

struct LeaveResult {
  ErrorCode error = ErrorCode::none;       // group-level
  std::vector<LeaveMemberResult> members;  // one per request entry, same order
};

struct OffsetCommitEntry {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int32_t leader_epoch = -1;
  std::optional<std::string> metadata;
};

struct OffsetCommitRequest {
  std::string group_id;
  int32_t generation_id = kNoGeneration;  // -1 (with an empty member id) for simple consumers
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::vector<OffsetCommitEntry> offsets;
};

// The producer a TxnOffsetCommit belongs to.
struct TransactionalCommit {
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
};

struct PartitionResult {
  std::string topic;
  int32_t partition = 0;
  ErrorCode error = ErrorCode::none;
};

struct OffsetFetchEntry {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;  // -1 when nothing is committed
  int32_t leader_epoch = -1;
  std::optional<std::string> metadata;
  ErrorCode error = ErrorCode::none;
};

struct OffsetFetchResult {
  ErrorCode error = ErrorCode::none;  // group-level
  std::vector<OffsetFetchEntry> partitions;
};

struct ListedGroup {
  std::string group_id;
  std::string protocol_type;
  GroupState state = GroupState::empty;
};

struct DescribedMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  std::string metadata;    // only while Stable (as Kafka)
  std::string assignment;  // only while Stable (as Kafka)
};

struct GroupDescription {
  ErrorCode error = ErrorCode::none;
  std::string group_id;
  std::string state;  // group_state_name(); "Dead" for an unknown group
  std::string protocol_type;
  std::string protocol;  // the selected protocol, only while Stable (as Kafka)
  std::vector<DescribedMember> members;
};

struct GroupResult {
  std::string group_id;
  ErrorCode error = ErrorCode::none;
};

struct OffsetDeleteResult {
  ErrorCode error = ErrorCode::none;  // group-level
  std::vector<PartitionResult> partitions;
};

}  // namespace kafka_do::coordinator
