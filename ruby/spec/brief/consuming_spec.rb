# frozen_string_literal: true

# The brief's "Consuming Messages", verbatim inside each example. A consumer is a stream that
# never ends, so the examples that iterate forever run until they have done their work and are
# then stopped with Ctrl-C (Interrupt), as a user stops them.
require 'spec_helper'
require 'concurrent'
require 'async'
require 'kafka-do/async'

RSpec.describe 'the brief: consuming' do
  let(:kafka) { Kafka::Client.new }
  let(:orders) do
    (1..6).map { |i| { order_id: i.to_s, amount: i * 40.0, customer_id: "c-#{i % 2}" } }
  end

  before do |example|
    kafka.producer('orders') { |p| orders.each { |o| p.send(o) } } unless example.metadata[:own_data]
    @processed = Queue.new
  end

  def process_order(order)
    @processed << order
  end

  def process_high_value_order(order)
    @processed << order
  end

  def processed
    Array.new(@processed.size) { @processed.pop }
  end

  it 'runs "Basic Consumer with Block"' do
    out = run_until_interrupted(->(_) { @processed.size == 6 }) do
      kafka.consumer('orders', group: 'order-processor').each do |record|
        puts "Topic: #{record.topic}"
        puts "Partition: #{record.partition}"
        puts "Offset: #{record.offset}"
        puts "Key: #{record.key}"
        puts "Value: #{record.value}"
        puts "Timestamp: #{record.timestamp}"
        puts "Headers: #{record.headers}"

        process_order(record.value)
        record.commit
      end
    end
    expect(processed).to eq(orders)
    expect(out.lines.first).to eq("Topic: orders\n")
    expect(out).to include("Offset: 5\n", "Value: #{orders.last}\n", "Headers: {}\n")
    wait_until { kafka.admin.describe_group('order-processor').total_lag.zero? }
  end

  it 'runs "Consumer with Enumerable Methods"' do
    consumer = nil # the test's: so that it can close the consumer the example leaves open
    run_until_interrupted(->(_) { @processed.size == 4 }) do
      consumer = kafka.consumer('orders', group: 'processor')

      # Select and process
      consumer
        .select { |r| r.value[:amount] > 100 }
        .map(&:value)
        .each { |order| process_high_value_order(order) }
    end
    expect(processed).to eq(orders.select { |o| o[:amount] > 100 })
    consumer.close # commits what iteration moved past: all six (it was waiting for a seventh)

    kafka.producer('orders') { |p| 10.times { |i| p.send(order_id: "t-#{i}", amount: 1) } }
    consumer = kafka.consumer('orders', group: 'processor')

    # Take specific number
    consumer.take(10).each do |record|
      process_order(record.value)
      record.commit
    end
    # the group resumes where the first consumer stopped: after the six orders
    expect(processed.map { |o| o[:order_id] }).to eq((0..9).map { |i| "t-#{i}" })
  end

  it 'runs "Consumer with Options"' do
    consumer = nil # the test's: to close the consumer the example leaves open
    run_until_interrupted(->(_) { @processed.size == 6 }) do
      consumer = kafka.consumer('orders', group: 'processor',
        offset: :earliest,
        auto_commit: true,
        max_poll_records: 100,
        session_timeout: 30_000
      )

      consumer.each do |record|
        process_order(record.value)
        # Auto-committed
      end
    end
    expect(processed).to eq(orders)
    # auto_commit commits what iteration moved past: all six, since Interrupt came while the
    # consumer waited for a seventh (closing commits at once instead of at the next interval).
    consumer.close
    expect(kafka.admin.describe_group('processor').partitions.first.committed).to eq(6)
  end

  it 'runs "Consumer from Timestamp"', own_data: true do
    # A record from two days ago, then the six orders: a replay since yesterday starts after it.
    kafka.producer('orders') do |p|
      p.send({ order_id: 'old' }, timestamp: Time.now - (2 * 86_400))
      orders.each { |o| p.send(o) }
    end
    printed = run_until_interrupted(->(out) { out.lines.size == 6 }) do
      yesterday = Time.now - 86_400

      consumer = kafka.consumer('orders', group: 'replay',
        offset: yesterday
      )

      consumer.each do |record|
        puts "Replaying: #{record.value}"
      end
    end
    expect(printed).to eq(orders.map { |o| "Replaying: #{o}\n" }.join)
  end

  it 'runs "Batch Consumer"' do
    run_until_interrupted(->(_) { @processed.size == 6 }) do
      consumer = kafka.batch_consumer('orders', group: 'batch-processor',
        batch_size: 100,
        batch_timeout: 5.0
      )

      consumer.each_batch do |batch|
        batch.each do |record|
          process_order(record.value)
        end
        batch.commit
      end
    end
    expect(processed).to eq(orders)
    expect(kafka.admin.describe_group('batch-processor').total_lag).to eq(0)
  end

  it 'runs "Parallel Consumer with Thread Pool"' do
    kafka.producer('orders') { |p| 200.times { |i| p.send(order_id: "p-#{i}", amount: i) } }
    def process_order(order)
      sleep(rand * 0.002) # finishing out of order
      @processed << order
    end
    run_until_interrupted(->(_) { @processed.size == 206 }) do
      require 'concurrent'

      pool = Concurrent::FixedThreadPool.new(10)
      consumer = kafka.consumer('orders', group: 'parallel-processor')

      consumer.each do |record|
        pool.post do
          process_order(record.value)
          record.commit
        end
      end

      pool.shutdown
      pool.wait_for_termination
    end
    expect(processed.map { |o| o[:order_id] }.sort).to eq((orders.map { |o| o[:order_id] } +
                                                           (0..199).map { |i| "p-#{i}" }).sort)
    # Commits from 10 threads in any order still reach the end: nothing skipped, nothing left.
    wait_until { kafka.admin.describe_group('parallel-processor').total_lag.zero? }
  end

  it 'runs "Consumer with Fibers (Async)"' do
    def process_order(order)
      Async::Task.current.sleep(rand * 0.01) # yields to the other fibers
      @processed << order
    end
    run_until_interrupted(->(_) { @processed.size == 6 }) do
      require 'async'
      require 'kafka-do/async'

      Async do
        kafka = Kafka::AsyncClient.new

        kafka.consumer('orders', group: 'async-processor').each do |record|
          Async do
            process_order(record.value)
            record.commit
          end
        end
      end
    end
    expect(processed.map { |o| o[:order_id] }.sort).to eq(orders.map { |o| o[:order_id] }.sort)
    wait_until { kafka.admin.describe_group('async-processor').total_lag.zero? }
  end
end
