# frozen_string_literal: true

# The brief's "API Reference", as written: every class it lists exists, with every method it
# lists, taking the parameters it names (the gem may take more: options the brief leaves out).
require 'spec_helper'

API_REFERENCE = <<~'RUBY'
  class Kafka::Client
    def initialize(url: nil, api_key: nil, timeout: 30, retries: 3)
    def producer(topic, **options, &block)
    def async_producer(topic, **options)
    def consumer(topic, group:, **options)
    def batch_consumer(topic, group:, **options)
    def transaction(topic, &block)
    def stream(topic)
    def admin
    def close
  end

  class Kafka::Producer
    def send(value, key: nil, headers: nil, partition: nil)
    def send_batch(records)
    def close
  end

  class Kafka::Consumer
    include Enumerable

    def each(&block)
    def take(n)
    def close
  end

  class Kafka::Record
    attr_reader :topic, :partition, :offset, :key, :value, :timestamp, :headers

    def commit
    def commit_async(&callback)
  end

  class Kafka::Stream
    def filter(&block)
    def map(&block)
    def flat_map(&block)
    def window(tumbling: nil, sliding: nil, session: nil)
    def group_by(&block)
    def reduce(initial, &block)
    def count
    def branch(*conditions)
    def join(other, on:, window:)
    def to(topic)
    def each(&block)
  end
RUBY

RSpec.describe 'the brief: API Reference' do
  classes = API_REFERENCE.split(/^class /).drop(1).map do |text|
    name = text.lines.first.strip
    methods = text.scan(/^\s+def (\w+)(?:\((.*)\))?$/)
    readers = text.scan(/attr_reader (.*)$/).flatten.flat_map { |l| l.scan(/:(\w+)/).flatten }
    [name, methods, readers, text.include?('include Enumerable')]
  end

  classes.each do |name, methods, readers, enumerable|
    describe name do
      let(:klass) { Object.const_get(name) }

      it('includes Enumerable') { expect(klass).to include(Enumerable) } if enumerable

      readers.each do |reader|
        it("reads #{reader}") { expect(klass.public_method_defined?(reader)).to be(true) }
      end

      methods.each do |method, params|
        it "has #{method}(#{params})" do
          m = method == 'initialize' ? klass.instance_method(:initialize) : klass.instance_method(method)
          expect(method == 'initialize' || klass.public_method_defined?(method)).to be(true)
          given = m.parameters
          (params || '').split(/,\s*/).each do |param|
            case param
            when /\A&/ then next # every Ruby method takes a block
            when /\A\*\*/ then expect(given.map(&:first)).to include(:keyrest)
            when /\A\*/ then expect(given.map(&:first)).to include(:rest)
            when /\A(\w+):/
              # a keyword of the brief: taken by name, or by **options
              expect(given.any? { |kind, n| %i[key keyreq].include?(kind) && n == Regexp.last_match(1).to_sym } ||
                     given.any? { |kind, _| kind == :keyrest }).to be(true), "#{param} of #{method}"
            else
              # a positional parameter of the brief: the method takes a positional argument there
              expect(given.count { |kind, _| %i[req opt rest].include?(kind) }).to be >= 1
            end
          end
        end
      end
    end
  end
end
