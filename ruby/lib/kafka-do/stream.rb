# frozen_string_literal: true

module Kafka
  # The brief's stream processing DSL (kafka.stream('orders')), on the C++ streams engine:
  #
  #   kafka.stream('orders')
  #     .filter { |order| order[:amount] > 100 }
  #     .map { |order| order.merge(tier: 'premium') }
  #     .to('high-value-orders')
  #
  # A chain runs when it reaches a terminal operation (to, each, branch): that call consumes the
  # input as the consumer group `application_id` and returns when the run ends (Ctrl-C,
  # Client#close, stop from another thread, or, with until_caught_up: true, once the input present
  # at the start is processed). The blocks are called on the thread that called the terminal
  # operation, one at a time, with values as Hashes with symbol keys. Semantics (event time,
  # windows, joins, state, at-least-once): docs/streams.md; the Ruby side: docs/ruby.md.
  #
  # Streams made from one client share a topology until one of them runs, so
  # `orders.join(customers, ...)` joins two streams of the same run.
  class Stream
    # What kafka.stream creates: one topology, the functions its operators call, its options.
    class Topology
      attr_reader :native, :functions, :options, :client

      def initialize(client, options)
        @client = client
        @options = options
        @native = FFI::AutoPointer.new(Native.out_pointer(:kd_topology_new),
                                       Native.method(:kd_topology_free))
        @functions = []
      end

      def function(block)
        raise ArgumentError, 'this operation needs a block' unless block

        @functions << block
        @functions.size - 1
      end

      def source(topics)
        array, keep = Native.string_array(topics)
        node = FFI::MemoryPointer.new(:int)
        Native.check(Native.kd_topology_stream(@native, array, topics.size, node))
        keep
        node.read_int
      end

      def table(topic)
        node = FFI::MemoryPointer.new(:int)
        Native.check(Native.kd_topology_table(@native, topic.to_s, node))
        node.read_int
      end

      def op(node, description)
        out = FFI::MemoryPointer.new(:int)
        Native.check(Native.kd_topology_op(@native, node, JSON.generate(description), out))
        out.read_int
      end

      # Runs the topology until it ends; the functions are called here, on this thread.
      def run
        @client.send(:topology_ran, self)
        run = FFI::AutoPointer.new(
          Native.out_pointer(:kd_topology_start, @native, @client.native, run_options),
          Native.method(:kd_run_free)
        )
        serve(run)
        Native.check(Native.kd_run_outcome(run))
        nil
      ensure
        run&.free
      end

      private

      def run_options
        out = @options.dup
        { commit_interval: :commit_interval_ms, session_timeout: :session_timeout_ms,
          idle_timeout: :idle_timeout_ms, max_task_idle: :max_task_idle_ms }.each do |s, ms|
          out[ms] = Options.seconds_to_ms(out.delete(s), s) if out.key?(s)
        end
        out[:on_error] = out[:on_error].to_s if out.key?(:on_error)
        JSON.generate(out)
      end

      # Answers the run's calls until it finishes. A block that raises fails the run (the run's
      # on_error decides what happens to the record); the block's exception is what this raises.
      def serve(run)
        call = Native::Call.new
        finished = FFI::MemoryPointer.new(:int)
        failure = nil
        loop do
          Native.check(Native.kd_run_next_call(run, 100, call, finished))
          break if finished.read_int == 1
          next if call[:function].negative?

          args = JSON.parse(call[:args].read_bytes(call[:args_len]), symbolize_names: true)
          begin
            result = JSON.generate(Serialization.plain(@functions.fetch(call[:function]).call(*args)))
          rescue StandardError => e
            failure ||= e if @options[:on_error].to_s != 'log_and_continue'
            Native.check(Native.kd_run_fail(run, "#{e.class}: #{e.message}"))
            next
          end
          Native.check(Native.kd_run_answer(run, result, result.bytesize))
        end
        raise failure if failure
      rescue Exception # rubocop:disable Lint/RescueException -- Interrupt: stop the run first
        Native.kd_run_stop(run)
        raise
      end
    end

    # A window of a windowed aggregation: value, start and end (Times), key.
    Window = Struct.new(:key, :value, :start, :end)

    # `windowed`: a windowed aggregation's chain (its each yields Windows).
    def initialize(topology, node, windowed: false)
      @topology = topology
      @node = node
      @windowed = windowed
    end

    attr_reader :node

    def filter(&block)
      chain('filter', fn: predicate(block))
    end

    def map(&block)
      chain('map', fn: function(block))
    end

    def flat_map(&block)
      chain('flat_map', fn: function(block))
    end

    def key_by(&block)
      chain('key_by', fn: function(block))
    end

    def peek(&block)
      chain('peek', fn: function(block))
    end

    def merge(other)
      chain('merge', other: other.node)
    end

    # window(tumbling: '5m'), window(hopping: '5m', advance: '1m'), window(sliding: '10s'),
    # window(session: '30m'); grace: '1m' keeps windows open for late records.
    def window(tumbling: nil, sliding: nil, session: nil, hopping: nil, advance: nil, grace: nil)
      spec = { tumbling: tumbling, sliding: sliding, session: session, hopping: hopping,
               advance: advance, grace: grace }.compact.transform_values { |d| duration(d) }
      chain('window', windowed: true, **spec)
    end

    # With a block: groups by what it returns; without: by the record key.
    def group_by(&block)
      block ? chain('group_by', fn: function(block)) : chain('group_by_key')
    end

    def count(name: nil)
      chain('count', **{ name: name }.compact)
    end

    def reduce(initial, name: nil, &block)
      chain('reduce', initial: Serialization.plain(initial), fn: function(block),
                      **{ name: name }.compact)
    end

    # aggregate(initial) { |key, value, aggregate| ... }
    def aggregate(initial, name: nil, &block)
      chain('aggregate', initial: Serialization.plain(initial), fn: function(block),
                         **{ name: name }.compact)
    end

    # join(customers, on: ->(order, customer) { ... }, window: '1h'); without on:, equal keys.
    def join(other, on: nil, window: nil, grace: nil, type: :inner)
      spec = { other: other.node }
      spec[:on] = predicate(on) if on
      spec[:window] = duration(window) if window
      spec[:grace] = duration(grace) if grace
      chain({ inner: 'join', left: 'left_join', outer: 'outer_join' }.fetch(type), windowed: false,
            **spec)
    end

    def left_join(other, **options)
      join(other, **options, type: :left)
    end

    def outer_join(other, **options)
      join(other, **options, type: :outer)
    end

    def to_stream
      chain('to_stream', windowed: false)
    end

    # A windowed aggregation's every change, not only each window's final value at its close.
    def updates
      chain('updates')
    end

    # Terminal: writes every record to `topic`, and runs.
    def to(topic)
      @topology.op(@node, op: 'to', topic: topic.to_s)
      @topology.run
    end

    # Terminal: calls the block for every record (|value| or |key, value|; a windowed table
    # gives |key, window|, a join |left, right|), and runs.
    def each(&block)
      raise ArgumentError, 'each needs a block' unless block

      windowed = @windowed
      wrapped = lambda do |first, second|
        if windowed
          second = Window.new(first, second[:value], Time.at(Rational(second[:start_ms], 1000)),
                              Time.at(Rational(second[:end_ms], 1000)))
        end
        block.arity == 1 ? block.call(second) : block.call(first, second)
        nil
      end
      @topology.op(@node, op: 'each', fn: @topology.function(wrapped))
      @topology.run
    end

    # Terminal: branch([->(o) { ... }, 'topic'], ...): each record goes to the first branch whose
    # condition holds (records no branch takes are dropped), and runs.
    def branch(*conditions)
      branches = conditions.map do |condition, topic|
        { fn: predicate(condition), topic: topic.to_s }
      end
      @topology.op(@node, op: 'branch', branches: branches)
      @topology.run
    end

    private

    def chain(name, windowed: @windowed, **spec)
      Stream.new(@topology, @topology.op(@node, op: name, **spec), windowed: windowed)
    end

    def function(block)
      @topology.function(block)
    end

    def predicate(callable)
      @topology.function(->(*args) { callable.call(*args) ? true : false })
    end

    def duration(value)
      value.is_a?(Numeric) ? (value * 1000).round : value.to_s # seconds, or '5m'
    end
  end
end
