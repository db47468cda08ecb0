# frozen_string_literal: true

module Kafka
  # The brief's Kafka::Consumer: an Enumerable of Records that waits for new ones (a consumer is a
  # stream; it does not end when it catches up). Iteration ends on stop, close, or when the
  # client is closed. `take(n)` and `first` return once they have their records; select, map,
  # reject, filter_map, flat_map and take_while are lazy (they return an Enumerator::Lazy), so
  # `consumer.select { ... }.map(&:value).each { ... }` processes records as they arrive instead
  # of waiting for a stream that never ends.
  #
  # With auto_commit (the default) a record counts as processed once iteration moves past it, so
  # a block that raises leaves its record uncommitted. One thread iterates at a time; records may
  # be committed from any thread.
  class Consumer
    include Enumerable

    # How long one wait inside the library lasts before Ruby gets control back (to notice
    # Interrupt, or a stop).
    WAIT_SLICE_MS = 100

    attr_reader :topics, :group

    def initialize(client, topics, options = {})
      @topics = Array(topics).map(&:to_s)
      @group = options[:group]
      names = FFI::MemoryPointer.new(:pointer, @topics.size)
      strings = @topics.map { |t| FFI::MemoryPointer.from_string(t) }
      names.write_array_of_pointer(strings)
      pointer = Native.out_pointer(:kd_client_consumer, client.native, names, @topics.size,
                                   Options.consumer(options))
      @native = FFI::AutoPointer.new(pointer, Native.method(:kd_consumer_free))
      @closed = false
      @out = FFI::MemoryPointer.new(:pointer)
      @fields = Native::RecordFields.new
      # Held around each wait in the library: close (from another thread, say) waits for the
      # wait in progress to end (at most WAIT_SLICE_MS once stopped); the C++ consumer is not
      # thread-safe.
      @calls = Mutex.new
    end

    def each
      return enum_for(:each) unless block_given?
      raise Kafka::Error, 'the consumer was closed' if @closed

      while (record = next_record)
        yield record
      end
      self
    end

    %i[select filter map collect reject filter_map flat_map collect_concat take_while].each do |m|
      define_method(m) { |*args, &block| lazy.public_send(m, *args, &block) }
    end

    # Yields the milliseconds of each wait in the library (at most WAIT_SLICE_MS) until `timeout`
    # seconds (nil: no limit) have passed; returns nil then. The block returns to end early.
    def self.wait_slices(timeout)
      deadline = timeout && (Process.clock_gettime(Process::CLOCK_MONOTONIC) + timeout)
      loop do
        slice = WAIT_SLICE_MS
        if deadline
          left = deadline - Process.clock_gettime(Process::CLOCK_MONOTONIC)
          return nil if left <= 0

          slice = [slice, (left * 1000).ceil].min
        end
        yield slice
      end
    end

    # The next record, waiting at most `timeout` seconds (nil: until one comes); nil on timeout
    # or once the consumer stopped. The record returned before counts as processed from here on.
    def poll(timeout = nil)
      raise Kafka::Error, 'the consumer was closed' if @closed

      record = take_fetched
      return record if record

      Consumer.wait_slices(timeout) do |slice|
        raise Kafka::Error, 'the consumer was closed' if @closed
        return nil if Native.kd_consumer_stopped(@native) == 1

        @calls.synchronize do
          raise Kafka::Error, 'the consumer was closed' if @closed

          Native.check(Native.kd_consumer_next_into(@native, slice, arena, @out))
          return take_record unless @out.read_pointer.null?
        end
      end
    end

    # Commits the position after every record returned so far.
    def commit
      Native.check(Native.kd_consumer_commit(@native))
      self
    end

    # Waits (up to timeout seconds) until the group assigned this member partitions.
    def wait_for_assignment(timeout = 30)
      assigned = FFI::MemoryPointer.new(:int)
      Native.check(Native.kd_consumer_wait_for_assignment(@native, (timeout * 1000).to_i,
                                                          assigned))
      assigned.read_int == 1
    end

    # { ['orders', 0] => records not yet returned, ... } (-1 while not known).
    def lag
      Native.json_out(:kd_consumer_lag, @native).to_h { |p| [[p[:topic], p[:partition]], p[:lag]] }
    end

    # Makes iteration end (from any thread).
    def stop
      Native.kd_consumer_stop(@native) unless @closed
      self
    end

    def stopped?
      @closed || Native.kd_consumer_stopped(@native) == 1
    end

    # Commits (with auto_commit), leaves the group. Idempotent; from any thread (an iteration
    # in progress on another thread ends).
    def close
      return if @closed

      Native.kd_consumer_stop(@native)
      @calls.synchronize do
        return if @closed

        @closed = true
        Native.check(Native.kd_consumer_close(@native))
      end
      nil
    end

    # For Transaction#send_offsets.
    attr_reader :native

    private

    # Records live in native lists of up to ARENA_SIZE (one finalizer per list rather than one
    # per record; a list is freed once none of its records is referenced).
    ARENA_SIZE = 256

    def arena
      if @arena.nil? || @arena_used == ARENA_SIZE
        @arena = FFI::AutoPointer.new(Native.out_pointer(:kd_records_new),
                                      Native.method(:kd_records_free))
        @arena_used = 0
      end
      @arena
    end

    # A record already fetched, without a wait (and without releasing the GVL); nil if none.
    def take_fetched
      @calls.synchronize do
        raise Kafka::Error, 'the consumer was closed' if @closed

        Native.check(Native.kd_consumer_next_into_now(@native, 0, arena, @out))
        @out.read_pointer.null? ? nil : take_record
      end
    end

    def take_record
      @arena_used += 1
      Record.new(@out.read_pointer, @arena, @fields)
    end

    def next_record
      poll(nil)
    rescue Kafka::Error
      return nil if @closed

      raise
    end
  end

  # A batch of records (BatchConsumer#each_batch); commit commits, per partition, the offset
  # after its last record.
  class Batch
    include Enumerable

    attr_reader :records

    def initialize(pointer)
      @native = FFI::AutoPointer.new(pointer, Native.method(:kd_batch_free))
      list = Native.kd_batch_records(pointer)
      @records = Array.new(Native.kd_records_count(list)) do |i|
        Record.new(Native.kd_records_at(list, i), @native)
      end.freeze
    end

    def each(&block)
      @records.each(&block)
      self
    end

    def size
      @records.size
    end

    def empty?
      @records.empty?
    end

    def commit
      Native.check(Native.kd_batch_commit(@native))
      self
    end
  end

  # The brief's batch consumer: each_batch yields Batches of up to batch_size records, handed
  # over when full or batch_timeout seconds after their first record.
  class BatchConsumer
    def initialize(client, topic, options = {})
      pointer = Native.out_pointer(:kd_client_batch_consumer, client.native, topic.to_s,
                                   Options.batch_consumer(options))
      @native = FFI::AutoPointer.new(pointer, Native.method(:kd_batch_consumer_free))
      @stopped = false
      @closed = false
      @calls = Mutex.new # as Consumer's: close waits for the wait in progress
    end

    def each_batch
      return enum_for(:each_batch) unless block_given?
      raise Kafka::Error, 'the batch consumer was closed' if @closed

      while (batch = next_batch)
        yield batch
      end
      self
    end

    # The next batch, or nil once stopped or closed (or after `timeout` seconds without a
    # record). The batch returned before counts as processed (auto_commit) from here on.
    def next_batch(timeout = nil)
      Consumer.wait_slices(timeout) do |slice|
        return nil if @stopped

        out = FFI::MemoryPointer.new(:pointer)
        @calls.synchronize do
          return nil if @closed

          Native.check(Native.kd_batch_consumer_next(@native, slice, out))
        end
        pointer = out.read_pointer
        return Batch.new(pointer) unless pointer.null?
      end
    end

    # Makes each_batch end (from any thread).
    def stop
      @stopped = true
      Native.kd_batch_consumer_stop(@native)
      self
    end

    # Commits (with auto_commit) and leaves the group. Idempotent; from any thread.
    def close
      stop
      @calls.synchronize do
        return if @closed

        @closed = true
        Native.check(Native.kd_batch_consumer_close(@native))
      end
      nil
    end
  end
end
