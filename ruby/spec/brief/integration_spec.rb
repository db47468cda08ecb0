# frozen_string_literal: true

# The brief's "Integration Testing" spec, exactly as written: it runs when TEST_KAFKA_URL names a
# broker (make test starts `kafkado serve` for it; see tests/ruby/run-specs).
require 'spec_helper'
require 'securerandom'

RSpec.describe 'Kafka Integration', :integration do
  let(:kafka) do
    Kafka::Client.new(
      url: ENV['TEST_KAFKA_URL'],
      api_key: ENV['TEST_KAFKA_API_KEY']
    )
  end

  let(:topic) { "test-orders-#{SecureRandom.uuid}" }

  after do
    kafka.admin.delete_topic(topic) rescue nil
  end

  it 'produces and consumes messages' do
    # Produce
    kafka.producer(topic) do |producer|
      producer.send(order_id: '123', amount: 99.99)
    end

    # Consume
    record = kafka.consumer(topic, group: 'test').first
    expect(record.value[:order_id]).to eq('123')
  end
end
