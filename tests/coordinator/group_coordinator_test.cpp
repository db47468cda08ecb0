#include "coordinator/group_coordinator.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "coordinator_support.hpp"

namespace kafka_do::coordinator {
namespace {

using namespace testing;

class GroupCoordinatorTest : public ::testing::Test {
 protected:
  GroupCoordinatorTest() : engine_(Backend::memory) {}
  void SetUp() override { start(); }

  void start(GroupOptions options = {}) {
    coordinator_.reset();
    auto c = GroupCoordinator::open(engine_.logs(), std::move(options));
    ASSERT_TRUE(c) << c.error().to_string();
    coordinator_ = std::move(*c);
  }
  GroupCoordinator& c() { return *coordinator_; }

  // A group of `n` members (joined one after the other, each rejoin driven by hand), Stable,
  // with the leader's assignment "to-<member id>". Returns the member ids, leader first.
  std::vector<std::string> stable_group(const std::string& group, size_t n,
                                        std::chrono::milliseconds session = 10s,
                                        std::chrono::milliseconds rebalance = 10s) {
    std::vector<std::string> ids;
    for (size_t i = 0; i < n; ++i) {
      // The newcomer starts a rebalance; everyone already in must rejoin for it to complete.
      std::vector<std::unique_ptr<JoinSlot>> slots;
      for (size_t k = 0; k <= i; ++k) slots.push_back(std::make_unique<JoinSlot>());
      c().join_group(join_request(group, "", protocols({"range"}), session, rebalance),
                     slots[i]->callback());
      for (size_t j = 0; j < i; ++j) {
        c().join_group(join_request(group, ids[j], protocols({"range"}), session, rebalance),
                       slots[j]->callback());
      }
      std::vector<JoinResponse> responses;
      for (auto& s : slots) {
        auto r = s->wait();
        EXPECT_TRUE(r);
        if (!r) return {};
        EXPECT_EQ(r->error, ErrorCode::none);
        responses.push_back(*r);
      }
      ids.push_back(responses.back().member_id);
      sync_all(group, responses);
    }
    return ids;
  }

  // Syncs every member of one generation (the leader with "to-<id>" for everyone).
  void sync_all(const std::string& group, const std::vector<JoinResponse>& responses) {
    std::vector<std::unique_ptr<SyncSlot>> slots;
    for (const auto& r : responses) {
      SyncRequest s;
      s.group_id = group;
      s.generation_id = r.generation_id;
      s.member_id = r.member_id;
      if (r.member_id == r.leader_id) {
        for (const auto& m : r.members) s.assignments.push_back({m.member_id, "to-" + m.member_id});
      }
      slots.push_back(std::make_unique<SyncSlot>());
      c().sync_group(std::move(s), slots.back()->callback());
    }
    for (size_t i = 0; i < slots.size(); ++i) {
      auto got = slots[i]->wait();
      ASSERT_TRUE(got);
      EXPECT_EQ(got->error, ErrorCode::none);
      EXPECT_EQ(got->assignment, "to-" + responses[i].member_id);
    }
  }

  int32_t generation(const std::string& group, const std::string& member) {
    // DescribeGroups does not carry the generation; probing with heartbeats finds it without
    // changing the group (only the right generation is not ILLEGAL_GENERATION).
    for (int32_t g = 0; g < 1000; ++g) {
      if (heartbeat(c(), group, member, g) != ErrorCode::illegal_generation) return g;
    }
    return -1;
  }

  Engine engine_;
  std::unique_ptr<GroupCoordinator> coordinator_;
};

TEST_F(GroupCoordinatorTest, SingleMemberJoinsSyncsAndIsStable) {
  auto joined = join_now(c(), join_request("g"));
  ASSERT_EQ(joined.error, ErrorCode::none);
  EXPECT_EQ(joined.generation_id, 1);
  EXPECT_EQ(joined.leader_id, joined.member_id);
  EXPECT_EQ(joined.protocol_type, "consumer");
  EXPECT_EQ(joined.protocol_name, "range");
  EXPECT_EQ(joined.member_id.rfind("client-", 0), 0u) << joined.member_id;
  ASSERT_EQ(joined.members.size(), 1u);
  EXPECT_EQ(joined.members[0].member_id, joined.member_id);
  EXPECT_EQ(joined.members[0].metadata, encode_subscription({"t"}));
  EXPECT_EQ(c().describe_group("g").state, "CompletingRebalance");
  EXPECT_EQ(heartbeat(c(), "g", joined.member_id, 1), ErrorCode::none);

  auto synced = sync_now(c(), "g", 1, joined.member_id, {{joined.member_id, "mine"}});
  EXPECT_EQ(synced.error, ErrorCode::none);
  EXPECT_EQ(synced.assignment, "mine");
  EXPECT_EQ(synced.protocol_name, "range");
  auto d = c().describe_group("g");
  EXPECT_EQ(d.state, "Stable");
  EXPECT_EQ(d.protocol, "range");
  ASSERT_EQ(d.members.size(), 1u);
  EXPECT_EQ(d.members[0].assignment, "mine");
  EXPECT_EQ(d.members[0].client_host, "/127.0.0.1");
  EXPECT_EQ(heartbeat(c(), "g", joined.member_id, 1), ErrorCode::none);
  // A follower-style rejoin of the only (leader) member rebalances: generation 2.
  auto again = join_now(c(), join_request("g", joined.member_id));
  EXPECT_EQ(again.generation_id, 2);
}

TEST_F(GroupCoordinatorTest, ValidatesJoinRequests) {
  EXPECT_EQ(join_now(c(), join_request("")).error, ErrorCode::invalid_group_id);
  EXPECT_EQ(join_now(c(), join_request("g", "", protocols({"range"}), 50ms)).error,
            ErrorCode::invalid_session_timeout);
  EXPECT_EQ(join_now(c(), join_request("g", "", protocols({"range"}), 31min)).error,
            ErrorCode::invalid_session_timeout);
  EXPECT_EQ(join_now(c(), join_request("g", "", {})).error, ErrorCode::inconsistent_group_protocol);
  EXPECT_EQ(join_now(c(), join_request("nope", "ghost")).error, ErrorCode::unknown_member_id);
}

// A consumer's main loop: join (handling MEMBER_ID_REQUIRED), sync (as leader: assign
// "to-<id>"), then heartbeat until told to rejoin. Reports each completed generation.
class LoopingMember {
 public:
  struct Report {
    int32_t generation = -1;
    std::string member_id;
    std::string assignment;
    bool leader = false;
    std::vector<JoinedMember> members;  // as the leader saw them
  };

  LoopingMember(GroupCoordinator& c, std::string group, std::string protocol, std::mutex& mu,
                std::condition_variable& cv, std::vector<Report>& reports)
      : c_(c),
        group_(std::move(group)),
        protocol_(std::move(protocol)),
        mu_(mu),
        cv_(cv),
        reports_(reports) {
    thread_ = std::thread([this] { loop(); });
  }
  ~LoopingMember() {
    stop_ = true;
    thread_.join();
  }

 private:
  void loop() {
    std::string member_id;
    while (!stop_) {
      auto req = join_request(group_, member_id, protocols({protocol_}), 5s, 5s);
      req.require_known_member_id = true;
      JoinSlot js;
      c_.join_group(std::move(req), js.callback());
      auto joined = js.wait();
      if (!joined) return;
      if (joined->error == ErrorCode::member_id_required) {
        member_id = joined->member_id;
        continue;
      }
      if (joined->error == ErrorCode::unknown_member_id) member_id.clear();
      if (joined->error != ErrorCode::none) continue;
      member_id = joined->member_id;
      SyncRequest s;
      s.group_id = group_;
      s.generation_id = joined->generation_id;
      s.member_id = member_id;
      if (joined->leader_id == member_id) {
        for (const auto& m : joined->members)
          s.assignments.push_back({m.member_id, "to-" + m.member_id});
      }
      SyncSlot ss;
      c_.sync_group(std::move(s), ss.callback());
      auto synced = ss.wait();
      if (!synced) return;
      if (synced->error != ErrorCode::none) continue;
      {
        std::lock_guard lock(mu_);
        reports_.push_back({joined->generation_id, member_id, synced->assignment,
                            joined->leader_id == member_id, joined->members});
      }
      cv_.notify_all();
      // The client's heartbeat interval; stop_ is checked every round.
      while (!stop_ && heartbeat(c_, group_, member_id, joined->generation_id) == ErrorCode::none) {
        std::this_thread::sleep_for(5ms);
      }
    }
  }

  GroupCoordinator& c_;
  const std::string group_;
  const std::string protocol_;
  std::mutex& mu_;
  std::condition_variable& cv_;
  std::vector<Report>& reports_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST_F(GroupCoordinatorTest, ThreeConcurrentMembersConvergeOnOneGeneration) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<LoopingMember::Report> reports;
  // The last generation in which every one of the three members has completed its sync.
  auto converged = [&]() -> std::optional<int32_t> {
    std::map<int32_t, std::set<std::string>> synced;
    for (const auto& r : reports) synced[r.generation].insert(r.member_id);
    for (auto it = synced.rbegin(); it != synced.rend(); ++it) {
      if (it->second.size() == 3) return it->first;
    }
    return std::nullopt;
  };
  {
    std::vector<std::unique_ptr<LoopingMember>> members;
    for (int i = 0; i < 3; ++i)
      members.push_back(std::make_unique<LoopingMember>(c(), "g", "range", mu, cv, reports));
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, kWait, [&] { return converged().has_value(); }));
    const int32_t gen = *converged();
    std::vector<LoopingMember::Report> last;
    for (const auto& r : reports) {
      if (r.generation == gen) last.push_back(r);
    }
    ASSERT_EQ(last.size(), 3u);
    std::set<std::string> ids;
    for (const auto& r : last) ids.insert(r.member_id);
    int leaders = 0;
    for (const auto& r : last) {
      EXPECT_EQ(r.assignment, "to-" + r.member_id);
      if (!r.leader) {
        EXPECT_TRUE(r.members.empty());
        continue;
      }
      ++leaders;
      std::set<std::string> seen;
      for (const auto& m : r.members) {
        seen.insert(m.member_id);
        EXPECT_EQ(m.metadata, encode_subscription({"t"}));
      }
      EXPECT_EQ(seen, ids);
    }
    EXPECT_EQ(leaders, 1);
    lock.unlock();
    members.clear();  // stops the loops
  }
}

TEST_F(GroupCoordinatorTest, FourthMemberRebalancesTheGroup) {
  auto ids = stable_group("g", 3);
  ASSERT_EQ(ids.size(), 3u);
  const int32_t gen = generation("g", ids[0]);
  JoinSlot fourth;
  c().join_group(join_request("g"), fourth.callback());
  EXPECT_FALSE(fourth.ready());
  EXPECT_EQ(c().describe_group("g").state, "PreparingRebalance");
  std::vector<std::unique_ptr<JoinSlot>> rejoins;
  for (size_t i = 0; i < ids.size(); ++i) {
    // Everyone who has not rejoined yet is told so by its heartbeat.
    for (size_t j = i; j < ids.size(); ++j)
      EXPECT_EQ(heartbeat(c(), "g", ids[j], gen), ErrorCode::rebalance_in_progress);
    EXPECT_FALSE(fourth.ready());
    rejoins.push_back(std::make_unique<JoinSlot>());
    c().join_group(join_request("g", ids[i]), rejoins.back()->callback());
  }
  auto f = fourth.wait();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->error, ErrorCode::none);
  EXPECT_EQ(f->generation_id, gen + 1);
  std::vector<JoinResponse> responses;
  for (auto& s : rejoins) responses.push_back(*s->wait());
  responses.push_back(*f);
  size_t leaders = 0;
  for (const auto& r : responses) {
    EXPECT_EQ(r.generation_id, gen + 1);
    EXPECT_EQ(r.leader_id, ids[0]);  // the leader keeps its role
    if (r.member_id == r.leader_id) {
      ++leaders;
      EXPECT_EQ(r.members.size(), 4u);
    } else {
      EXPECT_TRUE(r.members.empty());
    }
  }
  EXPECT_EQ(leaders, 1u);
  sync_all("g", responses);
  EXPECT_EQ(c().describe_group("g").state, "Stable");
  for (const auto& r : responses)
    EXPECT_EQ(heartbeat(c(), "g", r.member_id, gen + 1), ErrorCode::none);
}

TEST_F(GroupCoordinatorTest, FollowersWaitForTheLeadersAssignment) {
  auto a = join_now(c(), join_request("g"));
  sync_now(c(), "g", a.generation_id, a.member_id, {{a.member_id, "x"}});
  JoinSlot b;
  c().join_group(join_request("g"), b.callback());
  JoinSlot a2;
  c().join_group(join_request("g", a.member_id), a2.callback());
  auto leader = *a2.wait();
  auto follower = *b.wait();
  ASSERT_EQ(leader.leader_id, a.member_id);
  SyncSlot follower_sync;
  c().sync_group({"g", follower.generation_id, follower.member_id, {}, {}, {}, {}},
                 follower_sync.callback());
  EXPECT_FALSE(follower_sync.ready());
  // The leader leaves the follower out: it gets empty bytes.
  auto own =
      sync_now(c(), "g", leader.generation_id, leader.member_id, {{leader.member_id, "all"}});
  EXPECT_EQ(own.assignment, "all");
  auto f = follower_sync.wait();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->error, ErrorCode::none);
  EXPECT_EQ(f->assignment, "");
  EXPECT_EQ(follower_sync.calls(), 1);
}

TEST_F(GroupCoordinatorTest, LeaveRebalancesTheRest) {
  auto ids = stable_group("g", 2);
  const int32_t gen = generation("g", ids[0]);
  auto left = c().leave_group("g", {{ids[0], std::nullopt}, {"ghost", std::nullopt}});
  EXPECT_EQ(left.error, ErrorCode::none);
  ASSERT_EQ(left.members.size(), 2u);
  EXPECT_EQ(left.members[0].error, ErrorCode::none);
  EXPECT_EQ(left.members[1].error, ErrorCode::unknown_member_id);
  EXPECT_EQ(heartbeat(c(), "g", ids[0], gen), ErrorCode::unknown_member_id);
  EXPECT_EQ(heartbeat(c(), "g", ids[1], gen), ErrorCode::rebalance_in_progress);
  auto r = join_now(c(), join_request("g", ids[1]));
  EXPECT_EQ(r.generation_id, gen + 1);
  EXPECT_EQ(r.leader_id, ids[1]);  // the departed leader's role passed on
  ASSERT_EQ(r.members.size(), 1u);
  // Last one out: the group goes Empty.
  sync_now(c(), "g", r.generation_id, ids[1]);
  c().leave_group("g", {{ids[1], std::nullopt}});
  EXPECT_EQ(c().describe_group("g").state, "Empty");
  EXPECT_EQ(c().leave_group("nope", {{"x", std::nullopt}}).members[0].error,
            ErrorCode::unknown_member_id);
}

TEST_F(GroupCoordinatorTest, PendingJoinOfARemovedMemberCompletesWithAnError) {
  auto ids = stable_group("g", 2);
  JoinSlot pending;
  c().join_group(join_request("g", ids[0]), pending.callback());  // waits for ids[1]
  EXPECT_FALSE(pending.ready());
  c().leave_group("g", {{ids[0], std::nullopt}});
  auto r = pending.wait();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, ErrorCode::unknown_member_id);
  EXPECT_EQ(pending.calls(), 1);
}

TEST_F(GroupCoordinatorTest, SessionExpiryRemovesTheSilentMember) {
  auto ids = stable_group("g", 2, 300ms, 5s);
  const int32_t gen = generation("g", ids[0]);
  // ids[0] keeps heartbeating (as its client would, every 20 ms); ids[1] stays silent.
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  ErrorCode e = ErrorCode::none;
  while (e == ErrorCode::none && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
    e = heartbeat(c(), "g", ids[0], gen);
  }
  ASSERT_EQ(e, ErrorCode::rebalance_in_progress);
  EXPECT_EQ(heartbeat(c(), "g", ids[1], gen), ErrorCode::unknown_member_id);
  auto r = join_now(c(), join_request("g", ids[0], protocols({"range"}), 300ms, 5s));
  EXPECT_EQ(r.generation_id, gen + 1);
  ASSERT_EQ(r.members.size(), 1u);
  EXPECT_EQ(r.members[0].member_id, ids[0]);
}

TEST_F(GroupCoordinatorTest, RebalanceTimeoutDropsMembersThatDoNotRejoin) {
  auto ids = stable_group("g", 2, 10s, 300ms);
  JoinSlot newcomer;
  c().join_group(join_request("g", "", protocols({"range"}), 10s, 300ms), newcomer.callback());
  JoinSlot rejoined;
  c().join_group(join_request("g", ids[0], protocols({"range"}), 10s, 300ms), rejoined.callback());
  // ids[1] never rejoins: after the rebalance timeout the others go on without it.
  auto r = rejoined.wait();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, ErrorCode::none);
  EXPECT_EQ(r->members.size(), 2u);
  EXPECT_EQ(newcomer.wait()->error, ErrorCode::none);
  EXPECT_EQ(heartbeat(c(), "g", ids[1], r->generation_id), ErrorCode::unknown_member_id);
}

TEST_F(GroupCoordinatorTest, MembersThatNeverSyncAreRemoved) {
  auto a = join_now(c(), join_request("g", "", protocols({"range"}), 10s, 300ms));
  ASSERT_EQ(a.error, ErrorCode::none);
  // The leader never sends SyncGroup: after the rebalance timeout it is gone.
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (c().describe_group("g").state != "Empty" && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(c().describe_group("g").state, "Empty");
  EXPECT_EQ(heartbeat(c(), "g", a.member_id, a.generation_id), ErrorCode::unknown_member_id);
}

TEST_F(GroupCoordinatorTest, MemberIdRequiredFlow) {
  auto req = join_request("g");
  req.require_known_member_id = true;
  auto first = join_now(c(), req);
  ASSERT_EQ(first.error, ErrorCode::member_id_required);
  EXPECT_FALSE(first.member_id.empty());
  EXPECT_EQ(first.generation_id, -1);
  EXPECT_EQ(c().describe_group("g").state, "Empty");
  req.member_id = first.member_id;
  auto second = join_now(c(), req);
  EXPECT_EQ(second.error, ErrorCode::none);
  EXPECT_EQ(second.member_id, first.member_id);
  EXPECT_EQ(second.generation_id, 1);
}

TEST_F(GroupCoordinatorTest, PendingMemberHoldsTheRebalanceUntilItsSessionExpires) {
  auto a = join_now(c(), join_request("g"));
  sync_now(c(), "g", a.generation_id, a.member_id);
  auto req = join_request("g", "", protocols({"range"}), 300ms);
  req.require_known_member_id = true;
  auto pending = join_now(c(), req);
  ASSERT_EQ(pending.error, ErrorCode::member_id_required);
  // A new member (not pending) starts a rebalance; the pending one never comes back.
  JoinSlot b;
  c().join_group(join_request("g"), b.callback());
  JoinSlot a2;
  c().join_group(join_request("g", a.member_id), a2.callback());
  EXPECT_FALSE(a2.ready());  // held up by the pending member...
  auto r = a2.wait();        // ...until its session (300 ms) expires
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, ErrorCode::none);
  EXPECT_EQ(r->members.size(), 2u);
}

TEST_F(GroupCoordinatorTest, StaticMemberRejoinReplacesTheOldIdWithoutRebalance) {
  auto req = join_request("g");
  req.group_instance_id = "i1";
  auto first = join_now(c(), req);
  ASSERT_EQ(first.error, ErrorCode::none);
  EXPECT_EQ(first.member_id.rfind("i1-", 0), 0u) << first.member_id;
  sync_now(c(), "g", first.generation_id, first.member_id, {{first.member_id, "x"}});
  // The same instance restarts: new member id, same generation, no rebalance.
  auto second = join_now(c(), req);
  ASSERT_EQ(second.error, ErrorCode::none);
  EXPECT_NE(second.member_id, first.member_id);
  EXPECT_EQ(second.generation_id, first.generation_id);
  EXPECT_TRUE(second.members.empty());
  EXPECT_EQ(second.leader_id, first.member_id);  // pre-v9 client: it must not assign
  EXPECT_EQ(c().describe_group("g").state, "Stable");
  EXPECT_EQ(heartbeat(c(), "g", first.member_id, first.generation_id, "i1"),
            ErrorCode::fenced_instance_id);
  EXPECT_EQ(heartbeat(c(), "g", second.member_id, second.generation_id, "i1"), ErrorCode::none);
  SyncRequest s{"g", second.generation_id, second.member_id, "i1", {}, {}, {}};
  SyncSlot synced;
  c().sync_group(s, synced.callback());
  EXPECT_EQ(synced.wait()->assignment, "x");
  // A v9 client that is the leader gets the members but is told to skip the assignment.
  req.supports_skip_assignment = true;
  auto third = join_now(c(), req);
  EXPECT_EQ(third.generation_id, first.generation_id);
  EXPECT_TRUE(third.skip_assignment);
  EXPECT_EQ(third.leader_id, third.member_id);
  EXPECT_EQ(third.members.size(), 1u);
  // Protocols that change the group's choice do rebalance.
  req.protocols = protocols({"roundrobin", "range"});
  auto fourth = join_now(c(), req);
  EXPECT_EQ(fourth.generation_id, first.generation_id + 1);
  EXPECT_EQ(fourth.protocol_name, "roundrobin");
}

TEST_F(GroupCoordinatorTest, StaticReplacementFencesThePendingJoinOfTheOldInstance) {
  auto other = stable_group("g", 1);
  auto req = join_request("g");
  req.group_instance_id = "i1";
  JoinSlot first;
  c().join_group(req, first.callback());  // waits for `other` to rejoin
  ASSERT_FALSE(first.ready());
  JoinSlot second;
  c().join_group(req, second.callback());
  auto fenced = first.wait();
  ASSERT_TRUE(fenced);
  EXPECT_EQ(fenced->error, ErrorCode::fenced_instance_id);
  JoinSlot other_rejoin;
  c().join_group(join_request("g", other[0]), other_rejoin.callback());
  auto r = second.wait();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, ErrorCode::none);
  EXPECT_EQ(other_rejoin.wait()->members.size(), 2u);
  EXPECT_EQ(first.calls(), 1);
  // Administrative removal by instance id.
  auto left = c().leave_group("g", {{"", "i1"}});
  EXPECT_EQ(left.members[0].error, ErrorCode::none);
  EXPECT_EQ(c().leave_group("g", {{"", "i1"}}).members[0].error, ErrorCode::unknown_member_id);
}

TEST_F(GroupCoordinatorTest, SelectsAProtocolEveryMemberSupports) {
  // a prefers range, b and c prefer roundrobin, c lacks sticky: roundrobin (2 votes to 1).
  JoinSlot a, b, cc;
  c().join_group(join_request("g", "", protocols({"range", "roundrobin", "sticky"})), a.callback());
  auto ra = *a.wait();
  c().join_group(join_request("g", "", protocols({"roundrobin", "range", "sticky"})), b.callback());
  c().join_group(join_request("g", "", protocols({"roundrobin", "range"})), cc.callback());
  JoinSlot a2;
  c().join_group(join_request("g", ra.member_id, protocols({"range", "roundrobin", "sticky"})),
                 a2.callback());
  auto r = a2.wait();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->protocol_name, "roundrobin");
  EXPECT_EQ(cc.wait()->protocol_name, "roundrobin");
  // Nothing in common, or another protocol type: refused.
  EXPECT_EQ(join_now(c(), join_request("g", "", protocols({"cooperative-sticky"}))).error,
            ErrorCode::inconsistent_group_protocol);
  auto other_type = join_request("g");
  other_type.protocol_type = "connect";
  EXPECT_EQ(join_now(c(), other_type).error, ErrorCode::inconsistent_group_protocol);
}

TEST_F(GroupCoordinatorTest, RejectsStaleGenerationsAndUnknownMembers) {
  auto ids = stable_group("g", 1);
  const int32_t gen = generation("g", ids[0]);
  EXPECT_EQ(heartbeat(c(), "g", ids[0], gen + 1), ErrorCode::illegal_generation);
  EXPECT_EQ(heartbeat(c(), "g", "ghost", gen), ErrorCode::unknown_member_id);
  EXPECT_EQ(heartbeat(c(), "nope", ids[0], gen), ErrorCode::unknown_member_id);
  EXPECT_EQ(heartbeat(c(), "", ids[0], gen), ErrorCode::invalid_group_id);
  EXPECT_EQ(sync_now(c(), "g", gen - 1, ids[0]).error, ErrorCode::illegal_generation);
  EXPECT_EQ(sync_now(c(), "g", gen, "ghost").error, ErrorCode::unknown_member_id);
  EXPECT_EQ(sync_now(c(), "nope", gen, ids[0]).error, ErrorCode::unknown_member_id);
  SyncRequest wrong_protocol{"g", gen, ids[0], {}, "consumer", "roundrobin", {}};
  SyncSlot s;
  c().sync_group(wrong_protocol, s.callback());
  EXPECT_EQ(s.wait()->error, ErrorCode::inconsistent_group_protocol);
  // A sync during PreparingRebalance must rejoin first.
  JoinSlot newcomer;
  c().join_group(join_request("g"), newcomer.callback());
  EXPECT_EQ(sync_now(c(), "g", gen, ids[0]).error, ErrorCode::rebalance_in_progress);
}

TEST_F(GroupCoordinatorTest, NewRebalanceAnswersWaitingFollowersWithRebalanceInProgress) {
  auto a = join_now(c(), join_request("g"));
  sync_now(c(), "g", a.generation_id, a.member_id);
  JoinSlot b;
  c().join_group(join_request("g"), b.callback());
  JoinSlot a2;
  c().join_group(join_request("g", a.member_id), a2.callback());
  auto follower = *b.wait();
  SyncSlot waiting;
  c().sync_group({"g", follower.generation_id, follower.member_id, {}, {}, {}, {}},
                 waiting.callback());
  ASSERT_FALSE(waiting.ready());
  // A third member arrives before the leader syncs.
  JoinSlot third;
  c().join_group(join_request("g"), third.callback());
  auto r = waiting.wait();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, ErrorCode::rebalance_in_progress);
  EXPECT_EQ(waiting.calls(), 1);
}

TEST_F(GroupCoordinatorTest, InitialRebalanceDelayGathersMembers) {
  GroupOptions options;
  options.initial_rebalance_delay = 200ms;
  start(options);
  JoinSlot a, b;
  const auto started = std::chrono::steady_clock::now();
  c().join_group(join_request("g"), a.callback());
  c().join_group(join_request("g"), b.callback());
  auto ra = a.wait();
  ASSERT_TRUE(ra);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 200ms);
  EXPECT_EQ(ra->generation_id, 1);
  EXPECT_EQ(b.wait()->generation_id, 1);
}

// A static member that restarts while the first rebalance is still held back by the initial
// delay: its old join is fenced at once, the new one is the only member of generation 1.
TEST_F(GroupCoordinatorTest, StaticMemberRestartDuringTheInitialDelayFencesTheOldJoin) {
  GroupOptions options;
  options.initial_rebalance_delay = 300ms;
  start(options);
  auto req = join_request("g");
  req.group_instance_id = "i1";
  JoinSlot before_restart, after_restart, dynamic;
  c().join_group(req, before_restart.callback());
  c().join_group(join_request("g"), dynamic.callback());
  c().join_group(req, after_restart.callback());
  auto fenced = before_restart.wait();
  ASSERT_TRUE(fenced);
  EXPECT_EQ(fenced->error, ErrorCode::fenced_instance_id);
  auto r = after_restart.wait();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, ErrorCode::none);
  EXPECT_EQ(r->generation_id, 1);
  auto d = dynamic.wait();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->generation_id, 1);
  const auto& leader = r->member_id == r->leader_id ? *r : *d;
  ASSERT_EQ(leader.members.size(), 2u);
  for (const auto& m : leader.members) {
    EXPECT_NE(m.member_id, fenced->member_id);
  }
  EXPECT_EQ(before_restart.calls(), 1);
  EXPECT_EQ(after_restart.calls(), 1);
}

// A join waiting out the initial delay is not a member whose session runs: a session timeout
// shorter than the delay must not expire it before the first generation forms.
TEST_F(GroupCoordinatorTest, AJoinWaitingOutTheInitialDelayOutlivesAShorterSession) {
  GroupOptions options;
  options.initial_rebalance_delay = 600ms;
  start(options);
  auto req = join_request("g", "", protocols({"range"}), /*session=*/150ms, /*rebalance=*/10s);
  req.group_instance_id = "i1";
  JoinSlot slot;
  c().join_group(req, slot.callback());
  auto r = slot.wait();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, ErrorCode::none);
  EXPECT_EQ(r->generation_id, 1);
  ASSERT_EQ(r->members.size(), 1u);
  EXPECT_EQ(r->members[0].member_id, r->member_id);
  sync_now(c(), "g", r->generation_id, r->member_id, {{r->member_id, "x"}});
  EXPECT_EQ(c().describe_group("g").state, "Stable");
  EXPECT_EQ(heartbeat(c(), "g", r->member_id, r->generation_id, "i1"), ErrorCode::none);
}

TEST_F(GroupCoordinatorTest, MaxGroupSizeIsEnforced) {
  GroupOptions options;
  options.max_group_size = 1;
  start(options);
  auto ids = stable_group("g", 1);
  EXPECT_EQ(join_now(c(), join_request("g")).error, ErrorCode::group_max_size_reached);
  EXPECT_EQ(c().describe_group("g").state, "Stable");
}

TEST_F(GroupCoordinatorTest, DestructionCompletesPendingCallbacks) {
  auto ids = stable_group("g", 1);
  JoinSlot waiting_join;
  c().join_group(join_request("g"), waiting_join.callback());
  auto a = join_request("h");
  auto ra = join_now(c(), a);
  JoinSlot b;
  c().join_group(join_request("h"), b.callback());
  JoinSlot a2;
  c().join_group(join_request("h", ra.member_id), a2.callback());
  auto follower = *b.wait();
  SyncSlot waiting_sync;
  c().sync_group({"h", follower.generation_id, follower.member_id, {}, {}, {}, {}},
                 waiting_sync.callback());
  ASSERT_FALSE(waiting_join.ready());
  ASSERT_FALSE(waiting_sync.ready());
  coordinator_.reset();
  ASSERT_TRUE(waiting_join.ready());
  ASSERT_TRUE(waiting_sync.ready());
  EXPECT_EQ(waiting_join.wait()->error, ErrorCode::coordinator_not_available);
  EXPECT_EQ(waiting_sync.wait()->error, ErrorCode::coordinator_not_available);
  EXPECT_EQ(waiting_join.calls(), 1);
  EXPECT_EQ(waiting_sync.calls(), 1);
}

TEST_F(GroupCoordinatorTest, CallbacksMayCallBackIntoTheCoordinator) {
  // A join callback that immediately syncs (as the SDK's consumer does) must not deadlock.
  SyncSlot synced;
  c().join_group(join_request("g"), [&](JoinResponse r) {
    c().sync_group({"g", r.generation_id, r.member_id, {}, {}, {}, {{r.member_id, "a"}}},
                   synced.callback());
  });
  auto s = synced.wait();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->assignment, "a");
}

}  // namespace
}  // namespace kafka_do::coordinator
