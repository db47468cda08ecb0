# frozen_string_literal: true

# The brief's "Topic Administration" and "Consumer Groups", verbatim inside each example.
require 'spec_helper'

RSpec.describe 'the brief: administration' do
  let(:kafka) { Kafka::Client.new }

  it 'runs "Topic Administration"' do
    kafka.admin.create_topic('old-events')
    out = capture_stdout do
      admin = kafka.admin

      # Create topic
      admin.create_topic('orders',
        partitions: 3,
        retention_ms: 7 * 24 * 60 * 60 * 1000 # 7 days
      )

      # List topics
      admin.list_topics.each do |topic|
        puts "#{topic.name}: #{topic.partitions} partitions"
      end

      # Describe topic
      info = admin.describe_topic('orders')
      puts "Partitions: #{info.partitions}"
      puts "Retention: #{info.retention_ms}ms"

      # Alter topic
      admin.alter_topic('orders',
        retention_ms: 30 * 24 * 60 * 60 * 1000 # 30 days
      )

      # Delete topic
      admin.delete_topic('old-events')
    end
    expect(out).to eq(<<~TEXT)
      old-events: 1 partitions
      orders: 3 partitions
      Partitions: 3
      Retention: 604800000ms
    TEXT
    expect(kafka.admin.describe_topic('orders').retention_ms).to eq(30 * 24 * 60 * 60 * 1000)
    expect(kafka.admin.list_topics.map(&:name)).to eq(['orders'])
    expect { kafka.admin.describe_topic('old-events') }.to raise_error(Kafka::TopicNotFoundError)
  end

  it 'runs "Consumer Groups"' do
    kafka.producer('orders') { |p| 5.times { |i| p.send(order_id: i.to_s) } }
    consumer = kafka.consumer('orders', group: 'order-processor', auto_commit: false)
    consumer.take(3).each(&:commit)
    consumer.close
    yesterday = Time.now - 86_400

    out = capture_stdout do
      admin = kafka.admin

      # List groups
      admin.list_groups.each do |group|
        puts "Group: #{group.id}, Members: #{group.member_count}"
      end

      # Describe group
      info = admin.describe_group('order-processor')
      puts "State: #{info.state}"
      puts "Members: #{info.members}"
      puts "Total Lag: #{info.total_lag}"

      # Reset offsets
      admin.reset_offsets('order-processor', 'orders', :earliest)

      # Reset to timestamp
      admin.reset_offsets('order-processor', 'orders', yesterday)
    end
    expect(out).to eq(<<~TEXT)
      Group: order-processor, Members: 0
      State: Empty
      Members: []
      Total Lag: 2
    TEXT
    # Reset to yesterday: every record is newer, so the group starts over at offset 0.
    expect(kafka.admin.describe_group('order-processor').total_lag).to eq(5)
    expect(kafka.admin.reset_offsets('order-processor', 'orders', :latest, dry_run: true)
                .map(&:to)).to eq([5])
  end
end
