# frozen_string_literal: true

# The brief's "Configuration", verbatim inside each example.
require 'spec_helper'

RSpec.describe 'the brief: configuration' do
  let(:order) { { order_id: '1', amount: 5.0 } }

  it 'reads KAFKA_DO_URL and KAFKA_DO_API_KEY ("Environment Variables")' do
    # The brief's hosted https://kafka.do is not a backend of this gem: the URL is refused by
    # name. The same variables with a URL the gem knows select that backend.
    ENV['KAFKA_DO_URL'] = 'https://kafka.do'
    ENV['KAFKA_DO_API_KEY'] = 'your-api-key'
    expect { Kafka::Client.new }.to raise_error(Kafka::ConfigError, %r{'https://kafka.do'.*unknown scheme})
    ENV['KAFKA_DO_URL'] = 'memory:'
    expect(Kafka::Client.new.url).to eq('memory:')
  ensure
    ENV.delete('KAFKA_DO_API_KEY')
  end

  it 'runs "Client Configuration" (and refuses the hosted URL clearly)' do
    expect do
      kafka = Kafka::Client.new(
        url: 'https://kafka.do',
        api_key: 'your-api-key',
        timeout: 30,
        retries: 3
      )
    end.to raise_error(Kafka::ConfigError, /use file:PATH, memory: or kafka:/)

    kafka = Kafka::Client.new(url: 'memory:', api_key: 'your-api-key', timeout: 30, retries: 3)
    expect(kafka.url).to eq('memory:')
    expect { Kafka::Client.new(timeout: -1) }.to raise_error(Kafka::ConfigError)
    expect { Kafka::Client.new(retries: -1) }.to raise_error(Kafka::ConfigError, /retries/)
  end

  it 'runs "Producer Configuration"' do
    kafka = Kafka::Client.new
    kafka.producer('orders',
      batch_size: 16_384,
      linger_ms: 5,
      compression: :gzip,
      acks: :all,
      retries: 3,
      retry_backoff_ms: 100
    ) do |producer|
      producer.send(order)
    end
    expect(read_topic('orders').map(&:value)).to eq([order])
    expect { kafka.producer('orders', compression: :brotli) }
      .to raise_error(Kafka::ConfigError, /compression/)
    expect { kafka.producer('orders', lingr_ms: 5) }.to raise_error(Kafka::ConfigError, /lingr_ms/)
  end

  it 'runs "Consumer Configuration"' do
    kafka = Kafka::Client.new
    consumer = kafka.consumer('orders', group: 'processor',
      offset: :latest,
      auto_commit: false,
      fetch_min_bytes: 1,
      fetch_max_wait_ms: 500,
      max_poll_records: 500,
      session_timeout: 30_000,
      heartbeat_interval: 3_000
    )
    # offset: :latest: only what is produced once the consumer has its partitions.
    kafka.producer('orders') { |p| p.send(order_id: 'before') }
    expect(consumer.wait_for_assignment(10)).to be(true)
    kafka.producer('orders') { |p| p.send(order) }
    expect(consumer.poll(10).value).to eq(order)
    consumer.close
    expect(kafka.admin.describe_group('processor').partitions).to be_empty.or(
      all(have_attributes(committed: -1))
    ) # auto_commit: false commits nothing
    expect { kafka.consumer('orders', group: 'g', session_timeout: 'long') }
      .to raise_error(Kafka::ConfigError, /session_timeout_ms/)
  end
end
