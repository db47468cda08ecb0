// The RocksDB state store against the in-memory one: the same random operations give the same
// rows, changes and schedule, whatever is cached; what persist() wrote (and only that) is there
// after a reopen, with its checkpoint; a directory that is not a store is wiped, not trusted;
// memory stays bounded by the row cache.
#include "streams/rocksdb_store.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <random>

#include "support/temp_dir.hpp"

namespace kafka::detail {
namespace {

using Rows = std::map<std::string, Json>;

Rows rows_of(const StateStore& store) {
  Rows rows;
  store.for_each([&](const std::string& row, const Json& value) {
    EXPECT_TRUE(rows.emplace(row, value).second) << "row listed twice: " << row;
  });
  return rows;
}

std::map<std::string, std::optional<Json>> changes_of(StateStore& store) {
  std::map<std::string, std::optional<Json>> out;
  for (auto& [row, value] : store.take_changes()) out.emplace(row, value);
  return out;
}

class RocksDbStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<RocksDbStore> open(size_t cached_rows = 100'000) {
    return std::make_unique<RocksDbStore>("counts", dir_ / "counts", shared_, cached_rows);
  }
  kafka_do::testing::TempDir dir_;
  std::shared_ptr<RocksDbShared> shared_ = rocksdb_shared(8 << 20);
};

// Random puts, updates, erases, schedules, takes and commits on both stores; every answer equal.
TEST_F(RocksDbStoreTest, RandomOperationsGiveTheAnswersOfTheMemoryStore) {
  for (const size_t cached : {size_t{1}, size_t{50}, size_t{100'000}}) {
    SCOPED_TRACE("cached rows " + std::to_string(cached));
    kafka_do::testing::TempDir dir;
    MemoryStore memory("counts");
    auto rocks = std::make_unique<RocksDbStore>("counts", dir / "counts", shared_, cached);
    std::mt19937 rng(static_cast<unsigned>(cached));
    int64_t now = 0;
    int64_t offset = 0;
    for (int step = 0; step < 20'000; ++step) {
      const std::string row = "k" + std::to_string(rng() % 300);
      switch (rng() % 8) {
        case 0:
        case 1: {
          const Json value = {{"n", static_cast<int>(rng() % 1000)},
                              {"s", std::string(rng() % 40, 'x')}};
          memory.put(row, value);
          rocks->put(row, value);
          break;
        }
        case 2: {
          Json* a = memory.update(row);
          Json* b = rocks->update(row);
          ASSERT_EQ(a == nullptr, b == nullptr) << row;
          if (a) (*a)["n"] = (*b)["n"] = step;
          break;
        }
        case 3:
          memory.erase(row);
          rocks->erase(row);
          break;
        case 4: {
          std::optional<int64_t> due;
          if (rng() % 4) due = now + static_cast<int64_t>(rng() % 500) - 50;
          memory.set_due(row, due);
          rocks->set_due(row, due);
          break;
        }
        case 5: {
          now += static_cast<int64_t>(rng() % 40);
          const size_t limit = 1 + rng() % 20;
          ASSERT_EQ(memory.take_due(now, limit), rocks->take_due(now, limit)) << "step " << step;
          break;
        }
        case 6: {
          const Json* a = memory.get(row);
          const Json* b = rocks->get(row);
          ASSERT_EQ(a == nullptr, b == nullptr) << row;
          if (a) {
            ASSERT_EQ(*a, *b);
          }
          break;
        }
        case 7:
          if (rng() % 10 == 0) {  // a commit
            ASSERT_EQ(changes_of(memory), changes_of(*rocks)) << "step " << step;
            rocks->persist(++offset);
            EXPECT_LE(rocks->cached_rows(), std::max<size_t>(cached, 300));
          }
          if (rng() % 50 == 0) {  // a clean restart: the schedule and rows come back from disk
            ASSERT_EQ(changes_of(memory), changes_of(*rocks));
            rocks->persist(++offset);
            rocks.reset();
            rocks = std::make_unique<RocksDbStore>("counts", dir / "counts", shared_, cached);
            ASSERT_EQ(rocks->checkpoint(), offset);
          }
          break;
      }
    }
    EXPECT_EQ(rows_of(memory), rows_of(*rocks));
    EXPECT_EQ(memory.take_due(INT64_MAX, SIZE_MAX), rocks->take_due(INT64_MAX, SIZE_MAX));
  }
}

// What persist() wrote survives; what came after it (a crash before the next commit) does not,
// and the checkpoint says which changelog offset the rows reflect.
TEST_F(RocksDbStoreTest, AReopenedStoreHoldsWhatTheLastPersistWroteAndItsCheckpoint) {
  {
    auto store = open();
    EXPECT_EQ(store->checkpoint(), std::nullopt);
    for (int i = 0; i < 1000; ++i) store->put("k" + std::to_string(i), i);
    store->set_due("k7", 70);
    store->erase("k3");
    store->persist(1000);
    store->put("k1", -1);  // never persisted
    store->erase("k2");
    store->set_due("k8", 10);
  }
  auto store = open();
  EXPECT_EQ(store->checkpoint(), 1000);
  const Rows rows = rows_of(*store);
  EXPECT_EQ(rows.size(), 999u);
  EXPECT_EQ(rows.at("k1"), 1);
  EXPECT_EQ(rows.at("k2"), 2);
  EXPECT_FALSE(rows.contains("k3"));
  EXPECT_EQ(store->take_due(100, 10), std::vector<std::string>{"k7"});
  EXPECT_TRUE(store->take_changes().empty());  // what was read from disk is not a change
}

TEST_F(RocksDbStoreTest, WipeDropsEveryRowAndTheCheckpoint) {
  auto store = open();
  store->put("a", 1);
  store->set_due("a", 5);
  store->persist(7);
  store->wipe();
  EXPECT_EQ(store->checkpoint(), std::nullopt);
  EXPECT_TRUE(rows_of(*store).empty());
  EXPECT_TRUE(store->take_due(INT64_MAX, 10).empty());
  store.reset();
  EXPECT_EQ(open()->checkpoint(), std::nullopt);
}

// A directory RocksDB cannot open as a store is not trusted: it starts empty, without a
// checkpoint, so the run restores the whole changelog.
TEST_F(RocksDbStoreTest, ACorruptDirectoryStartsEmptyWithoutACheckpoint) {
  {
    auto store = open();
    store->put("a", 1);
    store->persist(3);
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir_ / "counts")) {
    const auto name = entry.path().filename().string();
    if (name.starts_with("MANIFEST") || name == "CURRENT") {
      std::ofstream(entry.path(), std::ios::trunc) << "not a manifest";
    }
  }
  auto store = open();
  EXPECT_EQ(store->checkpoint(), std::nullopt);
  EXPECT_TRUE(rows_of(*store).empty());
}

TEST_F(RocksDbStoreTest, AStoreOpenTwiceIsAClearConfigError) {
  auto store = open();
  try {
    auto second = open();
    FAIL() << "opened twice";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("in use by another process"), std::string::npos)
        << e.what();
  }
}

// Rows beyond the cache go to disk at each persist: 200,000 rows through a 1,000-row cache.
TEST_F(RocksDbStoreTest, RowsBeyondTheCacheAreReadBackFromDisk) {
  auto store = open(1000);
  for (int i = 0; i < 200'000; ++i) {
    store->put("k" + std::to_string(i), i);
    if (i % 5000 == 4999) {  // a commit: the changelog takes the changes, then persist
      EXPECT_EQ(store->take_changes().size(), 5000u);
      store->persist(i + 1);
      EXPECT_LE(store->cached_rows(), 1000u);
    }
  }
  store->persist(200'000);
  int64_t sum = 0;
  for (int i = 0; i < 200'000; i += 7) sum += store->get("k" + std::to_string(i))->get<int64_t>();
  int64_t expected = 0;
  for (int i = 0; i < 200'000; i += 7) expected += i;
  EXPECT_EQ(sum, expected);
  EXPECT_EQ(rows_of(*store).size(), 200'000u);
}

}  // namespace
}  // namespace kafka::detail
