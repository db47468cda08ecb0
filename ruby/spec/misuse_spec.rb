# frozen_string_literal: true

# The gem survives misuse without crashing the Ruby process: use after close, values that are
# not JSON, Ctrl-C during consumer.each, many threads producing at once, clients left to the GC.
require 'spec_helper'

RSpec.describe 'the gem under misuse' do
  let(:kafka) { Kafka::Client.new }

  it 'raises a Kafka::Error for a consumer or producer used after close' do
    consumer = kafka.consumer('orders', group: 'g')
    consumer.close
    consumer.close # idempotent
    expect { consumer.first }.to raise_error(Kafka::Error, /closed/)
    expect { consumer.commit }.to raise_error(Kafka::Error, /closed/)
    producer = kafka.producer('orders')
    producer.close
    expect { producer.send(n: 1) }.to raise_error(Kafka::Error, /closed/)
    async = kafka.async_producer('orders')
    async.close
    expect { async.send(n: 1) }.to raise_error(Kafka::Error, /closed/)
  end

  it 'ends an iteration on another thread when the consumer is closed, without a crash' do
    kafka.producer('orders') { |p| 3.times { |i| p.send(n: i) } }
    consumer = kafka.consumer('orders', group: 'g')
    seen = Queue.new
    thread = Thread.new { consumer.each { |r| seen << r } }
    wait_until { seen.size == 3 }
    consumer.close
    expect(thread.join(10)).to eq(thread)
    expect(consumer).to be_stopped
  end

  it 'ends each_batch on another thread when the batch consumer is closed' do
    kafka.producer('orders') { |p| 3.times { |i| p.send(n: i) } }
    consumer = kafka.batch_consumer('orders', group: 'b', batch_size: 3, batch_timeout: 5.0)
    batches = Queue.new
    thread = Thread.new { consumer.each_batch { |b| batches << b.size } }
    wait_until { batches.size == 1 }
    consumer.close
    expect(thread.join(10)).to eq(thread)
    expect(batches.pop).to eq(3)
    expect { consumer.each_batch {} }.to raise_error(Kafka::Error, /closed/)
  end

  it 'refuses values that are not JSON with a SerializationError, and keeps going' do
    kafka.producer('orders') do |producer|
      expect { producer.send(Object.new) }.to raise_error(Kafka::SerializationError, /Object/)
      expect { producer.send(n: Float::NAN) }.to raise_error(Kafka::SerializationError)
      expect { producer.send(n: "\xff".b.force_encoding('UTF-8')) }
        .to raise_error(Kafka::SerializationError)
      expect { producer.send({ Object.new => 1 }) }.to raise_error(Kafka::SerializationError, /key/)
      producer.send(at: Time.at(0).utc, tag: :premium, n: Struct.new(:a).new(1))
    end
    expect(read_topic('orders').map(&:value))
      .to eq([{ at: '1970-01-01T00:00:00.000Z', tag: 'premium', n: { a: 1 } }])
  end

  it 'raises SerializationError naming the record for a value that is not JSON' do
    kafka.producer('raw') do |p|
      p.send_raw('{not json')
      p.send_raw("\x00\xff".b, key: 'bin')
    end
    records = read_topic('raw')
    expect { records[0].value }.to raise_error(Kafka::SerializationError, %r{raw/0@0: value is not JSON})
    expect(records[1].raw_value.bytes).to eq([0, 255])
    expect(records[1].key).to eq('bin')
  end

  it 'ends consumer.each on Ctrl-C (Interrupt) within a moment, and the consumer still works' do
    kafka.producer('orders') { |p| p.send(n: 1) }
    consumer = kafka.consumer('orders', group: 'g')
    seen = Queue.new
    thread = Thread.new do
      Thread.current.report_on_exception = false
      consumer.each { |r| seen << r.value }
    end
    wait_until { seen.size == 1 }
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    thread.raise(Interrupt)
    expect { thread.join(10) }.to raise_error(Interrupt)
    expect(Process.clock_gettime(Process::CLOCK_MONOTONIC) - started).to be < 2
    kafka.producer('orders') { |p| p.send(n: 2) }
    # Interrupted while waiting for a second record: the consumer carries on with it.
    expect(consumer.first.value).to eq(n: 2)
    consumer.close
  end

  it 'takes records from 8 Ruby threads producing at once, none lost' do
    threads = Array.new(8) do |t|
      Thread.new do
        kafka.producer('orders') { |p| 500.times { |i| p.send(t: t, i: i) } }
      end
    end
    async = kafka.async_producer('orders')
    senders = Array.new(4) { |t| Thread.new { 250.times { |i| async.send(a: t, i: i) } } }
    (threads + senders).each(&:join)
    async.deliver
    values = read_topic('orders').map(&:value)
    expect(values.size).to eq(5000)
    expect(values.select { |v| v[:t] == 3 }.map { |v| v[:i] }).to eq((0...500).to_a)
    expect(values.count { |v| v.key?(:a) }).to eq(1000)
  end

  it 'lets the GC collect clients, producers and consumers nobody closed' do
    20.times do |i|
      client = Kafka::Client.new
      client.producer('orders').send(n: i)
      client.consumer('orders', group: "gc-#{i}").first
      client.async_producer('orders').send(n: i)
    end
    GC.start
    GC.start
    expect(read_topic('orders').size).to be >= 20 # the unflushed ones flush at finalisation
  end

  it 'raises for a client used after close, and closing it stops its consumers' do
    client = Kafka::Client.new
    consumer = client.consumer('orders', group: 'g')
    thread = Thread.new { consumer.each {} }
    wait_until { consumer.wait_for_assignment(0) }
    client.close
    expect(thread.join(10)).to eq(thread)
    expect { client.consumer('orders', group: 'g') }.to raise_error(Kafka::Error, /closed/)
  end
end
