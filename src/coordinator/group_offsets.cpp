// Committed offsets (OffsetCommit, OffsetFetch, OffsetDelete) and the group admin calls
// (ListGroups, DescribeGroups, DeleteGroups). The offset store is called outside the
// coordinator's lock: an append may wait for fdatasync, and heartbeats must not wait for it.

#include <algorithm>

#include "coordinator/consumer_protocol.hpp"
#include "coordinator/group_coordinator.hpp"

namespace kafka_do::coordinator {
namespace {

// Kafka's GroupMetadataManager maps append failures the same way: retriable where it can be.
ErrorCode store_error(const Error& e) {
  switch (e.code()) {
    case Errc::closed:
      return ErrorCode::coordinator_not_available;
    case Errc::too_large:
      return ErrorCode::invalid_commit_offset_size;
    case Errc::invalid_argument:
      return ErrorCode::invalid_request;
    default:
      return ErrorCode::not_coordinator;
  }
}

bool exists(const std::map<std::string, int32_t>& counts, const std::string& topic,
            int32_t partition) {
  auto it = counts.find(topic);
  return it != counts.end() && partition >= 0 && partition < it->second;
}

}  // namespace

std::map<std::string, int32_t> GroupCoordinator::partition_counts(
    const std::set<std::string>& topics) const {
  std::map<std::string, int32_t> out;
  for (const auto& t : topics) {
    auto d = logs_.describe_topic(t);
    out[t] = d ? d->partitions : 0;
  }
  return out;
}

std::optional<ErrorCode> GroupCoordinator::validate_commit(const OffsetCommitRequest& req) {
  // REQUIRES: mu_ held. Kafka's validateOffsetCommit and doCommitOffsets, in that order.
  if (stopping_) return ErrorCode::coordinator_not_available;
  Group* g = find_group(req.group_id);
  if (g == nullptr || g->state == GroupState::empty) {
    // No active members: generation -1 is how simple consumers and admin tools commit.
    if (req.generation_id < 0) return std::nullopt;
    if (g == nullptr) return ErrorCode::illegal_generation;
  }
  if (g->state == GroupState::dead) return ErrorCode::coordinator_not_available;
  if (req.generation_id >= 0 || !req.member_id.empty() || req.group_instance_id) {
    if (ErrorCode e = validate_member(*g, req.member_id, req.group_instance_id);
        e != ErrorCode::none)
      return e;
    if (req.generation_id != g->generation) return ErrorCode::illegal_generation;
  } else if (g->state != GroupState::empty) {
    return ErrorCode::unknown_member_id;  // only members may commit to an active group
  }
  switch (g->state) {
    case GroupState::stable:
    case GroupState::preparing_rebalance:
      // Still allowed while preparing: the heartbeat tells the member to rejoin.
      arm_session(*g, g->members.at(req.member_id));
      return std::nullopt;
    case GroupState::completing_rebalance:
      // A member of the new generation has not got its assignment yet.
      return ErrorCode::rebalance_in_progress;
    case GroupState::empty:
    case GroupState::dead:
      break;
  }
  return std::nullopt;
}

std::vector<PartitionResult> GroupCoordinator::commit_offsets(
    const OffsetCommitRequest& req, const TransactionalCommit* transaction) {
  std::vector<PartitionResult> results;
  results.reserve(req.offsets.size());
  for (const auto& o : req.offsets) results.push_back({o.topic, o.partition, ErrorCode::none});
  std::optional<ErrorCode> error;
  {
    std::lock_guard lock(mu_);
    // A transactional producer commits for a group it is not a member of; only v3+ requests,
    // which name the consumer's generation, are checked (KIP-447 zombie fencing).
    const bool anonymous = transaction != nullptr && req.generation_id < 0 &&
                           req.member_id.empty() && !req.group_instance_id;
    if (stopping_) {
      error = ErrorCode::coordinator_not_available;
    } else if (!anonymous) {
      error = validate_commit(req);
    }
  }
  if (error) {
    for (auto& r : results) r.error = *error;
    return results;
  }
  std::set<std::string> topics;
  for (const auto& o : req.offsets) topics.insert(o.topic);
  const auto counts = partition_counts(topics);
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::vector<std::pair<TopicPartition, CommittedOffset>> batch;
  std::vector<size_t> batch_index;
  for (size_t i = 0; i < req.offsets.size(); ++i) {
    const auto& o = req.offsets[i];
    if (o.metadata && o.metadata->size() > options_.max_metadata_bytes) {
      results[i].error = ErrorCode::offset_metadata_too_large;
    } else if (!exists(counts, o.topic, o.partition)) {
      results[i].error = ErrorCode::unknown_topic_or_partition;
    } else {
      // Kafka stores a null metadata as "" and returns "" from OffsetFetch.
      batch.push_back(
          {{o.topic, o.partition}, {o.offset, o.leader_epoch, o.metadata.value_or(""), now}});
      batch_index.push_back(i);
    }
  }
  if (!batch.empty()) {
    auto stored = transaction == nullptr
                      ? store_->commit(req.group_id, batch)
                      : store_->commit_transactional(req.group_id, batch, transaction->producer_id,
                                                     transaction->producer_epoch);
    if (!stored) {
      for (size_t i : batch_index) results[i].error = store_error(stored.error());
    }
  }
  return results;
}

OffsetFetchResult GroupCoordinator::fetch_offsets(
    const std::string& group_id, const std::optional<std::vector<TopicPartition>>& partitions,
    bool require_stable) {
  OffsetFetchResult result;
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      result.error = ErrorCode::coordinator_not_available;
      return result;
    }
  }
  const OffsetStore::Offsets stored = store_->offsets(group_id);
  std::set<std::string> topics;
  if (partitions) {
    for (const auto& tp : *partitions) topics.insert(tp.topic);
  } else {
    for (const auto& [tp, value] : stored) topics.insert(tp.topic);
  }
  // Offsets of deleted topics (or partitions) are never reported, even before they are purged.
  const auto counts = partition_counts(topics);
  auto entry = [&](const TopicPartition& tp, const CommittedOffset* c) {
    OffsetFetchEntry e;
    e.topic = tp.topic;
    e.partition = tp.partition;
    e.metadata = "";
    if (c != nullptr && exists(counts, tp.topic, tp.partition)) {
      e.offset = c->offset;
      e.leader_epoch = c->leader_epoch;
      e.metadata = c->metadata.value_or("");
    }
    // KIP-447: a consumer that must not resume from an offset an open transaction is about to
    // replace retries until the transaction ends.
    if (require_stable && store_->has_pending(group_id, tp)) {
      e.error = ErrorCode::unstable_offset_commit;
      e.offset = -1;
    }
    return e;
  };
  if (partitions) {
    for (const auto& tp : *partitions) {
      auto it = stored.find(tp);
      result.partitions.push_back(entry(tp, it == stored.end() ? nullptr : &it->second));
    }
  } else {
    for (const auto& [tp, value] : stored) {
      if (exists(counts, tp.topic, tp.partition)) result.partitions.push_back(entry(tp, &value));
    }
  }
  return result;
}

std::vector<ListedGroup> GroupCoordinator::list_groups(const std::vector<GroupState>& states) {
  std::vector<ListedGroup> live;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return {};
    for (const auto& [id, g] : groups_) live.push_back({id, g.protocol_type, g.state});
  }
  const std::vector<std::string> with_offsets = store_->groups();  // sorted
  auto has_offsets = [&](const std::string& id) {
    return std::binary_search(with_offsets.begin(), with_offsets.end(), id);
  };
  std::vector<ListedGroup> out;
  std::set<std::string> seen;
  for (auto& l : live) {
    seen.insert(l.group_id);
    // An empty group is listed only while it has offsets to show for it.
    if (l.state == GroupState::dead || (l.state == GroupState::empty && !has_offsets(l.group_id)))
      continue;
    out.push_back(std::move(l));
  }
  for (const auto& id : with_offsets) {
    if (!seen.count(id)) out.push_back({id, std::string(), GroupState::empty});
  }
  if (!states.empty()) {
    std::erase_if(out, [&](const ListedGroup& l) {
      return std::find(states.begin(), states.end(), l.state) == states.end();
    });
  }
  std::sort(out.begin(), out.end(),
            [](const ListedGroup& a, const ListedGroup& b) { return a.group_id < b.group_id; });
  return out;
}

GroupDescription GroupCoordinator::describe_group(const std::string& group_id) {
  GroupDescription d;
  d.group_id = group_id;
  d.state = group_state_name(GroupState::dead);
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      d.error = ErrorCode::coordinator_not_available;
      return d;
    }
    if (const Group* g = find_group(group_id); g != nullptr) {
      d.state = group_state_name(g->state);
      d.protocol_type = g->protocol_type;
      // As Kafka: the protocol and the members' metadata and assignments only while Stable.
      const bool stable = g->state == GroupState::stable;
      if (stable) d.protocol = g->protocol_name.value_or("");
      for (const Member* m : members_in_order(*g)) {
        DescribedMember dm;
        dm.member_id = m->id;
        dm.group_instance_id = m->instance_id;
        dm.client_id = m->client_id;
        dm.client_host = m->client_host;
        if (stable) {
          const std::string* md = m->metadata_for(d.protocol);
          dm.metadata = md ? *md : std::string();
          dm.assignment = m->assignment;
        }
        d.members.push_back(std::move(dm));
      }
      return d;
    }
  }
  if (store_->has_group(group_id)) d.state = group_state_name(GroupState::empty);
  return d;
}

std::vector<GroupResult> GroupCoordinator::delete_groups(
    const std::vector<std::string>& group_ids) {
  std::vector<GroupResult> results;
  for (const auto& id : group_ids) {
    GroupResult r{id, ErrorCode::none};
    bool known = false;
    {
      std::lock_guard lock(mu_);
      if (stopping_) {
        r.error = ErrorCode::coordinator_not_available;
      } else if (Group* g = find_group(id); g != nullptr) {
        if (g->state != GroupState::empty) {
          r.error = ErrorCode::non_empty_group;
        } else {
          known = true;
          // Dead: timer entries and late calls find no group (a later join starts a new one).
          groups_.erase(id);
        }
      }
    }
    if (r.error == ErrorCode::none) {
      auto removed = store_->remove_group(id);
      if (!removed) {
        r.error = store_error(removed.error());
      } else if (*removed == 0 && !known) {
        r.error = ErrorCode::group_id_not_found;
      }
    }
    results.push_back(std::move(r));
  }
  return results;
}

OffsetDeleteResult GroupCoordinator::delete_offsets(const std::string& group_id,
                                                    const std::vector<TopicPartition>& partitions) {
  OffsetDeleteResult result;
  bool known = false;
  bool check_subscription = false;
  std::optional<std::set<std::string>> subscribed;
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      result.error = ErrorCode::coordinator_not_available;
      return result;
    }
    if (const Group* g = find_group(group_id); g != nullptr) {
      known = true;
      if (g->state != GroupState::empty) {
        if (g->protocol_type != kConsumerProtocolType) {
          result.error = ErrorCode::non_empty_group;
          return result;
        }
        check_subscription = true;
        subscribed = g->subscribed_topics;
      }
    }
  }
  if (!known && !store_->has_group(group_id)) {
    result.error = ErrorCode::group_id_not_found;
    return result;
  }
  std::set<std::string> topics;
  for (const auto& tp : partitions) topics.insert(tp.topic);
  const auto counts = partition_counts(topics);
  std::vector<TopicPartition> doomed;
  std::vector<size_t> doomed_index;
  for (const auto& tp : partitions) {
    PartitionResult r{tp.topic, tp.partition, ErrorCode::none};
    if (!exists(counts, tp.topic, tp.partition)) {
      r.error = ErrorCode::unknown_topic_or_partition;
    } else if (check_subscription && (!subscribed || subscribed->count(tp.topic))) {
      // Undecodable subscriptions count as subscribed to everything (as Kafka: safe side).
      r.error = ErrorCode::group_subscribed_to_topic;
    } else {
      doomed.push_back(tp);
      doomed_index.push_back(result.partitions.size());
    }
    result.partitions.push_back(std::move(r));
  }
  if (!doomed.empty()) {
    auto removed = store_->remove(group_id, doomed);
    if (!removed) {
      for (size_t i : doomed_index) result.partitions[i].error = store_error(removed.error());
    }
  }
  return result;
}

Status GroupCoordinator::on_topic_deleted(const std::string& topic) {
  KD_TRY(store_->remove_if(
      [&](const std::string&, const TopicPartition& tp) { return tp.topic == topic; }));
  return {};
}

Result<size_t> GroupCoordinator::purge_deleted_topics() {
  std::map<std::string, int32_t> counts;
  return store_->remove_if([&](const std::string&, const TopicPartition& tp) {
    auto it = counts.find(tp.topic);
    if (it == counts.end()) {
      auto d = logs_.describe_topic(tp.topic);
      it = counts.emplace(tp.topic, d ? d->partitions : 0).first;
    }
    return tp.partition >= it->second;
  });
}

void GroupCoordinator::purge_idle_groups() {
  // Empty groups without offsets are forgotten (as Kafka's cleanup does), so transient group
  // ids do not accumulate. The store is asked outside the lock; the state is checked again.
  std::vector<std::string> idle;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, g] : groups_) {
      if (g.state == GroupState::empty && g.members.empty() && g.pending.empty())
        idle.push_back(id);
    }
  }
  std::erase_if(idle, [&](const std::string& id) { return store_->has_group(id); });
  std::lock_guard lock(mu_);
  for (const auto& id : idle) {
    auto it = groups_.find(id);
    if (it != groups_.end() && it->second.state == GroupState::empty &&
        it->second.members.empty() && it->second.pending.empty()) {
      groups_.erase(it);
    }
  }
}

}  // namespace kafka_do::coordinator
