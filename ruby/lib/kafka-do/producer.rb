# frozen_string_literal: true

module Kafka
  # Shared by Producer, AsyncProducer and Transaction: the brief's two call shapes,
  # send(order_id: '1') and send({ order_id: '1' }, key: 'k', headers: { ... }).
  module Sending
    SEND_OPTIONS = %i[key headers partition timestamp].freeze
    MESSAGE_KEYS = %i[key value headers partition timestamp].freeze

    private

    # [value, options] from send's arguments: without a positional value, every keyword is part
    # of the value (an order may well have a field named :key).
    def split_send_arguments(args, kwargs)
      if args.empty?
        raise ArgumentError, 'send needs a value' if kwargs.empty?

        return [kwargs, {}]
      end
      raise ArgumentError, "send takes one value, got #{args.size}" if args.size > 1

      unknown = kwargs.keys - SEND_OPTIONS
      raise ArgumentError, "unknown send option(s): #{unknown.join(', ')}" unless unknown.empty?

      [args.first, kwargs]
    end

    # send_batch's records as [value, options] pairs: either plain values, or Hashes of
    # { key:, value:, headers:, partition: } (every element with a :value and nothing else).
    def batch_entries(records)
      messages = !records.empty? && records.all? do |r|
        r.is_a?(Hash) && r.key?(:value) && (r.keys - MESSAGE_KEYS).empty?
      end
      records.map do |r|
        messages ? [r[:value], r.reject { |k, _| k == :value }] : [r, {}]
      end
    end

    # Calls the block with (value bytes or nil, their length, kd_send_options or nil). With raw,
    # `value` is the bytes themselves (a String, or nil), sent untouched.
    def with_native_record(value, options, raw: false)
      bytes = raw ? raw_bytes(value) : Serialization.dump(value)
      native, keep = Native.send_options(**options)
      result = yield bytes, bytes ? bytes.bytesize : 0, native
      keep # the buffers native points into live until here
      result
    end

    def raw_bytes(value)
      return nil if value.nil?
      raise ArgumentError, "send_raw takes a String, not a #{value.class}" unless value.is_a?(String)

      value
    end
  end

  # The brief's Kafka::Producer: send queues a record, errors of earlier batches surface at the
  # next send, flush or close. One thread at a time.
  class Producer
    include Sending

    attr_reader :topic

    def initialize(client, topic, options = {})
      @topic = topic.to_s
      pointer = Native.out_pointer(:kd_client_producer, client.native, @topic,
                                   Options.producer(options))
      @native = FFI::AutoPointer.new(pointer, Native.method(:kd_producer_free))
      @client = client
    end

    def send(*args, **kwargs)
      value, options = split_send_arguments(args, kwargs)
      with_native_record(value, options) do |bytes, length, native|
        Native.check(Native.kd_producer_send(@native, bytes, length, native))
      end
      self
    end

    # Sends the String's bytes as they are (no JSON): binary payloads, other formats.
    def send_raw(bytes, **options)
      with_native_record(bytes, options, raw: true) do |data, length, native|
        Native.check(Native.kd_producer_send(@native, data, length, native))
      end
      self
    end

    def send_batch(records)
      batch_entries(records).each { |value, options| send(value, **options) }
      self
    end

    def flush
      Native.check(Native.kd_producer_flush(@native))
      self
    end

    def close
      Native.check(Native.kd_producer_close(@native))
      nil
    end
  end

  # One record's outcome (AsyncProducer): error is nil on success.
  class DeliveryReport
    attr_reader :topic, :partition, :offset, :error

    def initialize(topic, partition, offset, error)
      @topic = topic
      @partition = partition
      @offset = offset
      @error = error
    end

    def error?
      !@error.nil?
    end

    def ok?
      @error.nil?
    end

    # The report itself, so that `send(order, &:delivery_report)` hands the block the report.
    def delivery_report
      self
    end
  end

  # The brief's async producer: send returns at once; `deliver` sends what is buffered and waits.
  # Delivery reports go to the block given to send and to the on_delivery handler. They run on
  # the Ruby thread that calls deliver, poll, send or close (never on a thread of the library),
  # as librdkafka's callbacks run in rd_kafka_poll. Thread-safe.
  class AsyncProducer
    include Sending

    REPORTS_PER_POLL = 256

    attr_reader :topic

    def initialize(client, topic, options = {})
      @topic = topic.to_s
      pointer = Native.out_pointer(:kd_client_async_producer, client.native, @topic,
                                   Options.producer(options))
      @native = FFI::AutoPointer.new(pointer, Native.method(:kd_async_producer_free))
      @client = client
      @lock = Mutex.new
      @polling = Mutex.new
      @callbacks = {}
      @next_tag = 0
      @handler = nil
      @reports = FFI::MemoryPointer.new(Native::DeliveryReport, REPORTS_PER_POLL)
    end

    def send(*args, **kwargs, &callback)
      value, options = split_send_arguments(args, kwargs)
      enqueue(value, options, false, callback)
    end

    # Sends the String's bytes as they are (no JSON).
    def send_raw(bytes, **options, &callback)
      enqueue(bytes, options, true, callback)
    end

    def on_delivery(&handler)
      @lock.synchronize { @handler = handler }
      self
    end

    private def enqueue(value, options, raw, callback)
      tag = @lock.synchronize do
        @next_tag += 1
        @callbacks[@next_tag] = callback if callback
        @next_tag
      end
      with_native_record(value, options, raw: raw) do |bytes, length, native|
        Native.check(Native.kd_async_producer_send(@native, bytes, length, native, tag))
      end
      poll(0) if (tag % 1024).zero? # keeps the report queue short for a producer nobody polls
      self
    rescue StandardError
      @lock.synchronize { @callbacks.delete(tag) } if tag
      raise
    end

    # Sends everything buffered, waits for every report and runs the callbacks.
    def deliver
      Native.check(Native.kd_async_producer_deliver(@native))
      poll(0)
      self
    end

    # Runs the callbacks of the reports that arrived (waiting up to timeout seconds for one);
    # returns how many reports there were.
    def poll(timeout = 0)
      total = 0
      wait_ms = (timeout * 1000).to_i
      loop do
        # @polling guards the report buffer while the call waits; @lock (which senders take)
        # only while the reports are matched with their callbacks, so a poll that waits never
        # holds up a send. The callbacks run outside both, and may send or poll themselves.
        taken = @polling.synchronize do
          count = FFI::MemoryPointer.new(:size_t)
          Native.check(Native.kd_async_producer_poll_reports(@native, wait_ms, @reports,
                                                             REPORTS_PER_POLL, count))
          @lock.synchronize { Array.new(count.read(:size_t)) { |i| take_report(i) } }
        end
        taken.each { |callback, handler, report| run_callbacks(callback, handler, report) }
        total += taken.size
        break if taken.size < REPORTS_PER_POLL

        wait_ms = 0
      end
      total
    end

    def in_flight
      Native.kd_async_producer_in_flight(@native)
    end

    def close
      Native.check(Native.kd_async_producer_close(@native))
      poll(0)
      nil
    end

    private

    def take_report(i)
      native = Native::DeliveryReport.new(@reports + (i * Native::DeliveryReport.size))
      error = native[:error].null? ? nil : Error.from_native(native[:error])
      report = DeliveryReport.new(@topic, native[:partition], native[:offset], error)
      [@callbacks.delete(native[:tag]), @handler, report]
    end

    def run_callbacks(callback, handler, report)
      callback&.call(report)
      handler&.call(report)
    end
  end
end
