# frozen_string_literal: true

# The brief's "Testing / Mock Client" spec, exactly as written (OrderProcessor is the class the
# brief's spec describes; here it is an empty stand-in, since the spec exercises only the mock).
require 'spec_helper'

class OrderProcessor; end

require 'kafka-do/testing'

RSpec.describe OrderProcessor do
  let(:kafka) { Kafka::MockClient.new }

  it 'processes all orders' do
    # Seed test data
    kafka.seed('orders', [
      { order_id: '123', amount: 99.99 },
      { order_id: '124', amount: 149.99 }
    ])

    # Process
    processed = []
    kafka.consumer('orders', group: 'test').take(2).each do |record|
      processed << record.value
      record.commit
    end

    expect(processed.size).to eq(2)
    expect(processed.first[:order_id]).to eq('123')
  end

  it 'sends messages' do
    kafka.producer('orders') do |producer|
      producer.send(order_id: '125', amount: 99.99)
    end

    messages = kafka.messages('orders')
    expect(messages.size).to eq(1)
    expect(messages.first[:order_id]).to eq('125')
  end
end

RSpec.describe Kafka::MockClient do
  it 'starts consumers at the earliest record even without KAFKA_DO_DEFAULT_OFFSET' do
    ENV.delete('KAFKA_DO_DEFAULT_OFFSET')
    kafka = Kafka::MockClient.new
    kafka.seed('orders', [{ key: 'k', value: { n: 1 }, headers: { 'h' => 'v' } }])
    expect(kafka.consumer('orders', group: 'g').first.value).to eq(n: 1)
    record = kafka.records('orders').first
    expect([record.key, record.headers, record.offset]).to eq(['k', { 'h' => 'v' }, 0])
  end

  it 'keeps each mock client separate' do
    a = Kafka::MockClient.new
    b = Kafka::MockClient.new
    a.seed('orders', [{ n: 1 }])
    expect { b.messages('orders') }.to raise_error(Kafka::TopicNotFoundError)
    expect(a.messages('orders')).to eq([{ n: 1 }])
  end
end
