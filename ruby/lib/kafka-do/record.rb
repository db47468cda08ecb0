# frozen_string_literal: true

module Kafka
  # A consumed record (the brief's Kafka::Record). Readers: topic, partition, offset, key (String
  # or nil), value (the JSON value with symbol keys, parsed once), raw_value (the bytes),
  # timestamp (Time), headers (Hash of String => String; header_list keeps repeats and order).
  #
  # commit means "I am done with this record": the partition's committed offset advances to the
  # contiguous low watermark of finished records, so committing from any thread, in any order
  # (a thread pool, fibers) never commits past a record still being processed.
  class Record
    attr_reader :topic, :partition, :offset, :key, :raw_value, :header_list

    # `pointer`: a kd_record the Record owns from now on, or, with `owner`, one that lives as long
    # as the owner does (a batch's record; the Record keeps the owner alive).
    def initialize(pointer, owner = nil, fields = Native::RecordFields.new)
      @native = owner ? pointer : FFI::AutoPointer.new(pointer, FREE)
      @owner = owner
      Native.kd_record_get(pointer, fields)
      @topic = fields[:topic].read_bytes(fields[:topic_len]).force_encoding(Encoding::UTF_8)
      @partition = fields[:partition]
      @offset = fields[:offset]
      @timestamp_ms = fields[:timestamp_ms]
      @key = fields[:key].null? ? nil : text(fields[:key], fields[:key_len])
      @raw_value = fields[:value].null? ? nil : fields[:value].read_bytes(fields[:value_len])
      @header_list = read_headers(pointer, fields[:header_count])
    end

    FREE = Native.method(:kd_record_free)
    private_constant :FREE

    def timestamp
      @timestamp ||= Time.at(@timestamp_ms / 1000, @timestamp_ms % 1000, :millisecond)
    end

    def value
      return @value if defined?(@value)

      @value = Serialization.load(@raw_value, describe)
    end

    def headers
      @headers ||= @header_list.to_h
    end

    def commit
      Native.check(Native.kd_record_commit(@native))
      self
    end

    # commit, reporting to the block (nil on success, else the Kafka::Error) instead of raising.
    # The commit completes before this returns, so the block runs on the calling thread.
    def commit_async
      error = nil
      begin
        commit
      rescue Kafka::Error => e
        error = e
      end
      yield error if block_given?
      error.nil?
    end

    # "topic/partition@offset"
    def describe
      "#{@topic}/#{@partition}@#{@offset}"
    end

    def inspect
      "#<Kafka::Record #{describe} key=#{@key.inspect}>"
    end

    private

    def text(pointer, length)
      pointer.read_bytes(length).force_encoding(Encoding::UTF_8)
    end

    def read_headers(pointer, count)
      return [].freeze if count.zero?

      header = Native::Header.new
      Array.new(count) do |i|
        Native.kd_record_header(pointer, i, header)
        [text(header[:key], header[:key_len]),
         header[:value].null? ? nil : text(header[:value], header[:value_len])]
      end.freeze
    end
  end
end
