# frozen_string_literal: true

# The brief's opening snippet, "Quick Start" and "Producing Messages", verbatim inside each
# example; what surrounds a block is the test's (defining `kafka`, `order`, checking results).
require 'spec_helper'

RSpec.describe 'the brief: producing' do
  let(:kafka) { Kafka::Client.new }
  let(:order) { { order_id: '200', amount: 10.5 } }

  def values(topic)
    read_topic(topic)
  end

  it 'runs the opening snippet' do
    kafka.producer('orders') do |producer|
      producer.send(order_id: '123', amount: 99.99)
    end

    expect(values('orders').map(&:value)).to eq([{ order_id: '123', amount: 99.99 }])
  end

  it 'runs the Quick Start' do
    out = run_until_interrupted(->(printed) { printed.include?('Received') }) do
      require 'kafka-do'

      kafka = Kafka::Client.new

      # Produce
      kafka.producer('orders') do |producer|
        producer.send(order_id: '123', amount: 99.99)
      end

      # Consume
      kafka.consumer('orders', group: 'my-processor').each do |record|
        puts "Received: #{record.value}"
        record.commit
      end
    end
    expect(out).to eq("Received: {:order_id=>\"123\", :amount=>99.99}\n")
    expect(kafka.admin.describe_group('my-processor').total_lag).to eq(0)
  end

  it 'runs "Simple Producer"' do
    kafka = Kafka::Client.new

    kafka.producer('orders') do |producer|
      # Send single message
      producer.send(order_id: '123', amount: 99.99)

      # Send with key for partitioning
      producer.send({ order_id: '123', amount: 99.99 }, key: 'customer-456')

      # Send with headers
      producer.send(
        { order_id: '123' },
        key: 'customer-456',
        headers: { 'correlation-id' => 'abc-123' }
      )
    end

    records = values('orders')
    expect(records.map(&:value)).to eq([{ order_id: '123', amount: 99.99 },
                                        { order_id: '123', amount: 99.99 },
                                        { order_id: '123' }])
    expect(records.map(&:key)).to eq([nil, 'customer-456', 'customer-456'])
    expect(records.last.headers).to eq('correlation-id' => 'abc-123')
  end

  it 'runs "Batch Producer"' do
    kafka.producer('orders') do |producer|
      # Send batch
      producer.send_batch([
        { order_id: '124', amount: 49.99 },
        { order_id: '125', amount: 149.99 },
        { order_id: '126', amount: 29.99 }
      ])

      # Send batch with keys
      producer.send_batch([
        { key: 'cust-1', value: { order_id: '124' } },
        { key: 'cust-2', value: { order_id: '125' } }
      ])
    end

    records = values('orders')
    expect(records.map(&:value)).to eq([{ order_id: '124', amount: 49.99 },
                                        { order_id: '125', amount: 149.99 },
                                        { order_id: '126', amount: 29.99 },
                                        { order_id: '124' }, { order_id: '125' }])
    expect(records.map(&:key)).to eq([nil, nil, nil, 'cust-1', 'cust-2'])
  end

  it 'runs "Async Producer"' do
    Thread.current[:stdout] = out = StringIO.new

    producer = kafka.async_producer('orders')

    # Non-blocking send
    producer.send(order_id: '123', amount: 99.99)
    producer.send(order_id: '124', amount: 49.99)

    # Force delivery of buffered messages
    producer.deliver

    # With delivery callbacks
    producer.send(order, &:delivery_report)

    producer.on_delivery do |report|
      if report.error?
        puts "Delivery failed: #{report.error}"
      else
        puts "Delivered to partition #{report.partition} offset #{report.offset}"
      end
    end

    # The test's: reports are handled when something drains them (deliver, poll, close); the
    # third record's comes after on_delivery was set, so it is printed.
    producer.deliver
    expect(out.string).to eq("Delivered to partition 0 offset 2\n")
    expect(values('orders').map(&:value)).to eq([{ order_id: '123', amount: 99.99 },
                                                 { order_id: '124', amount: 49.99 }, order])
  ensure
    Thread.current[:stdout] = nil
  end

  it 'runs "Transactional Producer"' do
    kafka.transaction('orders') do |tx|
      tx.send(order_id: '123', status: 'created')
      tx.send(order_id: '123', status: 'validated')
      # Automatically commits on success, aborts on exception
    end

    expect { kafka.transaction('orders') { |tx| tx.send(order_id: '9'); raise 'no' } }
      .to raise_error(RuntimeError, 'no')
    expect(values('orders').map { |r| r.value[:status] }).to eq(%w[created validated])
  end
end
