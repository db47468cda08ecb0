// Life cycle, SyncGroup, Heartbeat, LeaveGroup, and the timer thread behind rebalance timeouts and
// session expiry. JoinGroup and the rebalance state machine are in group_rebalance.cpp; offsets
// and the admin calls in group_offsets.cpp.

#include "coordinator/group_coordinator.hpp"

#include <algorithm>
#include <cstdio>

namespace kafka_do::coordinator {

JoinResponse GroupCoordinator::join_error(ErrorCode error, std::string member_id) {
  JoinResponse r;
  r.error = error;
  r.member_id = std::move(member_id);
  return r;
}

SyncResponse GroupCoordinator::sync_error(ErrorCode error) {
  SyncResponse r;
  r.error = error;
  return r;
}

const char* group_state_name(GroupState state) {
  switch (state) {
    case GroupState::empty:
      return "Empty";
    case GroupState::preparing_rebalance:
      return "PreparingRebalance";
    case GroupState::completing_rebalance:
      return "CompletingRebalance";
    case GroupState::stable:
      return "Stable";
    case GroupState::dead:
      return "Dead";
  }
  return "Dead";
}

const std::string* GroupCoordinator::Member::metadata_for(const std::string& protocol) const {
  for (const auto& p : protocols) {
    if (p.name == protocol) return &p.metadata;
  }
  return nullptr;
}

bool GroupCoordinator::Group::all_joined() const {
  if (!pending.empty()) return false;
  for (const auto& [id, m] : members) {
    if (!m.join_cb) return false;
  }
  return true;
}

Result<std::unique_ptr<GroupCoordinator>> GroupCoordinator::open(storage::LogManager& logs,
                                                                 GroupOptions options) {
  KD_ASSIGN(auto store, OffsetStore::open(logs, options.offsets));
  return std::unique_ptr<GroupCoordinator>(
      new GroupCoordinator(logs, std::move(options), std::move(store)));
}

GroupCoordinator::GroupCoordinator(storage::LogManager& logs, GroupOptions options,
                                   std::unique_ptr<OffsetStore> store)
    : logs_(logs),
      options_(std::move(options)),
      store_(std::move(store)),
      rng_(std::random_device{}()) {
  timer_thread_ = std::thread([this] { timer_loop(); });
}

GroupCoordinator::~GroupCoordinator() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (timer_thread_.joinable()) timer_thread_.join();
  abort_pending();
  std::lock_guard lock(mu_);
  groups_.clear();
}

void GroupCoordinator::abort_pending() {
  Deferred out;
  {
    std::lock_guard lock(mu_);
    for (auto& [gid, g] : groups_) {
      for (auto& [mid, m] : g.members) {
        if (m.join_cb)
          complete_join_cb(m, join_error(ErrorCode::coordinator_not_available, mid), out);
        if (m.sync_cb) complete_sync_cb(m, sync_error(ErrorCode::coordinator_not_available), out);
      }
    }
  }
  run(out);
}

void GroupCoordinator::run(Deferred& deferred) {
  for (auto& fn : deferred) fn();
  deferred.clear();
}

void GroupCoordinator::complete_join_cb(Member& m, JoinResponse response, Deferred& out) {
  out.push_back(
      [cb = std::move(m.join_cb), r = std::move(response)]() mutable { cb(std::move(r)); });
  m.join_cb = nullptr;
}

void GroupCoordinator::complete_sync_cb(Member& m, SyncResponse response, Deferred& out) {
  out.push_back(
      [cb = std::move(m.sync_cb), r = std::move(response)]() mutable { cb(std::move(r)); });
  m.sync_cb = nullptr;
}

GroupCoordinator::Group* GroupCoordinator::find_group(const std::string& id) {
  auto it = groups_.find(id);
  return it == groups_.end() ? nullptr : &it->second;
}

std::string GroupCoordinator::new_member_id(const std::string& prefix) {
  const uint64_t hi = rng_();
  const uint64_t lo = rng_();
  char uuid[40];
  std::snprintf(uuid, sizeof(uuid), "%08x-%04x-%04x-%04x-%012llx", unsigned(hi >> 32),
                unsigned((hi >> 16) & 0xffff), unsigned(hi & 0xffff), unsigned(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return prefix + "-" + uuid;
}

std::chrono::milliseconds GroupCoordinator::rebalance_timeout(const Group& g) const {
  std::chrono::milliseconds longest{0};
  for (const auto& [id, m] : g.members) longest = std::max(longest, m.rebalance_timeout);
  return longest;
}

std::vector<const GroupCoordinator::Member*> GroupCoordinator::members_in_order(
    const Group& g) const {
  std::vector<const Member*> out;
  out.reserve(g.members.size());
  for (const auto& [id, m] : g.members) out.push_back(&m);
  std::sort(out.begin(), out.end(),
            [](const Member* a, const Member* b) { return a->seq < b->seq; });
  return out;
}

ErrorCode GroupCoordinator::validate_member(const Group& g, const std::string& member_id,
                                            const std::optional<std::string>& instance_id) const {
  if (instance_id) {
    auto it = g.static_members.find(*instance_id);
    if (it == g.static_members.end()) return ErrorCode::unknown_member_id;
    if (it->second != member_id) return ErrorCode::fenced_instance_id;
  }
  return g.members.count(member_id) ? ErrorCode::none : ErrorCode::unknown_member_id;
}

// --- timers ---------------------------------------------------------------------------------

void GroupCoordinator::push_timer(Timer timer) {
  const bool earliest = timers_.empty() || timer.at < timers_.top().at;
  timers_.push(std::move(timer));
  if (earliest) cv_.notify_all();
}

void GroupCoordinator::arm_session(Group& g, Member& m) {
  m.deadline = Clock::now() + m.session_timeout;
  // Later deadlines ride on the queued entry (it re-queues itself when it fires early); only an
  // earlier one needs a new entry, which retires the old one through the epoch.
  if (!m.timer_queued || m.deadline < m.queued_at) {
    m.timer_epoch = next_seq_++;
    m.timer_queued = true;
    m.queued_at = m.deadline;
    push_timer({m.deadline, TimerKind::session, g.id, m.id, m.timer_epoch});
  }
}

void GroupCoordinator::timer_loop() {
  std::unique_lock lock(mu_);
  const bool purging = options_.offsets_purge_interval.count() > 0;
  TimePoint next_purge = Clock::now() + options_.offsets_purge_interval;
  while (!stopping_) {
    const TimePoint now = Clock::now();
    if (purging && now >= next_purge) {
      lock.unlock();
      ignore_error(purge_deleted_topics());
      purge_idle_groups();
      lock.lock();
      next_purge = Clock::now() + options_.offsets_purge_interval;
      continue;
    }
    if (!timers_.empty() && timers_.top().at <= now) {
      Deferred out;
      while (!timers_.empty() && timers_.top().at <= now) {
        Timer t = timers_.top();
        timers_.pop();
        fire(t, out);
      }
      if (!out.empty()) {
        lock.unlock();
        run(out);
        lock.lock();
      }
      continue;
    }
    TimePoint wake = TimePoint::max();
    if (!timers_.empty()) wake = timers_.top().at;
    if (purging) wake = std::min(wake, next_purge);
    if (wake == TimePoint::max()) {
      cv_.wait(lock);
    } else {
      cv_.wait_until(lock, wake);
    }
  }
}

void GroupCoordinator::fire(const Timer& t, Deferred& out) {
  Group* g = find_group(t.group);
  if (g == nullptr) return;
  const TimePoint now = Clock::now();
  switch (t.kind) {
    case TimerKind::join:
      if (t.epoch != g->join_epoch || g->state != GroupState::preparing_rebalance) return;
      if (g->initial_delay) {
        // Kafka's initial delay: keep waiting while new members keep arriving, within bounds.
        if (g->new_member_added && now < g->initial_delay_limit) {
          g->new_member_added = false;
          g->join_deadline =
              std::min(now + options_.initial_rebalance_delay, g->initial_delay_limit);
          g->join_epoch = next_seq_++;
          push_timer({g->join_deadline, TimerKind::join, g->id, {}, g->join_epoch});
          return;
        }
        g->initial_delay = false;
      }
      complete_join(*g, out);
      return;
    case TimerKind::sync: {
      if (t.epoch != g->sync_epoch || g->pending_sync.empty()) return;
      if (g->state != GroupState::completing_rebalance && g->state != GroupState::stable) return;
      // Members that took the join response but never synced are gone; the rest rebalance.
      const std::set<std::string> silent = std::move(g->pending_sync);
      g->pending_sync.clear();
      for (const auto& id : silent) erase_member(*g, id, ErrorCode::unknown_member_id, out);
      prepare_rebalance(*g, out);
      return;
    }
    case TimerKind::pending: {
      auto p = g->pending.find(t.member);
      if (p == g->pending.end() || p->second > now) return;
      g->pending.erase(p);
      try_complete_join(*g, out);
      return;
    }
    case TimerKind::session: {
      auto it = g->members.find(t.member);
      if (it == g->members.end()) return;
      Member& m = it->second;
      if (t.epoch != m.timer_epoch) return;
      // Members awaiting a join or sync response are bounded by the rebalance instead.
      if (m.awaiting()) m.deadline = std::max(m.deadline, now + m.session_timeout);
      if (m.deadline > now) {
        m.queued_at = m.deadline;
        push_timer({m.deadline, TimerKind::session, g->id, m.id, m.timer_epoch});
        return;
      }
      m.timer_queued = false;
      const std::string id = m.id;
      remove_member(*g, id, ErrorCode::unknown_member_id, out);
      return;
    }
  }
}

// --- sync, heartbeat, leave -----------------------------------------------------------------

void GroupCoordinator::sync_group(SyncRequest req, SyncCallback done) {
  Deferred out;
  auto respond = [&](SyncResponse r) {
    out.push_back([cb = std::move(done), r = std::move(r)]() mutable { cb(std::move(r)); });
  };
  {
    std::lock_guard lock(mu_);
    Group* g = nullptr;
    ErrorCode e = ErrorCode::none;
    if (stopping_) {
      e = ErrorCode::coordinator_not_available;
    } else if (req.group_id.empty()) {
      e = ErrorCode::invalid_group_id;
    } else if ((g = find_group(req.group_id)) == nullptr) {
      e = ErrorCode::unknown_member_id;
    } else if (g->state == GroupState::dead) {
      e = ErrorCode::coordinator_not_available;
    } else if ((e = validate_member(*g, req.member_id, req.group_instance_id)) != ErrorCode::none) {
    } else if (req.generation_id != g->generation) {
      e = ErrorCode::illegal_generation;
    } else if ((req.protocol_type && *req.protocol_type != g->protocol_type) ||
               (req.protocol_name &&
                (!g->protocol_name || *req.protocol_name != *g->protocol_name))) {
      e = ErrorCode::inconsistent_group_protocol;
    } else if (g->state == GroupState::empty) {
      e = ErrorCode::unknown_member_id;
    } else if (g->state == GroupState::preparing_rebalance) {
      e = ErrorCode::rebalance_in_progress;
    }
    if (e != ErrorCode::none) {
      respond(sync_error(e));
    } else if (g->state == GroupState::stable) {
      Member& m = g->members.at(req.member_id);
      g->pending_sync.erase(m.id);
      arm_session(*g, m);
      respond({ErrorCode::none, g->protocol_type, g->protocol_name.value_or(""), m.assignment});
    } else {  // CompletingRebalance
      Member& m = g->members.at(req.member_id);
      if (m.sync_cb) complete_sync_cb(m, sync_error(ErrorCode::rebalance_in_progress), out);
      m.sync_cb = std::move(done);
      g->pending_sync.erase(m.id);
      arm_session(*g, m);
      if (m.id == g->leader_id) {
        std::map<std::string, std::string> given;
        for (auto& a : req.assignments) given[a.member_id] = std::move(a.assignment);
        // Members the leader left out get empty bytes (as Kafka); see sync_group's comment.
        for (auto& [id, member] : g->members) {
          auto it = given.find(id);
          member.assignment = it == given.end() ? std::string() : std::move(it->second);
        }
        g->state = GroupState::stable;
        for (auto& [id, member] : g->members) {
          if (!member.sync_cb) continue;
          complete_sync_cb(
              member,
              {ErrorCode::none, g->protocol_type, g->protocol_name.value_or(""), member.assignment},
              out);
          arm_session(*g, member);
        }
      }
    }
  }
  run(out);
}

ErrorCode GroupCoordinator::heartbeat(const HeartbeatRequest& req) {
  std::lock_guard lock(mu_);
  if (stopping_) return ErrorCode::coordinator_not_available;
  if (req.group_id.empty()) return ErrorCode::invalid_group_id;
  Group* g = find_group(req.group_id);
  if (g == nullptr) return ErrorCode::unknown_member_id;
  if (g->state == GroupState::dead) return ErrorCode::coordinator_not_available;
  if (ErrorCode e = validate_member(*g, req.member_id, req.group_instance_id); e != ErrorCode::none)
    return e;
  if (req.generation_id != g->generation) return ErrorCode::illegal_generation;
  arm_session(*g, g->members.at(req.member_id));
  switch (g->state) {
    case GroupState::preparing_rebalance:
      return ErrorCode::rebalance_in_progress;
    case GroupState::completing_rebalance:
    case GroupState::stable:
      return ErrorCode::none;
    case GroupState::empty:
    case GroupState::dead:
      break;
  }
  return ErrorCode::unknown_member_id;
}

LeaveResult GroupCoordinator::leave_group(const std::string& group_id,
                                          const std::vector<LeavingMember>& members) {
  LeaveResult result;
  Deferred out;
  {
    std::lock_guard lock(mu_);
    Group* g = nullptr;
    if (stopping_) {
      result.error = ErrorCode::coordinator_not_available;
    } else if (group_id.empty()) {
      result.error = ErrorCode::invalid_group_id;
    } else if ((g = find_group(group_id)) == nullptr) {
      for (const auto& lm : members)
        result.members.push_back(
            {lm.member_id, lm.group_instance_id, ErrorCode::unknown_member_id});
    } else if (g->state == GroupState::dead) {
      result.error = ErrorCode::coordinator_not_available;
    } else {
      for (const auto& lm : members) {
        ErrorCode e = ErrorCode::none;
        if (lm.member_id.empty()) {
          // Administrative removal by instance id.
          auto s = lm.group_instance_id ? g->static_members.find(*lm.group_instance_id)
                                        : g->static_members.end();
          if (s == g->static_members.end()) {
            e = ErrorCode::unknown_member_id;
          } else {
            const std::string id = s->second;
            remove_member(*g, id, ErrorCode::unknown_member_id, out);
          }
        } else if (g->pending.erase(lm.member_id)) {
          try_complete_join(*g, out);
        } else if ((e = validate_member(*g, lm.member_id, lm.group_instance_id)) ==
                   ErrorCode::none) {
          remove_member(*g, lm.member_id, ErrorCode::unknown_member_id, out);
        }
        result.members.push_back({lm.member_id, lm.group_instance_id, e});
      }
    }
  }
  run(out);
  return result;
}

}  // namespace kafka_do::coordinator
