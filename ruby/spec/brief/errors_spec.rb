# frozen_string_literal: true

# The brief's "Error Handling", "Exception Hierarchy", "Dead Letter Queue Pattern" and "Retry
# with Exponential Backoff", verbatim inside each example, with failures the test provokes.
require 'spec_helper'

class ProcessingError < StandardError; end

RSpec.describe 'the brief: error handling' do
  it 'runs "Error Handling" for each rescue clause' do
    # The three conditions the brief names, provoked for real:
    cases = {
      # a strict client: topics are not created on first use
      'Topic not found' => [Kafka::Client.new(auto_create_topics: false), { order_id: '1' }],
      # a record over the topic's max.message.bytes
      'Message too large' => [Kafka::Client.new, { order_id: '1', blob: 'x' * 2_000_000 }]
    }
    cases.each do |expected, (kafka, order)|
      out = capture_stdout do
        begin
          kafka.producer('orders') do |producer|
            producer.send(order)
          end
        rescue Kafka::TopicNotFoundError
          puts 'Topic not found'
        rescue Kafka::MessageTooLargeError
          puts 'Message too large'
        rescue Kafka::TimeoutError
          puts 'Request timed out'
        rescue Kafka::Error => e
          puts "Kafka error: #{e.code} - #{e.message}"

          if e.retriable?
            retry
          end
        end
      end
      expect(out).to eq("#{expected}\n")
    end
  end

  it 'reaches the generic clause with the code and message of a non-retriable error' do
    kafka = Kafka::Client.new
    kafka.admin.create_topic('orders', config: { 'cleanup.policy' => 'compact' })
    order = { order_id: '1' } # no key: a compacted topic refuses it
    out = capture_stdout do
      begin
        kafka.producer('orders') do |producer|
          producer.send(order)
        end
      rescue Kafka::TopicNotFoundError
        puts 'Topic not found'
      rescue Kafka::MessageTooLargeError
        puts 'Message too large'
      rescue Kafka::TimeoutError
        puts 'Request timed out'
      rescue Kafka::Error => e
        puts "Kafka error: #{e.code} - #{e.message}"

        if e.retriable?
          retry
        end
      end
    end
    expect(out).to start_with('Kafka error: 87 - ') # INVALID_RECORD
  end

  it 'has the brief\'s "Exception Hierarchy"' do
    hierarchy = <<~RUBY
      Kafka::Error # Base class
        Kafka::TopicNotFoundError
        Kafka::PartitionNotFoundError
        Kafka::MessageTooLargeError
        Kafka::NotLeaderError
        Kafka::OffsetOutOfRangeError
        Kafka::GroupCoordinatorError
        Kafka::RebalanceInProgressError
        Kafka::UnauthorizedError
        Kafka::QuotaExceededError
        Kafka::TimeoutError
        Kafka::DisconnectedError
        Kafka::SerializationError
    RUBY
    names = hierarchy.lines.map { |l| l.split('#').first.strip }
    expect(Object.const_get(names.first)).to be < StandardError
    names.drop(1).each { |n| expect(Object.const_get(n)).to be < Kafka::Error }
    expect(Kafka::TimeoutError.new('t', retriable: true)).to be_retriable
  end

  it 'runs "Dead Letter Queue Pattern"' do
    kafka = Kafka::Client.new
    kafka.producer('orders') { |p| [1, 2, 3, 4].each { |i| p.send(order_id: i.to_s, bad: i.even?) } }
    ok = Queue.new
    define_singleton_method(:process_order) do |order|
      raise ProcessingError, "order #{order[:order_id]} is bad" if order[:bad]

      ok << order
    end

    run_until_interrupted(->(_) { ok.size == 2 && read_topic('orders-dlq').size == 2 }) do
      consumer = kafka.consumer('orders', group: 'processor')
      dlq_producer = kafka.producer('orders-dlq')

      consumer.each do |record|
        begin
          process_order(record.value)
        rescue ProcessingError => e
          dlq_producer.send({
            original_record: record.value,
            error: e.message,
            timestamp: Time.now.iso8601
          }, headers: {
            'original-topic' => record.topic,
            'original-partition' => record.partition.to_s,
            'original-offset' => record.offset.to_s
          })
        end
        record.commit
      end
    end
    dead = read_topic('orders-dlq')
    expect(dead.map { |r| r.value[:error] }).to eq(['order 2 is bad', 'order 4 is bad'])
    expect(dead.first.value[:original_record]).to eq(order_id: '2', bad: true)
    expect(dead.map(&:headers)).to eq([
      { 'original-topic' => 'orders', 'original-partition' => '0', 'original-offset' => '1' },
      { 'original-topic' => 'orders', 'original-partition' => '0', 'original-offset' => '3' }
    ])
  end

  it 'runs "Retry with Exponential Backoff"' do
    kafka = Kafka::Client.new
    order = { order_id: '1' }
    attempts_seen = 0
    # The producer's send fails twice with a retriable error, then goes through to the real
    # producer (a test double: the SDK already retries real transient errors before they get
    # here, so they cannot be provoked on demand).
    allow_any_instance_of(Kafka::Producer).to receive(:send).and_wrap_original do |send, *args, **kw|
      attempts_seen += 1
      raise Kafka::TimeoutError.new('timed out', retriable: true) if attempts_seen < 3

      send.call(*args, **kw)
    end
    delays = []
    define_singleton_method(:sleep) { |delay| delays << delay } # the backoff, recorded not slept

    def with_retry(max_attempts: 3, base_delay: 1)
      attempts = 0
      begin
        attempts += 1
        yield
      rescue Kafka::Error => e
        raise unless e.retriable? && attempts < max_attempts

        delay = base_delay * (2 ** (attempts - 1))
        sleep(delay + rand(0.0..delay * 0.1))
        retry
      end
    end

    kafka.producer('orders') do |producer|
      with_retry do
        producer.send(order)
      end
    end

    expect(attempts_seen).to eq(3)
    expect(delays.size).to eq(2)
    expect(delays[0]).to be_between(1, 1.1)
    expect(delays[1]).to be_between(2, 2.2)
    expect(read_topic('orders').map(&:value)).to eq([order])
  end
end
