# frozen_string_literal: true

module Kafka
  # The entry point (the brief's Kafka::Client). The URL picks the backend, as in C++:
  #   nil / 'file:PATH'     the embedded durable engine in this process (default ./kafka-do-data)
  #   'memory:'             the embedded engine in memory (tests)
  #   'kafka://host:port'   a Kafka-protocol broker (kafkado serve, Apache Kafka, ...)
  # url and api_key default to KAFKA_DO_URL and KAFKA_DO_API_KEY. timeout is in seconds.
  # Beyond the brief: default_offset (:latest, or :earliest), auto_create_topics,
  # default_partitions, durability (:every_batch, :interval, :os).
  #
  # Thread-safe. close ends the iteration of every consumer made from the client, then releases
  # the backend once the producers and consumers made from it are gone.
  class Client
    def initialize(url: nil, api_key: nil, timeout: 30, retries: 3, **options)
      @native = FFI::AutoPointer.new(
        Native.out_pointer(self.class.native_constructor,
                           Options.client(url: url, api_key: api_key, timeout: timeout,
                                          retries: retries, **options)),
        Native.method(:kd_client_free)
      )
      @consumers = ObjectSpace::WeakMap.new
      @lock = Mutex.new
      @closed = false
    end

    def self.native_constructor
      :kd_client_new
    end

    def url
      Native.kd_client_url(native)
    end

    # With a block: yields the producer, then flushes and closes it (if the block raises, what
    # was sent is flushed and the exception propagates). Without: returns it.
    def producer(topic, **options)
      producer = Producer.new(self, topic, options)
      return producer unless block_given?

      begin
        yield producer
      rescue Exception # rubocop:disable Lint/RescueException -- flush, then let it propagate
        begin
          producer.flush
        rescue Kafka::Error
          nil # the block's exception is the one that matters
        end
        raise
      end
      producer.close
    end

    def async_producer(topic, **options)
      AsyncProducer.new(self, topic, options)
    end

    # consumer('orders', group: 'processor', offset: :earliest, auto_commit: true,
    # max_poll_records: 100, session_timeout: 30_000, ...). `topic` may be an Array.
    def consumer(topic, group: nil, **options)
      options = options.merge(group: group) if group
      track(Consumer.new(self, topic, options))
    end

    # batch_consumer('orders', group: 'g', batch_size: 100, batch_timeout: 5.0, ...)
    def batch_consumer(topic, group: nil, **options)
      options = options.merge(group: group) if group
      track(BatchConsumer.new(self, topic, options))
    end

    # One transaction: yields a Kafka::Transaction and commits when the block returns; aborts
    # and re-raises when it raises. Options: transactional_id, timeout (seconds).
    def transaction(topic, transactional_id: nil, timeout: nil)
      options = {}
      options[:transactional_id] = transactional_id if transactional_id
      options[:timeout_ms] = Options.seconds_to_ms(timeout, :timeout) if timeout
      pointer = Native.out_pointer(:kd_client_begin_transaction, native, topic.to_s,
                                   JSON.generate(options))
      tx = FFI::AutoPointer.new(pointer, Native.method(:kd_transaction_free))
      begin
        result = yield Transaction.new(tx, topic.to_s)
      rescue Exception # rubocop:disable Lint/RescueException -- abort, then let it propagate
        Native.kd_transaction_abort(tx)
        raise
      end
      Native.check(Native.kd_transaction_commit(tx))
      result
    ensure
      tx&.free
    end

    def admin
      Admin.new(self)
    end

    def close
      consumers = @lock.synchronize do
        @closed = true
        @consumers.keys
      end
      consumers.each(&:stop)
      Native.check(Native.kd_client_close(native))
      nil
    end

    def closed?
      @closed
    end

    # The kd_client handle (for the gem's own classes).
    def native
      raise Kafka::Error, 'the client was closed' if @closed && !@native

      @native
    end

    private

    def track(consumer)
      @lock.synchronize do
        raise Kafka::Error, 'the client was closed' if @closed

        @consumers[consumer] = true
      end
      consumer
    end
  end
end

module Kafka
  class Client
    # kafka.stream('orders') (or several topics): the start of a stream processing chain. Options
    # (the first stream of a topology sets them): application_id, until_caught_up,
    # from_beginning, commit_interval (s), on_error (:fail, :log_and_continue),
    # dead_letter_topic.
    def stream(topic, **options)
      topology = current_topology(options)
      Stream.new(topology, topology.source(Array(topic)))
    end

    # The latest value per key of a (compacted) topic, to join streams with.
    def table(topic)
      topology = current_topology({})
      Stream.new(topology, topology.table(topic))
    end

    private

    def current_topology(options)
      @lock.synchronize do
        @topology ||= Stream::Topology.new(self, options)
      end
    end

    # A topology runs once: the next stream starts a new one.
    def topology_ran(topology)
      @lock.synchronize { @topology = nil if @topology.equal?(topology) }
    end
  end
end
