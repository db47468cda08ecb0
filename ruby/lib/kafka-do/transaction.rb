# frozen_string_literal: true

module Kafka
  # One open transaction (Client#transaction's block argument): records to any topics, and a
  # consumer's position, committed together or not at all. Valid only inside the block.
  class Transaction
    include Sending

    attr_reader :topic

    def initialize(native, topic)
      @native = native
      @topic = topic
    end

    # To the transaction's topic.
    def send(*args, **kwargs)
      value, options = split_send_arguments(args, kwargs)
      send_native(nil, value, options)
    end

    # To another topic, in the same transaction.
    def send_to(topic, value, **options)
      send_native(topic.to_s, value, options)
    end

    # Raw bytes (no JSON), to the transaction's topic or, with to:, another one.
    def send_raw(bytes, to: nil, **options)
      send_native(to&.to_s, bytes, options, raw: true)
    end

    def send_batch(records)
      batch_entries(records).each { |value, options| send(value, **options) }
      self
    end

    # The consumer's position (every record it returned, the current one included) commits with
    # the transaction; the consumer needs auto_commit: false.
    def send_offsets(consumer)
      Native.check(Native.kd_transaction_send_offsets(@native, consumer.native))
      self
    end

    private

    def send_native(topic, value, options, raw: false)
      with_native_record(value, options, raw: raw) do |bytes, length, native|
        Native.check(Native.kd_transaction_send(@native, topic, bytes, length, native))
      end
      self
    end
  end
end
