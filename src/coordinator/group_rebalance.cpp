// JoinGroup and the rebalance state machine (Kafka's classic protocol): who gets in, when the
// join phase ends, which protocol wins, who leads, and what a departure does to the group.

#include <algorithm>

#include "coordinator/consumer_protocol.hpp"
#include "coordinator/group_coordinator.hpp"

namespace kafka_do::coordinator {

// --- join -----------------------------------------------------------------------------------

void GroupCoordinator::join_group(JoinRequest req, JoinCallback done) {
  if (req.rebalance_timeout.count() <= 0) req.rebalance_timeout = req.session_timeout;
  Deferred out;
  auto respond = [&](JoinResponse r) {
    out.push_back([cb = std::move(done), r = std::move(r)]() mutable { cb(std::move(r)); });
  };
  {
    std::lock_guard lock(mu_);
    Group* g = nullptr;
    if (stopping_) {
      respond(join_error(ErrorCode::coordinator_not_available, req.member_id));
    } else if (req.group_id.empty()) {
      respond(join_error(ErrorCode::invalid_group_id, req.member_id));
    } else if (req.session_timeout < options_.min_session_timeout ||
               req.session_timeout > options_.max_session_timeout) {
      respond(join_error(ErrorCode::invalid_session_timeout, req.member_id));
    } else if ((g = find_group(req.group_id)) == nullptr && !req.member_id.empty()) {
      // A known member id for a group we do not know (e.g. after a restart).
      respond(join_error(ErrorCode::unknown_member_id, req.member_id));
    } else {
      if (g == nullptr) {
        g = &groups_[req.group_id];
        g->id = req.group_id;
      }
      // Kafka's acceptJoiningMember: past the size limit only current members get in.
      bool accept = true;
      if (options_.max_group_size > 0) {
        auto it = g->members.find(req.member_id);
        const bool known = it != g->members.end();
        if (g->state == GroupState::preparing_rebalance) {
          size_t awaiting = 0;
          for (const auto& [id, m] : g->members) awaiting += m.join_cb ? 1 : 0;
          accept = (known && it->second.join_cb) || awaiting < options_.max_group_size;
        } else if (g->state == GroupState::completing_rebalance || g->state == GroupState::stable) {
          accept = known || g->members.size() < options_.max_group_size;
        }
      }
      if (!accept) {
        if (g->members.count(req.member_id))
          erase_member(*g, req.member_id, ErrorCode::group_max_size_reached, out);
        respond(join_error(ErrorCode::group_max_size_reached, {}));
        if (g->state == GroupState::preparing_rebalance) try_complete_join(*g, out);
      } else if (req.member_id.empty()) {
        new_member_join(*g, req, done, out);
      } else {
        current_member_join(*g, req, done, out);
      }
    }
  }
  run(out);
}

bool GroupCoordinator::supports_protocols(const Group& g, const JoinRequest& req) const {
  if (req.protocol_type.empty() || req.protocols.empty()) return false;
  if (g.members.empty()) return true;
  if (req.protocol_type != g.protocol_type) return false;
  // At least one of the joiner's protocols must be supported by every other member.
  for (const auto& p : req.protocols) {
    bool everyone = true;
    for (const auto& [id, m] : g.members) {
      if (id == req.member_id) continue;
      if (m.metadata_for(p.name) == nullptr) {
        everyone = false;
        break;
      }
    }
    if (everyone) return true;
  }
  return false;
}

std::string GroupCoordinator::select_protocol(const Group& g) const {
  // Candidates: protocols every member supports. Each member votes for its most preferred
  // candidate; the most votes wins (ties: the earlier in the leader's preference order).
  const auto ordered = members_in_order(g);
  if (ordered.empty()) return {};
  const Member* leader = ordered.front();
  if (auto it = g.members.find(g.leader_id); it != g.members.end()) leader = &it->second;
  std::vector<std::string> candidates;
  for (const auto& p : leader->protocols) {
    bool everyone = true;
    for (const Member* m : ordered) {
      if (m->metadata_for(p.name) == nullptr) {
        everyone = false;
        break;
      }
    }
    if (everyone) candidates.push_back(p.name);
  }
  if (candidates.empty()) return {};
  std::map<std::string, size_t> votes;
  for (const Member* m : ordered) {
    for (const auto& p : m->protocols) {
      if (std::find(candidates.begin(), candidates.end(), p.name) != candidates.end()) {
        ++votes[p.name];
        break;
      }
    }
  }
  std::string best = candidates.front();
  for (const auto& c : candidates) {
    if (votes[c] > votes[best]) best = c;
  }
  return best;
}

JoinResponse GroupCoordinator::current_generation_response(const Group& g, const Member& m,
                                                           bool with_members) const {
  JoinResponse r;
  r.generation_id = g.generation;
  r.protocol_type = g.protocol_type;
  r.protocol_name = g.protocol_name.value_or("");
  r.leader_id = g.leader_id;
  r.member_id = m.id;
  if (with_members) {
    for (const Member* member : members_in_order(g)) {
      const std::string* md = member->metadata_for(r.protocol_name);
      r.members.push_back({member->id, member->instance_id, md ? *md : std::string()});
    }
  }
  return r;
}

void GroupCoordinator::new_member_join(Group& g, JoinRequest& req, JoinCallback& done,
                                       Deferred& out) {
  auto respond = [&](JoinResponse r) {
    out.push_back([cb = std::move(done), r = std::move(r)]() mutable { cb(std::move(r)); });
  };
  if (g.state == GroupState::dead)
    return respond(join_error(ErrorCode::coordinator_not_available, {}));
  if (!supports_protocols(g, req))
    return respond(join_error(ErrorCode::inconsistent_group_protocol, {}));
  const std::string id =
      new_member_id(req.group_instance_id ? *req.group_instance_id : req.client_id);
  if (req.group_instance_id) {
    if (g.static_members.count(*req.group_instance_id))
      return replace_static_member(g, id, req, done, out);
    return add_member_and_rebalance(g, id, req, done, out);
  }
  if (req.require_known_member_id) {
    // The member must come back with this id; until then it holds up a rebalance only until its
    // session timeout.
    const TimePoint deadline = Clock::now() + req.session_timeout;
    g.pending[id] = deadline;
    push_timer({deadline, TimerKind::pending, g.id, id, 0});
    return respond(join_error(ErrorCode::member_id_required, id));
  }
  add_member_and_rebalance(g, id, req, done, out);
}

void GroupCoordinator::current_member_join(Group& g, JoinRequest& req, JoinCallback& done,
                                           Deferred& out) {
  auto respond = [&](JoinResponse r) {
    out.push_back([cb = std::move(done), r = std::move(r)]() mutable { cb(std::move(r)); });
  };
  if (g.state == GroupState::dead)
    return respond(join_error(ErrorCode::coordinator_not_available, req.member_id));
  if (!supports_protocols(g, req))
    return respond(join_error(ErrorCode::inconsistent_group_protocol, req.member_id));
  if (auto p = g.pending.find(req.member_id); p != g.pending.end()) {
    g.pending.erase(p);
    return add_member_and_rebalance(g, req.member_id, req, done, out);
  }
  if (ErrorCode e = validate_member(g, req.member_id, req.group_instance_id);
      e != ErrorCode::none) {
    return respond(join_error(e, req.member_id));
  }
  Member& m = g.members.at(req.member_id);
  switch (g.state) {
    case GroupState::preparing_rebalance:
      return update_member_and_rebalance(g, m, req, done, out);
    case GroupState::completing_rebalance:
      // Same metadata: most likely a retry after a lost response; answer with this generation.
      if (m.protocols == req.protocols) {
        arm_session(g, m);
        return respond(current_generation_response(g, m, m.id == g.leader_id));
      }
      return update_member_and_rebalance(g, m, req, done, out);
    case GroupState::stable:
      // The leader's join always rebalances: it is how it reacts to changes that do not show in
      // the metadata (e.g. new partitions).
      if (m.id == g.leader_id || m.protocols != req.protocols)
        return update_member_and_rebalance(g, m, req, done, out);
      arm_session(g, m);
      return respond(current_generation_response(g, m, false));
    case GroupState::empty:
    case GroupState::dead:
      return respond(join_error(ErrorCode::unknown_member_id, req.member_id));
  }
}

void GroupCoordinator::add_member_and_rebalance(Group& g, const std::string& id, JoinRequest& req,
                                                JoinCallback& done, Deferred& out) {
  Member m;
  m.id = id;
  m.instance_id = req.group_instance_id;
  m.client_id = req.client_id;
  m.client_host = req.client_host;
  m.session_timeout = req.session_timeout;
  m.rebalance_timeout = req.rebalance_timeout;
  m.protocol_type = req.protocol_type;
  m.protocols = std::move(req.protocols);
  m.join_cb = std::move(done);
  m.seq = next_seq_++;
  if (g.members.empty()) g.protocol_type = req.protocol_type;
  if (m.instance_id) g.static_members[*m.instance_id] = id;
  Member& added = g.members.emplace(id, std::move(m)).first->second;
  if (g.leader_id.empty()) g.leader_id = id;
  arm_session(g, added);
  if (g.state == GroupState::preparing_rebalance && g.initial_delay) g.new_member_added = true;
  maybe_prepare_rebalance(g, out);
  try_complete_join(g, out);
}

void GroupCoordinator::update_member_and_rebalance(Group& g, Member& m, JoinRequest& req,
                                                   JoinCallback& done, Deferred& out) {
  m.protocols = std::move(req.protocols);
  m.session_timeout = req.session_timeout;
  m.rebalance_timeout = req.rebalance_timeout;
  // A second join while the first is pending supersedes it; the first still gets an answer.
  if (m.join_cb) complete_join_cb(m, join_error(ErrorCode::rebalance_in_progress, m.id), out);
  m.join_cb = std::move(done);
  arm_session(g, m);
  maybe_prepare_rebalance(g, out);
  try_complete_join(g, out);
}

void GroupCoordinator::replace_static_member(Group& g, const std::string& new_id, JoinRequest& req,
                                             JoinCallback& done, Deferred& out) {
  const std::string old_id = g.static_members.at(*req.group_instance_id);
  const std::string previous_leader = g.leader_id;
  auto node = g.members.extract(old_id);
  Member& old = node.mapped();
  // The old incarnation is fenced: its pending calls learn it (as Kafka).
  if (old.join_cb) complete_join_cb(old, join_error(ErrorCode::fenced_instance_id, old_id), out);
  if (old.sync_cb) complete_sync_cb(old, sync_error(ErrorCode::fenced_instance_id), out);
  node.key() = new_id;
  Member& m = g.members.insert(std::move(node)).position->second;
  m.id = new_id;
  m.client_id = req.client_id;
  m.client_host = req.client_host;
  m.timer_queued = false;  // entries queued under the old id die with it
  g.static_members[*req.group_instance_id] = new_id;
  if (g.leader_id == old_id) g.leader_id = new_id;
  if (g.pending_sync.erase(old_id)) g.pending_sync.insert(new_id);

  switch (g.state) {
    case GroupState::stable: {
      std::vector<GroupProtocol> previous = m.protocols;
      m.protocols = req.protocols;
      m.session_timeout = req.session_timeout;
      m.rebalance_timeout = req.rebalance_timeout;
      arm_session(g, m);
      if (g.protocol_name && select_protocol(g) == *g.protocol_name) {
        // Unchanged for the group: no rebalance, the member resumes the current generation.
        JoinResponse r;
        if (req.supports_skip_assignment) {
          const bool leader = g.leader_id == new_id;
          r = current_generation_response(g, m, leader);
          r.skip_assignment = leader;
        } else {
          // Older clients would assign if they saw themselves as leader: show the previous id.
          r = current_generation_response(g, m, false);
          r.leader_id = previous_leader;
        }
        out.push_back([cb = std::move(done), r = std::move(r)]() mutable { cb(std::move(r)); });
        return;
      }
      m.protocols = std::move(previous);
      return update_member_and_rebalance(g, m, req, done, out);
    }
    case GroupState::completing_rebalance:
    case GroupState::preparing_rebalance:
      // In CompletingRebalance the leader may already be assigning to the old id: start over.
      return update_member_and_rebalance(g, m, req, done, out);
    case GroupState::empty:
    case GroupState::dead:
      break;
  }
  out.push_back([cb = std::move(done), id = new_id]() mutable {
    cb(join_error(ErrorCode::unknown_member_id, id));
  });
}

void GroupCoordinator::maybe_prepare_rebalance(Group& g, Deferred& out) {
  if (g.state == GroupState::stable || g.state == GroupState::completing_rebalance ||
      g.state == GroupState::empty) {
    prepare_rebalance(g, out);
  }
}

void GroupCoordinator::prepare_rebalance(Group& g, Deferred& out) {
  if (g.state == GroupState::completing_rebalance) {
    // Members waiting for the leader's assignment must rejoin instead.
    for (auto& [id, m] : g.members) {
      m.assignment.clear();
      if (m.sync_cb) {
        complete_sync_cb(m, sync_error(ErrorCode::rebalance_in_progress), out);
        arm_session(g, m);
      }
    }
  }
  g.pending_sync.clear();
  g.sync_epoch = next_seq_++;
  const TimePoint now = Clock::now();
  const auto timeout = rebalance_timeout(g);
  if (g.state == GroupState::empty && options_.initial_rebalance_delay.count() > 0) {
    g.initial_delay = true;
    g.new_member_added = false;
    g.initial_delay_limit = now + std::max(timeout, options_.initial_rebalance_delay);
    g.join_deadline = now + options_.initial_rebalance_delay;
  } else {
    g.initial_delay = false;
    g.join_deadline = now + timeout;
  }
  g.state = GroupState::preparing_rebalance;
  g.join_epoch = next_seq_++;
  push_timer({g.join_deadline, TimerKind::join, g.id, {}, g.join_epoch});
  try_complete_join(g, out);
}

void GroupCoordinator::try_complete_join(Group& g, Deferred& out) {
  if (g.state == GroupState::preparing_rebalance && !g.initial_delay && g.all_joined())
    complete_join(g, out);
}

void GroupCoordinator::complete_join(Group& g, Deferred& out) {
  // Dynamic members that did not rejoin in time are gone; static ones keep their place until
  // their session expires (as Kafka).
  std::vector<std::string> gone;
  for (const auto& [id, m] : g.members) {
    if (!m.join_cb && !m.instance_id) gone.push_back(id);
  }
  for (const auto& id : gone) erase_member(g, id, ErrorCode::unknown_member_id, out);

  bool anyone_joined = false;
  for (const auto& [id, m] : g.members) anyone_joined = anyone_joined || m.join_cb != nullptr;
  if (!g.members.empty() && !anyone_joined) {
    // Only silent static members left: wait another round for them or their session expiry.
    g.join_epoch = next_seq_++;
    g.join_deadline = Clock::now() + rebalance_timeout(g);
    push_timer({g.join_deadline, TimerKind::join, g.id, {}, g.join_epoch});
    return;
  }

  g.initial_delay = false;
  g.join_epoch = next_seq_++;  // retires the pending join timer
  auto leader = g.members.find(g.leader_id);
  if (leader == g.members.end() || !leader->second.join_cb) elect_leader(g, true);
  ++g.generation;
  rebalances_.fetch_add(1, std::memory_order_relaxed);
  if (g.members.empty()) {
    g.protocol_name.reset();
    g.subscribed_topics.reset();
    g.leader_id.clear();
    g.state = GroupState::empty;
    return;
  }
  g.protocol_name = select_protocol(g);
  g.subscribed_topics.reset();
  if (g.protocol_type == kConsumerProtocolType) {
    std::set<std::string> topics;
    bool known = true;
    for (const auto& [id, m] : g.members) {
      const std::string* md = m.metadata_for(*g.protocol_name);
      auto decoded = md ? decode_subscription_topics(*md) : std::nullopt;
      if (!decoded) {
        known = false;
        break;
      }
      topics.insert(decoded->begin(), decoded->end());
    }
    if (known) g.subscribed_topics = std::move(topics);
  }
  g.state = GroupState::completing_rebalance;
  g.pending_sync.clear();
  for (auto& [id, m] : g.members) {
    m.assignment.clear();
    g.pending_sync.insert(id);
  }
  g.sync_epoch = next_seq_++;
  push_timer({Clock::now() + rebalance_timeout(g), TimerKind::sync, g.id, {}, g.sync_epoch});
  for (auto& [id, m] : g.members) {
    if (!m.join_cb) continue;
    complete_join_cb(m, current_generation_response(g, m, id == g.leader_id), out);
    arm_session(g, m);
  }
}

void GroupCoordinator::elect_leader(Group& g, bool prefer_joined) {
  const Member* best = nullptr;
  for (const Member* m : members_in_order(g)) {
    if (prefer_joined && !m->join_cb) continue;
    best = m;
    break;
  }
  if (best == nullptr && prefer_joined) {
    auto ordered = members_in_order(g);
    if (!ordered.empty()) best = ordered.front();
  }
  g.leader_id = best ? best->id : std::string();
}

void GroupCoordinator::erase_member(Group& g, const std::string& id, ErrorCode pending_error,
                                    Deferred& out) {
  auto it = g.members.find(id);
  if (it == g.members.end()) return;
  Member& m = it->second;
  // Kafka answers a removed member's pending join with an empty member id, so it rejoins fresh.
  if (m.join_cb) complete_join_cb(m, join_error(pending_error, {}), out);
  if (m.sync_cb) complete_sync_cb(m, sync_error(pending_error), out);
  if (m.instance_id) {
    auto s = g.static_members.find(*m.instance_id);
    if (s != g.static_members.end() && s->second == id) g.static_members.erase(s);
  }
  g.pending_sync.erase(id);
  g.members.erase(it);
  if (g.leader_id == id) elect_leader(g, false);
}

void GroupCoordinator::remove_member(Group& g, const std::string& id, ErrorCode pending_error,
                                     Deferred& out) {
  erase_member(g, id, pending_error, out);
  switch (g.state) {
    case GroupState::stable:
    case GroupState::completing_rebalance:
      prepare_rebalance(g, out);
      break;
    case GroupState::preparing_rebalance:
      try_complete_join(g, out);
      break;
    case GroupState::empty:
    case GroupState::dead:
      break;
  }
}

}  // namespace kafka_do::coordinator
