/*
 * kafka_do.h: the C ABI over the kafka-do C++ SDK (libkafka_do_c.so), for bindings in other
 * languages (the Ruby gem in ruby/ uses it through ruby-ffi) and for C programs.
 *
 * Rules, kept by every function:
 * - Opaque handles. kd_*_new / kd_client_* create a handle; its kd_*_free releases it. After
 *   kd_*_close a handle stays valid (calls on it fail with an error) until it is freed.
 * - A function that can fail returns a kd_error* : NULL on success, otherwise an error the caller
 *   owns and releases with kd_error_free. Nothing else reports failure; no C++ exception ever
 *   leaves the library, and no callback is ever made from a thread of the library: delivery
 *   reports and records are pulled by the caller (kd_async_producer_poll_reports,
 *   kd_consumer_next), on the caller's thread.
 * - The calls that wait for data (kd_consumer_next, kd_batch_consumer_next,
 *   kd_async_producer_poll_reports) take a timeout in milliseconds, so a binding can regain
 *   control (to check for interrupts, for instance) and call again; every other call is bounded
 *   by the client's timeout.
 * - Strings in are NUL-terminated UTF-8 unless a length is given; bytes (keys, values, header
 *   values) are (pointer, length) pairs, where a NULL pointer means null (no key, a null value).
 *   Strings and bytes out point into the handle they came from and live as long as it does,
 *   except where a function says the caller owns them (release with kd_string_free).
 * - Options and structured results are JSON text: options are objects whose keys are the C++
 *   options' names (docs/c-api.md lists them); an unknown key or a value of the wrong type is a
 *   KD_ERROR_CONFIG error naming it.
 * - Thread safety follows the C++ SDK: a client, an async producer and a record's commit may be
 *   used from any thread; a producer, a consumer and a transaction from one thread at a time.
 */
#ifndef KAFKA_DO_H
#define KAFKA_DO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI's version: grows when functions are added; existing ones never change meaning. */
#define KD_ABI_VERSION 1
int kd_abi_version(void);

/* ---- Errors ------------------------------------------------------------------------------- */

/* The class of an error: the SDK's exception hierarchy (kafka::Error and its subclasses). */
typedef enum kd_error_kind {
  KD_ERROR = 0, /* kafka::Error without a more specific class */
  KD_ERROR_TOPIC_NOT_FOUND = 1,
  KD_ERROR_PARTITION_NOT_FOUND = 2,
  KD_ERROR_MESSAGE_TOO_LARGE = 3,
  KD_ERROR_NOT_LEADER = 4,
  KD_ERROR_OFFSET_OUT_OF_RANGE = 5,
  KD_ERROR_GROUP_COORDINATOR = 6,
  KD_ERROR_REBALANCE_IN_PROGRESS = 7,
  KD_ERROR_UNAUTHORIZED = 8,
  KD_ERROR_QUOTA_EXCEEDED = 9,
  KD_ERROR_TIMEOUT = 10,
  KD_ERROR_DISCONNECTED = 11,
  KD_ERROR_SERIALIZATION = 12,
  KD_ERROR_CONFIG = 13, /* bad options or arguments, also a NULL handle */
  KD_ERROR_TOPIC_ALREADY_EXISTS = 14,
  KD_ERROR_INVALID_RECORD = 15,
  KD_ERROR_PRODUCER_FENCED = 16,
  KD_ERROR_TRANSACTION_ABORTED = 17,
  KD_ERROR_STREAM_PROCESSING = 18,
  KD_ERROR_INTERNAL = 19 /* a failure outside kafka::Error (out of memory, a library bug) */
} kd_error_kind;

typedef struct kd_error kd_error;
kd_error_kind kd_error_kind_of(const kd_error* error);
/* Kafka's numeric error code (3 for UNKNOWN_TOPIC_OR_PARTITION, ...); -1 when there is none. */
int kd_error_code(const kd_error* error);
/* Kafka's name of the code ("UNKNOWN_TOPIC_OR_PARTITION"). */
const char* kd_error_code_name(const kd_error* error);
const char* kd_error_message(const kd_error* error);
int kd_error_retriable(const kd_error* error);
int kd_error_fatal(const kd_error* error);
void kd_error_free(kd_error* error);

/* Releases a string the library handed over (results of the admin calls). */
void kd_string_free(char* text);

/* ---- Client ------------------------------------------------------------------------------- */

typedef struct kd_client kd_client;
/* options: {"url", "api_key", "timeout_ms", "retries", "auto_create_topics",
 * "default_partitions", "default_offset" ("earliest" | "latest"), "durability"
 * ("every_batch" | "interval" | "os")}; NULL or "{}" for the defaults (KAFKA_DO_URL, ...). */
kd_error* kd_client_new(const char* options_json, kd_client** out);
/* kafka::MockClient: the memory: backend, consumers start at the earliest offset. */
kd_error* kd_mock_client_new(const char* options_json, kd_client** out);
/* The URL the client resolved ("memory:", "file:./kafka-do-data", "kafka://..."). */
const char* kd_client_url(const kd_client* client);
/* Flushes and releases the backend once every producer and consumer made from it is gone. */
kd_error* kd_client_close(kd_client* client);
void kd_client_free(kd_client* client);

/* One record header; value NULL is a null value. */
typedef struct kd_header {
  const char* key;
  size_t key_len;
  const char* value;
  size_t value_len;
} kd_header;

/* What kd_*_send takes besides the value: key NULL for no key, partition -1 to partition by key,
 * timestamp_ms -1 for now. */
typedef struct kd_send_options {
  const char* key;
  size_t key_len;
  const kd_header* headers;
  size_t header_count;
  int32_t partition;
  int64_t timestamp_ms;
} kd_send_options;

/* ---- Producer (kafka::Producer) ----------------------------------------------------------- */

typedef struct kd_producer kd_producer;
/* options: {"batch_size", "linger_ms", "compression" ("none" | "gzip" | "snappy" | "lz4" |
 * "zstd"), "acks" ("none" | "leader" | "all" | 0 | 1 | -1), "retries", "retry_backoff_ms"} and,
 * for the async producer, {"buffer_memory", "buffer_full" ("block" | "fail"), "max_block_ms"}. */
kd_error* kd_client_producer(kd_client* client, const char* topic, const char* options_json,
                             kd_producer** out);
/* Queues one record (value NULL: a null value; options NULL: no key, no headers). Throws the
 * error of an earlier batch, MESSAGE_TOO_LARGE for a record over the topic's limit. */
kd_error* kd_producer_send(kd_producer* producer, const char* value, size_t value_len,
                           const kd_send_options* options);
/* Sends what is queued and waits for the acknowledgements (bounded by the client's timeout: a
 * TIMEOUT error then). */
kd_error* kd_producer_flush(kd_producer* producer);
kd_error* kd_producer_close(kd_producer* producer);
void kd_producer_free(kd_producer* producer);

/* ---- Async producer (kafka::AsyncProducer) ------------------------------------------------ */

typedef struct kd_async_producer kd_async_producer;
kd_error* kd_client_async_producer(kd_client* client, const char* topic, const char* options_json,
                                   kd_async_producer** out);
/* Queues one record. `tag` comes back in the record's delivery report. */
kd_error* kd_async_producer_send(kd_async_producer* producer, const char* value, size_t value_len,
                                 const kd_send_options* options, uint64_t tag);

/* One record's outcome. error NULL: written at (partition, offset). An error in a report belongs
 * to the caller (kd_error_free). */
typedef struct kd_delivery_report {
  uint64_t tag;
  int32_t partition;
  int64_t offset;
  kd_error* error;
} kd_delivery_report;
/* Moves up to `capacity` delivery reports, in delivery order, into `reports`, waiting at most
 * timeout_ms for the first; *count is how many. Every send yields one report, kept until taken. */
kd_error* kd_async_producer_poll_reports(kd_async_producer* producer, int timeout_ms,
                                         kd_delivery_report* reports, size_t capacity,
                                         size_t* count);
/* Records queued or in flight (their reports not yet produced). */
size_t kd_async_producer_in_flight(const kd_async_producer* producer);
/* Sends everything queued and waits until every report was produced (bounded by the client's
 * timeout: a TIMEOUT error then). */
kd_error* kd_async_producer_deliver(kd_async_producer* producer);
kd_error* kd_async_producer_close(kd_async_producer* producer);
void kd_async_producer_free(kd_async_producer* producer);

/* ---- Records ------------------------------------------------------------------------------ */

typedef struct kd_record kd_record;
/* A record's fields; the pointers live as long as the record. key NULL: no key; value NULL: a
 * null value. */
typedef struct kd_record_fields {
  const char* topic;
  size_t topic_len;
  int32_t partition;
  int64_t offset;
  int64_t timestamp_ms;
  const char* key;
  size_t key_len;
  const char* value;
  size_t value_len;
  size_t header_count;
} kd_record_fields;
void kd_record_get(const kd_record* record, kd_record_fields* out);
/* Header i (0 <= i < header_count); value NULL for a null value. */
void kd_record_header(const kd_record* record, size_t i, kd_header* out);
/* kafka::Record::commit: "I am done with this record" (the contiguous low watermark rule: safe
 * from any thread, in any order). */
kd_error* kd_record_commit(const kd_record* record);
void kd_record_free(kd_record* record);

/* A list of records (a batch, or what kd_mock_client_records returns). */
typedef struct kd_records kd_records;
size_t kd_records_count(const kd_records* records);
/* Record i, owned by the list. */
const kd_record* kd_records_at(const kd_records* records, size_t i);
/* A copy of record i the caller owns (kd_record_free), independent of the list. */
kd_record* kd_records_take(const kd_records* records, size_t i);
void kd_records_free(kd_records* records);
/* An empty list, for kd_consumer_next_into. */
kd_error* kd_records_new(kd_records** out);

/* ---- Consumer (kafka::Consumer) ----------------------------------------------------------- */

typedef struct kd_consumer kd_consumer;
/* options: {"group", "offset" ("earliest" | "latest" | {"timestamp_ms": N}), "auto_commit",
 * "auto_commit_interval_ms", "max_poll_records", "session_timeout_ms", "heartbeat_interval_ms",
 * "fetch_min_bytes", "fetch_max_wait_ms", "fetch_max_bytes", "client_id", "isolation"
 * ("read_committed" | "read_uncommitted"), "assign" ([{"topic", "partition", "offset"}])}. */
kd_error* kd_client_consumer(kd_client* client, const char* const* topics, size_t topic_count,
                             const char* options_json, kd_consumer** out);
/* The next record, waiting at most timeout_ms (kafka::Consumer::next): *out is NULL when none
 * came in time or the consumer was stopped (kd_consumer_stopped tells which). The record
 * returned by the previous call counts as consumed (what auto_commit commits) from this call on,
 * as iteration moves past a record. The caller owns *out (kd_record_free). */
kd_error* kd_consumer_next(kd_consumer* consumer, int timeout_ms, kd_record** out);
/* kd_consumer_next, with the record appended to `into` (a list of the caller's) instead of
 * handed over alone: *out points into the list and lives as long as it does. A binding that
 * frees its objects through a garbage collector's finalizers can then register one finalizer
 * per list of records instead of one per record. */
kd_error* kd_consumer_next_into(kd_consumer* consumer, int timeout_ms, kd_records* into,
                                const kd_record** out);
int kd_consumer_stopped(const kd_consumer* consumer);
/* Commits the position after every record returned so far. */
kd_error* kd_consumer_commit(kd_consumer* consumer);
/* Polls until the group assigned partitions to this member; *assigned 0 when time ran out. */
kd_error* kd_consumer_wait_for_assignment(kd_consumer* consumer, int timeout_ms, int* assigned);
/* JSON: [{"topic", "partition", "lag"}] for the assigned partitions (lag -1: not known yet). */
kd_error* kd_consumer_lag(kd_consumer* consumer, char** json_out);
/* Makes iteration end; thread-safe. */
void kd_consumer_stop(kd_consumer* consumer);
/* Commits (with auto_commit), leaves the group, releases. Idempotent. */
kd_error* kd_consumer_close(kd_consumer* consumer);
void kd_consumer_free(kd_consumer* consumer);

/* ---- Batch consumer (kafka::BatchConsumer) ------------------------------------------------ */

typedef struct kd_batch_consumer kd_batch_consumer;
typedef struct kd_batch kd_batch;
/* options: those of kd_client_consumer plus {"batch_size", "batch_timeout_ms"}. */
kd_error* kd_client_batch_consumer(kd_client* client, const char* topic, const char* options_json,
                                   kd_batch_consumer** out);
/* The next batch; *out NULL when no record came within timeout_ms or the consumer stopped. The
 * batch returned before counts as processed (for auto_commit) from this call on. */
kd_error* kd_batch_consumer_next(kd_batch_consumer* consumer, int timeout_ms, kd_batch** out);
void kd_batch_consumer_stop(kd_batch_consumer* consumer);
kd_error* kd_batch_consumer_close(kd_batch_consumer* consumer);
void kd_batch_consumer_free(kd_batch_consumer* consumer);
/* The batch's records (owned by the batch). */
const kd_records* kd_batch_records(const kd_batch* batch);
/* Commits, per partition, the offset after the batch's last record. */
kd_error* kd_batch_commit(kd_batch* batch);
void kd_batch_free(kd_batch* batch);

/* ---- Transactions (kafka::Client::transaction) -------------------------------------------- */

typedef struct kd_transaction kd_transaction;
/* Begins a transaction whose default topic is `topic`. options: {"transactional_id",
 * "timeout_ms"}. Transactions with the same id run one at a time: this waits for an open one. */
kd_error* kd_client_begin_transaction(kd_client* client, const char* topic,
                                      const char* options_json, kd_transaction** out);
/* Sends to `topic`, or to the transaction's topic when topic is NULL. */
kd_error* kd_transaction_send(kd_transaction* tx, const char* topic, const char* value,
                              size_t value_len, const kd_send_options* options);
/* The consumer's position (every record it returned) commits with the transaction. */
kd_error* kd_transaction_send_offsets(kd_transaction* tx, kd_consumer* consumer);
/* Commits; PRODUCER_FENCED or TRANSACTION_ABORTED when it could not (nothing is visible). */
kd_error* kd_transaction_commit(kd_transaction* tx);
/* Aborts (never fails); a no-op once committed or aborted. */
void kd_transaction_abort(kd_transaction* tx);
/* Aborts the transaction if it is still open, and releases. */
void kd_transaction_free(kd_transaction* tx);

/* ---- Admin (kafka::Admin); structured results are JSON the caller owns (kd_string_free) ---- */

/* options: {"partitions", "retention_ms", "retention_bytes", "config": {name: value},
 * "if_not_exists"} */
kd_error* kd_admin_create_topic(kd_client* client, const char* name, const char* options_json);
/* [{"name", "partitions", "retention_ms", "config": {...}, "overrides": [...]}] */
kd_error* kd_admin_list_topics(kd_client* client, char** json_out);
/* {"name", "partitions", "retention_ms" (null: forever), "config", "overrides",
 * "partition_info": [{"partition", "log_start_offset", "high_watermark", "last_stable_offset",
 * "size_bytes"}]} */
kd_error* kd_admin_describe_topic(kd_client* client, const char* name, char** json_out);
/* changes: {"retention_ms", "retention_bytes", "config": {...}, "reset": [names]} */
kd_error* kd_admin_alter_topic(kd_client* client, const char* name, const char* changes_json);
kd_error* kd_admin_increase_partitions_to(kd_client* client, const char* name, int total);
kd_error* kd_admin_delete_topic(kd_client* client, const char* name);
/* [{"id", "member_count", "state"}] */
kd_error* kd_admin_list_groups(kd_client* client, char** json_out);
/* {"id", "state", "members": [{"id", "client_id", "host", "assignment": [{"topic",
 * "partition"}]}], "partitions": [{"topic", "partition", "committed", "end_offset", "lag"}],
 * "total_lag"} */
kd_error* kd_admin_describe_group(kd_client* client, const char* group, char** json_out);
/* to: {"offset": "earliest" | "latest"} | {"timestamp_ms": N} | {"to_offset": N} |
 * {"shift_by": N}, with "dry_run": true to only report. Result: [{"topic", "partition", "from",
 * "to"}] */
kd_error* kd_admin_reset_offsets(kd_client* client, const char* group, const char* topic,
                                 const char* to_json, char** json_out);
kd_error* kd_admin_delete_group(kd_client* client, const char* group);

/* ---- Stream processing (kafka::Topology) ---------------------------------------------------
 *
 * A topology is built from nodes (ints) with kd_topology_op, then run with kd_topology_start.
 * The caller's functions (filters, mappers, aggregators, each) are not C callbacks: the run
 * happens on a thread of the library, and each time it needs a function it posts a call that
 * the caller takes with kd_run_next_call, on its own thread, and answers with kd_run_answer (or
 * kd_run_fail). Arguments and results are JSON text:
 *   filter, map, flat_map, key_by, group_by, peek: [value]  -> bool / value / [values] / key
 *   each (stream, table): [key, value];  each (windowed table): [key, {"value", "start_ms",
 *   "end_ms"}];  each and map (joined): [left, right];  join's "on": [left, right] -> bool
 *   reduce: [aggregate, value] -> aggregate;  aggregate: [key, value, aggregate] -> aggregate
 *   branch predicates: [value] -> bool
 *
 * ops (JSON): {"op": "filter" | "map" | "flat_map" | "key_by" | "peek" | "group_by", "fn": F},
 * {"op": "group_by_key"}, {"op": "window", "tumbling" | "hopping" + "advance" | "sliding" |
 * "session": duration, "grace": duration} (durations: "5m", "1h", or milliseconds),
 * {"op": "count", "name"}, {"op": "reduce" | "aggregate", "initial": json, "fn": F, "name"},
 * {"op": "join" | "left_join" | "outer_join", "other": node, "on": F (optional: equal keys),
 * "window": duration, "grace": duration}, {"op": "merge", "other": node}, {"op": "to_stream"},
 * {"op": "updates"}, and the terminal ones: {"op": "to", "topic"}, {"op": "each", "fn": F},
 * {"op": "branch", "branches": [{"fn": F, "topic"}]}. F is the caller's number for a function;
 * it comes back in kd_call.function. */
typedef struct kd_topology kd_topology;
kd_error* kd_topology_new(kd_topology** out);
void kd_topology_free(kd_topology* topology);
/* A source node reading these topics (a stream), or a topic's latest value per key (a table). */
kd_error* kd_topology_stream(kd_topology* topology, const char* const* topics, size_t topic_count,
                             int* node_out);
kd_error* kd_topology_table(kd_topology* topology, const char* topic, int* node_out);
/* Adds an operator after `node`; *node_out is the new node (-1 for a terminal operator). A
 * CONFIG error when the operator does not apply to the node (count on an ungrouped stream). */
kd_error* kd_topology_op(kd_topology* topology, int node, const char* op_json, int* node_out);

typedef struct kd_run kd_run;
/* Starts running the topology's terminal operators on `client`. options: {"application_id",
 * "until_caught_up", "from_beginning", "commit_interval_ms", "session_timeout_ms",
 * "idle_timeout_ms", "max_task_idle_ms", "on_error" ("fail" | "log_and_continue"),
 * "dead_letter_topic"}. A topology runs once. */
kd_error* kd_topology_start(kd_topology* topology, kd_client* client, const char* options_json,
                            kd_run** out);
/* One call of a caller's function; args point into the run and stay valid until answered. */
typedef struct kd_call {
  int function; /* -1: no call (the wait timed out, or the run finished) */
  const char* args;
  size_t args_len;
} kd_call;
/* Waits up to timeout_ms for the run's next call. *finished is 1 once the run has ended (then
 * kd_run_outcome tells how). */
kd_error* kd_run_next_call(kd_run* run, int timeout_ms, kd_call* call, int* finished);
/* The result (JSON) of the call taken last. */
kd_error* kd_run_answer(kd_run* run, const char* result_json, size_t len);
/* The call taken last failed: the run handles it by its on_error (fail: the run ends with a
 * STREAM_PROCESSING error naming the record and `message`). */
kd_error* kd_run_fail(kd_run* run, const char* message);
/* Ends the run (its final commit included); calls still to come fail. Thread-safe. */
void kd_run_stop(kd_run* run);
/* How a finished run ended: NULL when it stopped or caught up normally. */
kd_error* kd_run_outcome(kd_run* run);
/* Stops the run if it is still going, waits for it to end, and releases. */
void kd_run_free(kd_run* run);

/* ---- Testing (kafka::MockClient) ---------------------------------------------------------- */

/* Every record of `topic`, partition by partition, in offset order (a kd_mock_client only). */
kd_error* kd_mock_client_records(kd_client* client, const char* topic, kd_records** out);

#ifdef __cplusplus
}
#endif

#endif /* KAFKA_DO_H */
