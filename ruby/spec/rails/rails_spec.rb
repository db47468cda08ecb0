# frozen_string_literal: true

# The brief's "Rails Integration": the initializer, the Order model's after_create callback and
# the KafkaConsumerJob, as written, in a minimal Rails 6.1 app (spec/rails/app) on SQLite.
# Runs in an rspec process of its own (tests/ruby/run_specs.sh): Rails changes core classes.
require 'spec_helper'
require 'tmpdir'
require 'securerandom'
require 'yaml'

RSpec.describe 'the brief: Rails integration' do
  before(:all) do
    @tmp = Dir.mktmpdir('kafka-do-rails')
    ENV['KAFKA_DO_RAILS_TMP'] = @tmp
    ENV['RAILS_ENV'] = 'test'
    # The job consumes orders created before it started (the SDK's default is the latest offset).
    ENV['KAFKA_DO_DEFAULT_OFFSET'] = 'earliest'
    # The credentials the brief's initializer reads: the embedded engine in a directory of this
    # spec (a Rails app in production would name kafka://... here).
    require 'active_support/encrypted_configuration'
    key = SecureRandom.hex(16)
    File.write(File.join(@tmp, 'master.key'), key)
    ActiveSupport::EncryptedConfiguration.new(
      config_path: File.join(@tmp, 'credentials.yml.enc'), key_path: File.join(@tmp, 'master.key'),
      env_key: 'RAILS_MASTER_KEY', raise_if_missing_key: true
    ).write({ 'kafka' => { 'url' => "file:#{@tmp}/kafka-data", 'api_key' => nil } }.to_yaml)

    require_relative 'app/config/application'
    Rails.application.initialize!
    ActiveRecord::Schema.verbose = false
    ActiveRecord::Schema.define do
      create_table :orders do |t|
        t.string :customer_id
        t.decimal :amount, precision: 10, scale: 2
        t.timestamps
      end
    end
  end

  after(:all) { FileUtils.rm_rf(@tmp) }

  it 'publishes each new Order in after_create' do
    order = Order.create!(customer_id: 'cust-7', amount: 12.5)
    kafka = Rails.application.config.kafka
    expect(kafka.url).to eq("file:#{@tmp}/kafka-data")
    record = kafka.consumer('orders', group: "check-#{SecureRandom.hex(4)}", offset: :earliest).first
    expect(record.value).to eq(id: order.id, customer_id: 'cust-7', amount: 12.5,
                               created_at: order.created_at.iso8601)
  end

  it 'consumes them in KafkaConsumerJob, enqueuing ProcessOrderJob per order' do
    orders = Array.new(3) { |i| Order.create!(customer_id: "c-#{i}", amount: i + 0.25) }
    job = Thread.new do
      Thread.current.report_on_exception = false
      KafkaConsumerJob.perform_now
    rescue Interrupt
      :stopped
    end
    ids = -> { ActiveJob::Base.queue_adapter.enqueued_jobs.select { |j| j[:job] == ProcessOrderJob }.map { |j| j[:args].first['id'] } }
    wait_until(20, 'ProcessOrderJob to be enqueued for the orders') do
      (orders.map(&:id) - ids.call).empty? || !job.alive?
    end
    job.raise(Interrupt)
    expect(job.value).to eq(:stopped)
    # Every order was committed by the job's consumer group.
    admin = Rails.application.config.kafka.admin
    wait_until { admin.describe_group('rails-processor').total_lag.zero? }
  end
end
