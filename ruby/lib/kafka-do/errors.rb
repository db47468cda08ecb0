# frozen_string_literal: true

module Kafka
  # Every failure of the gem is a Kafka::Error (the brief's "Exception Hierarchy"):
  #   code        Kafka's numeric error code (3 for UNKNOWN_TOPIC_OR_PARTITION), -1 when none
  #   code_name   Kafka's name of it ("UNKNOWN_TOPIC_OR_PARTITION")
  #   retriable?  repeating the same call may succeed
  #   fatal?      the object that failed (a producer, a transaction) must be recreated
  class Error < StandardError
    attr_reader :code, :code_name

    def initialize(message = nil, code: -1, code_name: 'UNKNOWN_SERVER_ERROR', retriable: false,
                   fatal: false)
      super(message)
      @code = code
      @code_name = code_name
      @retriable = retriable
      @fatal = fatal
    end

    def retriable?
      @retriable
    end

    def fatal?
      @fatal
    end

    # The subclass for a kd_error's kind (the C ABI's kd_error_kind, in its order).
    KINDS = [] # filled below, once the subclasses exist

    # Builds the error a kd_error describes and frees the kd_error.
    def self.from_native(pointer)
      klass = KINDS[Native.kd_error_kind_of(pointer)] || Error
      klass.new(Native.kd_error_message(pointer).dup.force_encoding(Encoding::UTF_8),
                code: Native.kd_error_code(pointer),
                code_name: Native.kd_error_code_name(pointer).dup,
                retriable: Native.kd_error_retriable(pointer) == 1,
                fatal: Native.kd_error_fatal(pointer) == 1)
    ensure
      Native.kd_error_free(pointer)
    end
  end

  class TopicNotFoundError < Error; end
  class PartitionNotFoundError < Error; end
  class MessageTooLargeError < Error; end
  class NotLeaderError < Error; end
  class OffsetOutOfRangeError < Error; end
  class GroupCoordinatorError < Error; end
  class RebalanceInProgressError < Error; end
  class UnauthorizedError < Error; end
  class QuotaExceededError < Error; end
  class TimeoutError < Error; end
  class DisconnectedError < Error; end
  class SerializationError < Error; end
  # Bad options or arguments (an unknown option, a malformed duration, a closed object).
  class ConfigError < Error; end
  class TopicAlreadyExistsError < Error; end
  # The log refused a well-formed record (a record without a key on a compacted topic).
  class InvalidRecordError < Error; end
  # Another producer took the transactional id over: recreate the client to take it back.
  class ProducerFencedError < Error; end
  # A transaction could not commit and was aborted (nothing of it is visible); run it again.
  class TransactionAbortedError < Error; end
  # A stream processing run failed on one input record.
  class StreamProcessingError < Error; end

  Error::KINDS.replace([Error, TopicNotFoundError, PartitionNotFoundError, MessageTooLargeError,
                        NotLeaderError, OffsetOutOfRangeError, GroupCoordinatorError,
                        RebalanceInProgressError, UnauthorizedError, QuotaExceededError,
                        TimeoutError, DisconnectedError, SerializationError, ConfigError,
                        TopicAlreadyExistsError, InvalidRecordError, ProducerFencedError,
                        TransactionAbortedError, StreamProcessingError, Error]).freeze
end
