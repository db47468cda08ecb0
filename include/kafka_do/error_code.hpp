#pragma once
// kafka::ErrorCode: every Kafka error code, numbered as Apache Kafka's Errors.java and librdkafka's
// rd_kafka_resp_err_t number them, each enumerator Kafka's own name in lower case
// (UNKNOWN_TOPIC_OR_PARTITION is `unknown_topic_or_partition`). The one list: the SDK's exceptions
// carry these codes, and the broker writes them into responses. The numbers are wire format: never
// renumber an enumerator. Comments paraphrase the meaning clients rely on.

#include <cstdint>

namespace kafka {

enum class ErrorCode : int16_t {
  // Unexpected server error; the catch-all for failures with no better code.
  unknown_server_error = -1,
  // Success.
  none = 0,
  // Requested offset is below the log start offset or above the high watermark.
  offset_out_of_range = 1,
  // A record batch failed its CRC or size checks.
  corrupt_message = 2,
  // The topic or partition does not exist on this broker.
  unknown_topic_or_partition = 3,
  // The requested fetch size is invalid.
  invalid_fetch_size = 4,
  // The partition has no leader right now (e.g. while a topic is being created).
  leader_not_available = 5,
  // This broker is not the leader (or a follower) of the partition.
  not_leader_or_follower = 6,
  // The request did not complete within its timeout.
  request_timed_out = 7,
  // The broker is not available.
  broker_not_available = 8,
  // The replica is not available for the requested partition.
  replica_not_available = 9,
  // A record batch is larger than the broker or topic accepts.
  message_too_large = 10,
  // The controller moved to another broker.
  stale_controller_epoch = 11,
  // The metadata attached to a committed offset is too large.
  offset_metadata_too_large = 12,
  // The server disconnected before a response was received.
  network_exception = 13,
  // The coordinator is still loading group or transaction state; retry.
  coordinator_load_in_progress = 14,
  // The coordinator is not available (yet).
  coordinator_not_available = 15,
  // This broker is not the coordinator for the group or transactional id.
  not_coordinator = 16,
  // The topic name is invalid, or the operation is not allowed on it.
  invalid_topic_exception = 17,
  // A produce request's records are larger than the segment size.
  record_list_too_large = 18,
  // Fewer in-sync replicas than min.insync.replicas; the write was rejected.
  not_enough_replicas = 19,
  // Written to the log, but with fewer in-sync replicas than required.
  not_enough_replicas_after_append = 20,
  // The produce request's acks is not -1, 0 or 1.
  invalid_required_acks = 21,
  // The group generation id in the request is not the current one.
  illegal_generation = 22,
  // The member's protocol type or protocols do not match the group's.
  inconsistent_group_protocol = 23,
  // The group id is empty or otherwise invalid.
  invalid_group_id = 24,
  // The member id is not part of the group's current generation.
  unknown_member_id = 25,
  // The session timeout is outside the broker's allowed range.
  invalid_session_timeout = 26,
  // The group is rebalancing; the member must rejoin.
  rebalance_in_progress = 27,
  // The committed offset data is too large.
  invalid_commit_offset_size = 28,
  // Not authorized to access the topic.
  topic_authorization_failed = 29,
  // Not authorized to access the group.
  group_authorization_failed = 30,
  // Not authorized for this cluster operation.
  cluster_authorization_failed = 31,
  // A record timestamp is out of the acceptable range.
  invalid_timestamp = 32,
  // The broker does not support the requested SASL mechanism.
  unsupported_sasl_mechanism = 33,
  // The request is not valid in the current SASL state.
  illegal_sasl_state = 34,
  // The broker does not support this version of the API.
  unsupported_version = 35,
  // A topic with this name already exists.
  topic_already_exists = 36,
  // The number of partitions is invalid.
  invalid_partitions = 37,
  // The replication factor is invalid (e.g. larger than the broker count).
  invalid_replication_factor = 38,
  // The manual replica assignment is invalid.
  invalid_replica_assignment = 39,
  // A configuration name or value is invalid.
  invalid_config = 40,
  // This broker is not the controller.
  not_controller = 41,
  // The request is malformed or violates the protocol.
  invalid_request = 42,
  // The message format version on the broker does not support the request.
  unsupported_for_message_format = 43,
  // The request parameters violate a configured policy.
  policy_violation = 44,
  // An idempotent producer's batch sequence has a gap.
  out_of_order_sequence_number = 45,
  // An idempotent producer re-sent a batch the broker already has.
  duplicate_sequence_number = 46,
  // The producer epoch is older than the current one (the producer was fenced).
  invalid_producer_epoch = 47,
  // The operation is not valid in the transaction's current state.
  invalid_txn_state = 48,
  // The producer id does not match the transactional id.
  invalid_producer_id_mapping = 49,
  // The transaction timeout exceeds transaction.max.timeout.ms.
  invalid_transaction_timeout = 50,
  // The previous transaction of this producer is still completing; retry.
  concurrent_transactions = 51,
  // The transaction coordinator's epoch is stale.
  transaction_coordinator_fenced = 52,
  // Not authorized for the transactional id.
  transactional_id_authorization_failed = 53,
  // Security features are disabled.
  security_disabled = 54,
  // Skipped because another part of the batch failed.
  operation_not_attempted = 55,
  // A disk error occurred while accessing the log.
  kafka_storage_error = 56,
  // The user-specified log directory is not found.
  log_dir_not_found = 57,
  // SASL authentication failed.
  sasl_authentication_failed = 58,
  // The broker has no state for this producer id (e.g. it expired).
  unknown_producer_id = 59,
  // A partition reassignment is in progress.
  reassignment_in_progress = 60,
  // Delegation token authentication is disabled.
  delegation_token_auth_disabled = 61,
  // The delegation token was not found.
  delegation_token_not_found = 62,
  // The principal is not the delegation token's owner or renewer.
  delegation_token_owner_mismatch = 63,
  // Delegation token requests are not allowed on this connection.
  delegation_token_request_not_allowed = 64,
  // Not authorized for the delegation token operation.
  delegation_token_authorization_failed = 65,
  // The delegation token has expired.
  delegation_token_expired = 66,
  // The principal type is not supported.
  invalid_principal_type = 67,
  // The group still has members, so it cannot be deleted.
  non_empty_group = 68,
  // The group does not exist.
  group_id_not_found = 69,
  // The fetch session id is not known.
  fetch_session_id_not_found = 70,
  // The fetch session epoch is not the expected one.
  invalid_fetch_session_epoch = 71,
  // The leader has no endpoint on the listener the request came in on.
  listener_not_found = 72,
  // Topic deletion is disabled.
  topic_deletion_disabled = 73,
  // The request's leader epoch is older than the broker's.
  fenced_leader_epoch = 74,
  // The request's leader epoch is newer than the broker's.
  unknown_leader_epoch = 75,
  // The compression codec is not allowed for this request version (zstd before Produce v7).
  unsupported_compression_type = 76,
  // The broker epoch has changed.
  stale_broker_epoch = 77,
  // The leader's high watermark has not caught up yet; retry.
  offset_not_available = 78,
  // The join needs a member id: rejoin with the id given in the response.
  member_id_required = 79,
  // The preferred leader is not available.
  preferred_leader_not_available = 80,
  // The group has reached its maximum size.
  group_max_size_reached = 81,
  // Another member with the same group.instance.id took over (static membership).
  fenced_instance_id = 82,
  // No eligible leader is available for the election.
  eligible_leaders_not_available = 83,
  // The leader election was not needed.
  election_not_needed = 84,
  // No partition reassignment is in progress.
  no_reassignment_in_progress = 85,
  // The group is actively subscribed to the topic, so its offsets cannot be deleted.
  group_subscribed_to_topic = 86,
  // A record failed the broker's validation.
  invalid_record = 87,
  // A transactional offset commit is pending for the partition; retry.
  unstable_offset_commit = 88,
  // The throttling quota was exceeded.
  throttling_quota_exceeded = 89,
  // A newer producer with the same transactional id fenced this one.
  producer_fenced = 90,
  // A request referenced a resource that does not exist.
  resource_not_found = 91,
  // A request named the same resource more than once.
  duplicate_resource = 92,
  // The requested credential would not meet the criteria for acceptability.
  unacceptable_credential = 93,
  // The voter set does not match the leader's.
  inconsistent_voter_set = 94,
  // The update version is invalid.
  invalid_update_version = 95,
  // Updating the finalized features failed.
  feature_update_failed = 96,
  // The forwarded request's principal could not be deserialized.
  principal_deserialization_failure = 97,
  // The transactional id is not known to the coordinator (DescribeTransactions).
  transactional_id_not_found = 105,
};

// Kafka's name of a code ("UNKNOWN_TOPIC_OR_PARTITION"), as its documentation and tools spell it;
// "UNKNOWN_ERROR_CODE" for a number not listed above.
const char* error_name(ErrorCode code);

}  // namespace kafka
