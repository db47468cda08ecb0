# frozen_string_literal: true

require 'kafka-do'

module Kafka
  # An in-memory client for tests (`require 'kafka-do/testing'`): kafka::MockClient of the C++
  # SDK. Consumers start at the earliest record, so seeded records are read.
  #
  #   kafka = Kafka::MockClient.new
  #   kafka.seed('orders', [{ order_id: '123' }])
  #   kafka.messages('orders') # => [{ order_id: '123' }]
  class MockClient < Client
    def self.native_constructor
      :kd_mock_client_new
    end

    # Appends the values (or { key:, value:, headers: } messages) to the topic.
    def seed(topic, values)
      producer(topic) { |p| p.send_batch(values) }
      self
    end

    # The value of every record of the topic, partition by partition, in offset order.
    def messages(topic)
      records(topic).map(&:value)
    end

    def records(topic)
      list = Native.out_pointer(:kd_mock_client_records, native, topic.to_s)
      owner = FFI::AutoPointer.new(list, Native.method(:kd_records_free))
      Array.new(Native.kd_records_count(list)) { |i| Record.new(Native.kd_records_at(list, i), owner) }
    end
  end
end
