/* A C99 program over the C ABI: produce three records on memory:, consume them back, commit,
 * and check an error's fields. Exits non-zero (and says why) on any mismatch. */
#include <kafka_do/kafka_do.h>
#include <stdio.h>
#include <string.h>

static int fail(const char* what, kd_error* e) {
  fprintf(stderr, "c_smoke: %s: %s\n", what, e ? kd_error_message(e) : "(no error)");
  if (e) kd_error_free(e);
  return 1;
}

int main(void) {
  kd_client* client = NULL;
  kd_producer* producer = NULL;
  kd_consumer* consumer = NULL;
  kd_error* e = NULL;
  const char* topics[] = {"orders"};
  kd_header header = {"h", 1, "v", 1};
  kd_send_options keyed = {"k", 1, &header, 1, -1, -1};
  int i;

  if (kd_abi_version() != KD_ABI_VERSION) return fail("abi version", NULL);
  if ((e = kd_mock_client_new(NULL, &client))) return fail("client", e);
  if ((e = kd_client_producer(client, "orders", "{\"linger_ms\": 0}", &producer)))
    return fail("producer", e);
  for (i = 0; i < 3; ++i) {
    char value[32];
    int n = snprintf(value, sizeof value, "{\"n\":%d}", i);
    if ((e = kd_producer_send(producer, value, (size_t)n, i == 1 ? &keyed : NULL)))
      return fail("send", e);
  }
  if ((e = kd_producer_close(producer))) return fail("close producer", e);
  kd_producer_free(producer);

  if ((e = kd_client_consumer(client, topics, 1, "{\"group\": \"c\", \"auto_commit\": false}",
                              &consumer)))
    return fail("consumer", e);
  for (i = 0; i < 3; ++i) {
    kd_record* record = NULL;
    kd_record_fields f;
    char expected[32];
    if ((e = kd_consumer_next(consumer, 5000, &record))) return fail("next", e);
    if (!record) return fail("no record within 5 s", NULL);
    kd_record_get(record, &f);
    snprintf(expected, sizeof expected, "{\"n\":%d}", i);
    if (f.offset != i || f.value_len != strlen(expected) || memcmp(f.value, expected, f.value_len))
      return fail("record value", NULL);
    if ((i == 1) != (f.key != NULL) || (i == 1 && f.header_count != 1))
      return fail("record key or headers", NULL);
    if ((e = kd_record_commit(record))) return fail("commit", e);
    kd_record_free(record);
  }
  kd_consumer_free(consumer);

  e = kd_client_producer(client, "orders", "{\"linger\": 5}", &producer);
  if (!e || kd_error_kind_of(e) != KD_ERROR_CONFIG || kd_error_code(e) != 40 ||
      strstr(kd_error_message(e), "linger") == NULL || producer != NULL)
    return fail("an unknown option's error", e);
  kd_error_free(e);
  kd_client_free(client);
  puts("c_smoke: ok");
  return 0;
}
