// The C ABI end to end on the memory: backend: every handle kind, errors with their kinds and
// Kafka codes, the pull-style delivery reports, consumption's "consumed once moved past" rule,
// transactions' visibility, admin JSON, and misuse (NULL handles, closed objects).
#include <gtest/gtest.h>
#include <kafka_do/kafka_do.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace {

using nlohmann::json;

struct ErrorDeleter {
  void operator()(kd_error* e) const { kd_error_free(e); }
};
using ErrorPtr = std::unique_ptr<kd_error, ErrorDeleter>;

// Fails the test with the error's message when `e` is an error.
void ok(kd_error* e) {
  ErrorPtr owned(e);
  ASSERT_EQ(e, nullptr) << kd_error_message(e);
}

struct Client {
  kd_client* handle = nullptr;
  explicit Client(const char* options = nullptr, bool mock = true) {
    ok(mock ? kd_mock_client_new(options, &handle) : kd_client_new(options, &handle));
  }
  ~Client() { kd_client_free(handle); }
};

std::string value_of(const kd_record* r) {
  kd_record_fields f;
  kd_record_get(r, &f);
  return f.value ? std::string(f.value, f.value_len) : "<null>";
}

void produce(kd_client* c, const std::string& topic, const std::vector<std::string>& values) {
  kd_producer* p = nullptr;
  ok(kd_client_producer(c, topic.c_str(), nullptr, &p));
  for (const auto& v : values) ok(kd_producer_send(p, v.data(), v.size(), nullptr));
  ok(kd_producer_close(p));
  kd_producer_free(p);
}

kd_consumer* consumer(kd_client* c, const std::string& topic, const std::string& options) {
  const char* topics[] = {topic.c_str()};
  kd_consumer* out = nullptr;
  ok(kd_client_consumer(c, topics, 1, options.c_str(), &out));
  return out;
}

std::string next_value(kd_consumer* c, int timeout_ms = 5000) {
  kd_record* r = nullptr;
  ok(kd_consumer_next(c, timeout_ms, &r));
  if (!r) return "<none>";
  std::string v = value_of(r);
  kd_record_free(r);
  return v;
}

json take_json(char* text) {
  json j = json::parse(text);
  kd_string_free(text);
  return j;
}

int64_t committed(kd_client* c, const std::string& group) {
  char* text = nullptr;
  ok(kd_admin_describe_group(c, group.c_str(), &text));
  json g = take_json(text);
  return g["partitions"].empty() ? -1 : g["partitions"][0]["committed"].get<int64_t>();
}

TEST(CApiTest, RecordsRoundTripWithKeysHeadersAndNullValues) {
  Client c;
  kd_producer* p = nullptr;
  ok(kd_client_producer(c.handle, "orders", R"({"linger_ms": 1, "compression": "lz4"})", &p));
  kd_header headers[] = {{"trace", 5, "abc", 3}, {"empty", 5, nullptr, 0}};
  kd_send_options keyed{"customer-1", 10, headers, 2, -1, 1700000000123};
  ok(kd_producer_send(p, "{\"n\":1}", 7, &keyed));
  ok(kd_producer_send(p, nullptr, 0, &keyed));  // a tombstone
  ok(kd_producer_send(p, "", 0, nullptr));      // an empty value is not a null one
  ok(kd_producer_flush(p));
  kd_producer_free(p);

  kd_records* list = nullptr;
  ok(kd_mock_client_records(c.handle, "orders", &list));
  ASSERT_EQ(kd_records_count(list), 3u);
  kd_record_fields f;
  kd_record_get(kd_records_at(list, 0), &f);
  EXPECT_EQ(std::string(f.topic, f.topic_len), "orders");
  EXPECT_EQ(std::string(f.key, f.key_len), "customer-1");
  EXPECT_EQ(std::string(f.value, f.value_len), "{\"n\":1}");
  EXPECT_EQ(f.timestamp_ms, 1700000000123);
  ASSERT_EQ(f.header_count, 2u);
  kd_header h;
  kd_record_header(kd_records_at(list, 0), 1, &h);
  EXPECT_EQ(std::string(h.key, h.key_len), "empty");
  EXPECT_EQ(h.value, nullptr);
  kd_record_get(kd_records_at(list, 1), &f);
  EXPECT_EQ(f.value, nullptr);
  kd_record_get(kd_records_at(list, 2), &f);
  EXPECT_NE(f.value, nullptr);
  EXPECT_EQ(f.value_len, 0u);
  EXPECT_EQ(f.key, nullptr);
  // A record taken out of the list outlives it.
  kd_record* kept = kd_records_take(list, 0);
  kd_records_free(list);
  EXPECT_EQ(value_of(kept), "{\"n\":1}");
  kd_record_free(kept);
}

TEST(CApiTest, ErrorsCarryTheSdksClassKafkasCodeAndItsName) {
  kd_producer* p = nullptr;
  Client memory_strict(R"({"url": "memory:", "auto_create_topics": false})", false);
  ErrorPtr e(kd_client_producer(memory_strict.handle, "nope", nullptr, &p));
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(kd_error_kind_of(e.get()), KD_ERROR_TOPIC_NOT_FOUND);
  EXPECT_EQ(kd_error_code(e.get()), 3);
  EXPECT_STREQ(kd_error_code_name(e.get()), "UNKNOWN_TOPIC_OR_PARTITION");
  EXPECT_FALSE(kd_error_retriable(e.get()));
  EXPECT_EQ(p, nullptr);

  kd_client* bad = nullptr;
  e.reset(kd_client_new(R"({"url": "https://kafka.do"})", &bad));
  EXPECT_EQ(kd_error_kind_of(e.get()), KD_ERROR_CONFIG);
  EXPECT_NE(std::string(kd_error_message(e.get())).find("unknown scheme"), std::string::npos);
  e.reset(kd_client_new(R"({"timeout_ms": "30"})", &bad));
  EXPECT_NE(std::string(kd_error_message(e.get())).find("timeout_ms"), std::string::npos);
  e.reset(kd_client_new("not json", &bad));
  EXPECT_EQ(kd_error_kind_of(e.get()), KD_ERROR_CONFIG);
  EXPECT_EQ(bad, nullptr);

  // A record over max.message.bytes.
  Client c;
  ok(kd_admin_create_topic(c.handle, "small", R"({"config": {"max.message.bytes": "1000"}})"));
  ok(kd_client_producer(c.handle, "small", nullptr, &p));
  const std::string big(5000, 'x');
  e.reset(kd_producer_send(p, big.data(), big.size(), nullptr));
  if (!e) e.reset(kd_producer_flush(p));
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(kd_error_kind_of(e.get()), KD_ERROR_MESSAGE_TOO_LARGE);
  EXPECT_EQ(kd_error_code(e.get()), 10);
  kd_producer_free(p);
}

TEST(CApiTest, MisuseGivesErrorsNotCrashes) {
  kd_record* r = nullptr;
  ErrorPtr e(kd_consumer_next(nullptr, 0, &r));
  EXPECT_EQ(kd_error_kind_of(e.get()), KD_ERROR_CONFIG);
  e.reset(kd_producer_send(nullptr, "x", 1, nullptr));
  EXPECT_EQ(kd_error_kind_of(e.get()), KD_ERROR_CONFIG);
  kd_client_free(nullptr);
  kd_error_free(nullptr);

  Client c;
  kd_consumer* k = consumer(c.handle, "orders", R"({"group": "g"})");
  ok(kd_consumer_close(k));
  ok(kd_consumer_close(k));  // idempotent
  e.reset(kd_consumer_next(k, 0, &r));
  ASSERT_NE(e, nullptr);
  EXPECT_NE(std::string(kd_error_message(e.get())).find("closed"), std::string::npos);
  EXPECT_TRUE(kd_consumer_stopped(k));
  kd_consumer_free(k);

  kd_producer* p = nullptr;
  ok(kd_client_producer(c.handle, "orders", nullptr, &p));
  ok(kd_producer_close(p));
  e.reset(kd_producer_send(p, "1", 1, nullptr));
  EXPECT_NE(e, nullptr);
  kd_producer_free(p);

  kd_header nameless{nullptr, 0, "v", 1};
  kd_send_options options{nullptr, 0, &nameless, 1, -1, -1};
  ok(kd_client_producer(c.handle, "orders", nullptr, &p));
  e.reset(kd_producer_send(p, "1", 1, &options));
  EXPECT_EQ(kd_error_kind_of(e.get()), KD_ERROR_CONFIG);
  kd_producer_free(p);
}

TEST(CApiTest, DeliveryReportsArePulledWithTheirTags) {
  Client c;
  kd_async_producer* p = nullptr;
  ok(kd_client_async_producer(c.handle, "orders", R"({"linger_ms": 2})", &p));
  for (uint64_t tag = 1; tag <= 100; ++tag) {
    const std::string v = std::to_string(tag);
    ok(kd_async_producer_send(p, v.data(), v.size(), nullptr, tag));
  }
  ok(kd_async_producer_deliver(p));
  EXPECT_EQ(kd_async_producer_in_flight(p), 0u);
  std::vector<kd_delivery_report> reports(64);
  std::vector<uint64_t> tags;
  std::vector<int64_t> offsets;
  for (int round = 0; round < 4; ++round) {
    size_t n = 0;
    ok(kd_async_producer_poll_reports(p, 0, reports.data(), reports.size(), &n));
    for (size_t i = 0; i < n; ++i) {
      EXPECT_EQ(reports[i].error, nullptr);
      tags.push_back(reports[i].tag);
      offsets.push_back(reports[i].offset);
    }
  }
  ASSERT_EQ(tags.size(), 100u);
  for (size_t i = 0; i < 100; ++i) {
    EXPECT_EQ(tags[i], i + 1);
    EXPECT_EQ(offsets[i], int64_t(i));
  }
  // Nothing left: a bounded wait returns empty.
  size_t n = 1;
  ok(kd_async_producer_poll_reports(p, 10, reports.data(), reports.size(), &n));
  EXPECT_EQ(n, 0u);
  ok(kd_async_producer_close(p));
  kd_async_producer_free(p);
}

TEST(CApiTest, AsyncReportsCarryTheErrorOfAFailedRecord) {
  Client c;
  ok(kd_admin_create_topic(c.handle, "compacted", R"({"config": {"cleanup.policy": "compact"}})"));
  kd_async_producer* p = nullptr;
  ok(kd_client_async_producer(c.handle, "compacted", nullptr, &p));
  ok(kd_async_producer_send(p, "1", 1, nullptr, 7));  // no key: refused by a compacted topic
  kd_async_producer_deliver(p);
  kd_delivery_report report{};
  size_t n = 0;
  ok(kd_async_producer_poll_reports(p, 5000, &report, 1, &n));
  ASSERT_EQ(n, 1u);
  EXPECT_EQ(report.tag, 7u);
  ASSERT_NE(report.error, nullptr);
  EXPECT_EQ(kd_error_kind_of(report.error), KD_ERROR_INVALID_RECORD);
  EXPECT_EQ(report.offset, -1);
  kd_error_free(report.error);
  kd_async_producer_free(p);
}

TEST(CApiTest, ARecordCountsAsConsumedOnceTheNextIsAskedFor) {
  Client c;
  produce(c.handle, "orders", {"0", "1", "2"});
  kd_consumer* k = consumer(c.handle, "orders", R"({"group": "g", "auto_commit": false})");
  EXPECT_EQ(next_value(k), "0");
  ok(kd_consumer_commit(k));  // the position: nothing was moved past yet
  EXPECT_EQ(committed(c.handle, "g"), -1);
  EXPECT_EQ(next_value(k), "1");
  ok(kd_consumer_commit(k));
  EXPECT_EQ(committed(c.handle, "g"), 1);
  EXPECT_EQ(next_value(k), "2");
  EXPECT_EQ(next_value(k, 50), "<none>");  // caught up: a bounded wait, then nothing
  EXPECT_FALSE(kd_consumer_stopped(k));
  ok(kd_consumer_commit(k));
  EXPECT_EQ(committed(c.handle, "g"), 3);
  char* lag = nullptr;
  ok(kd_consumer_lag(k, &lag));
  EXPECT_EQ(take_json(lag), json::parse(R"([{"topic":"orders","partition":0,"lag":0}])"));

  // Stop from another thread ends a long wait early.
  std::thread stopper([k] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    kd_consumer_stop(k);
  });
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(next_value(k, 20000), "<none>");
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_TRUE(kd_consumer_stopped(k));
  kd_consumer_free(k);
}

TEST(CApiTest, RecordsTakenIntoAListStayValidAsTheListGrows) {
  Client c;
  std::vector<std::string> values;
  for (int i = 0; i < 300; ++i) values.push_back(std::to_string(i));
  produce(c.handle, "orders", values);
  kd_consumer* k = consumer(c.handle, "orders", R"({"group": "g", "auto_commit": false})");
  kd_records* list = nullptr;
  ok(kd_records_new(&list));
  std::vector<const kd_record*> taken;
  for (int i = 0; i < 300; ++i) {
    const kd_record* r = nullptr;
    ok(kd_consumer_next_into(k, 5000, list, &r));
    ASSERT_NE(r, nullptr);
    taken.push_back(r);
  }
  EXPECT_EQ(kd_records_count(list), 300u);
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(value_of(taken[size_t(i)]), std::to_string(i));  // the first ones too
    EXPECT_EQ(kd_records_at(list, size_t(i)), taken[size_t(i)]);
  }
  for (const kd_record* r : taken) ok(kd_record_commit(r));
  EXPECT_EQ(committed(c.handle, "g"), 300);
  kd_records_free(list);
  kd_consumer_free(k);
}

TEST(CApiTest, RecordCommitsFromOtherThreadsKeepTheContiguousLowWatermark) {
  Client c;
  produce(c.handle, "orders", {"0", "1", "2", "3"});
  kd_consumer* k = consumer(c.handle, "orders", R"({"group": "g", "auto_commit": false})");
  std::vector<kd_record*> records;
  for (int i = 0; i < 4; ++i) {
    kd_record* r = nullptr;
    ok(kd_consumer_next(k, 5000, &r));
    ASSERT_NE(r, nullptr);
    records.push_back(r);
  }
  // Offsets 1..3 finish on other threads; 0 is still "being processed".
  std::vector<std::thread> workers;
  for (int i = 1; i < 4; ++i) workers.emplace_back([r = records[i]] { ok(kd_record_commit(r)); });
  for (auto& w : workers) w.join();
  EXPECT_EQ(committed(c.handle, "g"), -1);
  ok(kd_record_commit(records[0]));
  EXPECT_EQ(committed(c.handle, "g"), 4);
  for (auto* r : records) kd_record_free(r);
  kd_consumer_free(k);
}

TEST(CApiTest, BatchConsumerHandsOverBatchesAndCommitsThem) {
  Client c;
  std::vector<std::string> values;
  for (int i = 0; i < 25; ++i) values.push_back(std::to_string(i));
  produce(c.handle, "orders", values);
  kd_batch_consumer* b = nullptr;
  ok(kd_client_batch_consumer(c.handle, "orders",
                              R"({"group": "b", "batch_size": 10, "batch_timeout_ms": 200})", &b));
  std::vector<size_t> sizes;
  for (int i = 0; i < 3; ++i) {
    kd_batch* batch = nullptr;
    ok(kd_batch_consumer_next(b, 5000, &batch));
    ASSERT_NE(batch, nullptr);
    sizes.push_back(kd_records_count(kd_batch_records(batch)));
    ok(kd_batch_commit(batch));
    kd_batch_free(batch);
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{10, 10, 5}));
  EXPECT_EQ(committed(c.handle, "b"), 25);
  kd_batch* none = nullptr;
  ok(kd_batch_consumer_next(b, 50, &none));
  EXPECT_EQ(none, nullptr);
  ok(kd_batch_consumer_close(b));
  kd_batch_consumer_free(b);
}

TEST(CApiTest, TransactionsCommitTogetherOrNotAtAll) {
  Client c;
  kd_transaction* tx = nullptr;
  ok(kd_client_begin_transaction(c.handle, "orders", R"({"transactional_id": "t1"})", &tx));
  ok(kd_transaction_send(tx, nullptr, "1", 1, nullptr));
  ok(kd_transaction_send(tx, "audit", "2", 1, nullptr));
  ok(kd_transaction_commit(tx));
  ErrorPtr again(kd_transaction_commit(tx));  // a committed transaction is over
  EXPECT_NE(again, nullptr);
  kd_transaction_free(tx);

  ok(kd_client_begin_transaction(c.handle, "orders", R"({"transactional_id": "t1"})", &tx));
  ok(kd_transaction_send(tx, nullptr, "aborted", 7, nullptr));
  kd_transaction_free(tx);  // freeing an open transaction aborts it

  kd_consumer* k = consumer(c.handle, "orders", R"({"group": "r"})");
  EXPECT_EQ(next_value(k), "1");
  EXPECT_EQ(next_value(k, 200), "<none>");
  kd_consumer_free(k);
  k = consumer(c.handle, "audit", R"({"group": "r"})");
  EXPECT_EQ(next_value(k), "2");
  kd_consumer_free(k);
}

TEST(CApiTest, ConsumeTransformProduceCommitsTheInputPositionWithTheOutput) {
  Client c;
  produce(c.handle, "in", {"a", "b"});
  kd_consumer* k = consumer(c.handle, "in", R"({"group": "eos", "auto_commit": false})");
  EXPECT_EQ(next_value(k), "a");
  kd_transaction* tx = nullptr;
  ok(kd_client_begin_transaction(c.handle, "out", nullptr, &tx));
  ok(kd_transaction_send(tx, nullptr, "A", 1, nullptr));
  ok(kd_transaction_send_offsets(tx, k));
  ok(kd_transaction_commit(tx));
  kd_transaction_free(tx);
  EXPECT_EQ(committed(c.handle, "eos"), 1);
  kd_consumer_free(k);

  kd_consumer* auto_commit = consumer(c.handle, "in", R"({"group": "x"})");
  ok(kd_client_begin_transaction(c.handle, "out", nullptr, &tx));
  ErrorPtr e(kd_transaction_send_offsets(tx, auto_commit));
  EXPECT_EQ(kd_error_kind_of(e.get()), KD_ERROR_CONFIG);
  kd_transaction_free(tx);
  kd_consumer_free(auto_commit);
}

TEST(CApiTest, AdminSpeaksJson) {
  Client c;
  ok(kd_admin_create_topic(c.handle, "orders", R"({"partitions": 3, "retention_ms": 3600000})"));
  ErrorPtr e(kd_admin_create_topic(c.handle, "orders", nullptr));
  EXPECT_EQ(kd_error_kind_of(e.get()), KD_ERROR_TOPIC_ALREADY_EXISTS);
  ok(kd_admin_create_topic(c.handle, "orders", R"({"if_not_exists": true})"));
  e.reset(kd_admin_create_topic(c.handle, "x", R"({"partitions": "3"})"));
  EXPECT_EQ(kd_error_kind_of(e.get()), KD_ERROR_CONFIG);

  char* text = nullptr;
  ok(kd_admin_describe_topic(c.handle, "orders", &text));
  json t = take_json(text);
  EXPECT_EQ(t["partitions"], 3);
  EXPECT_EQ(t["retention_ms"], 3600000);
  EXPECT_EQ(t["partition_info"].size(), 3u);
  ok(kd_admin_alter_topic(c.handle, "orders", R"({"config": {"retention.ms": "-1"}})"));
  ok(kd_admin_describe_topic(c.handle, "orders", &text));
  EXPECT_TRUE(take_json(text)["retention_ms"].is_null());  // forever
  ok(kd_admin_increase_partitions_to(c.handle, "orders", 4));
  ok(kd_admin_list_topics(c.handle, &text));
  t = take_json(text);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0]["partitions"], 4);

  produce(c.handle, "events", {"1", "2", "3"});
  kd_consumer* k = consumer(c.handle, "events", R"({"group": "g", "auto_commit": false})");
  next_value(k);
  next_value(k);
  ok(kd_consumer_commit(k));
  ok(kd_admin_list_groups(c.handle, &text));
  EXPECT_EQ(take_json(text)[0]["member_count"], 1);
  e.reset(kd_admin_reset_offsets(c.handle, "g", "events", R"({"offset": "earliest"})", &text));
  EXPECT_EQ(kd_error_kind_of(e.get()), KD_ERROR_GROUP_COORDINATOR);  // the group is not empty
  kd_consumer_free(k);
  ok(kd_admin_reset_offsets(c.handle, "g", "events", R"({"shift_by": -1, "dry_run": true})",
                            &text));
  EXPECT_EQ(take_json(text), json::parse(R"([{"topic":"events","partition":0,"from":1,"to":0}])"));
  ok(kd_admin_reset_offsets(c.handle, "g", "events", R"({"offset": "latest"})", &text));
  kd_string_free(text);
  ok(kd_admin_describe_group(c.handle, "g", &text));
  EXPECT_EQ(take_json(text)["total_lag"], 0);
  ok(kd_admin_delete_group(c.handle, "g"));
  ok(kd_admin_delete_topic(c.handle, "events"));
  e.reset(kd_admin_describe_topic(c.handle, "events", &text));
  EXPECT_EQ(kd_error_kind_of(e.get()), KD_ERROR_TOPIC_NOT_FOUND);
}

}  // namespace
