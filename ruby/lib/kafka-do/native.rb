# frozen_string_literal: true

require 'ffi'

module Kafka
  # The C ABI of the C++ core (include/kafka_do/kafka_do.h), bound with ruby-ffi. Calls that can
  # wait are attached with `blocking: true`, so they run without the GVL and other Ruby threads
  # keep running; each takes a bounded timeout, so the gem regains control to notice Interrupt.
  module Native
    extend FFI::Library

    # Where libkafka_do_c.so is: KAFKA_DO_LIB, else the source tree's build, else the system's.
    def self.library_path
      return ENV['KAFKA_DO_LIB'] if ENV['KAFKA_DO_LIB'] && !ENV['KAFKA_DO_LIB'].empty?

      built = File.expand_path('../../../build/release/src/capi/libkafka_do_c.so', __dir__)
      File.exist?(built) ? built : 'libkafka_do_c.so.1'
    end

    ffi_lib library_path

    class Header < FFI::Struct
      layout :key, :pointer, :key_len, :size_t, :value, :pointer, :value_len, :size_t
    end

    class SendOptions < FFI::Struct
      layout :key, :pointer, :key_len, :size_t, :headers, :pointer, :header_count, :size_t,
             :partition, :int32, :timestamp_ms, :int64
    end

    class DeliveryReport < FFI::Struct
      layout :tag, :uint64, :partition, :int32, :offset, :int64, :error, :pointer
    end

    class RecordFields < FFI::Struct
      layout :topic, :pointer, :topic_len, :size_t, :partition, :int32, :offset, :int64,
             :timestamp_ms, :int64, :key, :pointer, :key_len, :size_t, :value, :pointer,
             :value_len, :size_t, :header_count, :size_t
    end

    typedef :pointer, :error
    typedef :pointer, :handle

    attach_function :kd_abi_version, [], :int
    attach_function :kd_error_kind_of, [:error], :int
    attach_function :kd_error_code, [:error], :int
    attach_function :kd_error_code_name, [:error], :string
    attach_function :kd_error_message, [:error], :string
    attach_function :kd_error_retriable, [:error], :int
    attach_function :kd_error_fatal, [:error], :int
    attach_function :kd_error_free, [:error], :void
    attach_function :kd_string_free, [:pointer], :void

    attach_function :kd_client_new, %i[string pointer], :error, blocking: true
    attach_function :kd_mock_client_new, %i[string pointer], :error, blocking: true
    attach_function :kd_client_url, [:handle], :string
    attach_function :kd_client_close, [:handle], :error, blocking: true
    attach_function :kd_client_free, [:handle], :void, blocking: true
    attach_function :kd_mock_client_records, %i[handle string pointer], :error, blocking: true

    attach_function :kd_client_producer, %i[handle string string pointer], :error, blocking: true
    attach_function :kd_producer_send, %i[handle pointer size_t pointer], :error, blocking: true
    attach_function :kd_producer_flush, [:handle], :error, blocking: true
    attach_function :kd_producer_close, [:handle], :error, blocking: true
    attach_function :kd_producer_free, [:handle], :void, blocking: true

    attach_function :kd_client_async_producer, %i[handle string string pointer], :error,
                    blocking: true
    attach_function :kd_async_producer_send, %i[handle pointer size_t pointer uint64], :error,
                    blocking: true
    attach_function :kd_async_producer_poll_reports, %i[handle int pointer size_t pointer], :error,
                    blocking: true
    attach_function :kd_async_producer_in_flight, [:handle], :size_t
    attach_function :kd_async_producer_deliver, [:handle], :error, blocking: true
    attach_function :kd_async_producer_close, [:handle], :error, blocking: true
    attach_function :kd_async_producer_free, [:handle], :void, blocking: true

    attach_function :kd_record_get, %i[handle pointer], :void
    attach_function :kd_record_header, %i[handle size_t pointer], :void
    attach_function :kd_record_commit, [:handle], :error, blocking: true
    attach_function :kd_record_free, [:handle], :void
    attach_function :kd_records_count, [:handle], :size_t
    attach_function :kd_records_at, %i[handle size_t], :handle
    attach_function :kd_records_take, %i[handle size_t], :handle
    attach_function :kd_records_free, [:handle], :void

    attach_function :kd_client_consumer, %i[handle pointer size_t string pointer], :error,
                    blocking: true
    attach_function :kd_consumer_next, %i[handle int pointer], :error, blocking: true
    attach_function :kd_consumer_next_into, %i[handle int handle pointer], :error, blocking: true
    # The same call without releasing the GVL, for a timeout of 0 (a record already fetched):
    # releasing and taking back the GVL would cost more than the call.
    attach_function :kd_consumer_next_into_now, :kd_consumer_next_into, %i[handle int handle pointer],
                    :error
    attach_function :kd_records_new, [:pointer], :error
    attach_function :kd_consumer_stopped, [:handle], :int
    attach_function :kd_consumer_commit, [:handle], :error, blocking: true
    attach_function :kd_consumer_wait_for_assignment, %i[handle int pointer], :error, blocking: true
    attach_function :kd_consumer_lag, %i[handle pointer], :error, blocking: true
    attach_function :kd_consumer_stop, [:handle], :void
    attach_function :kd_consumer_close, [:handle], :error, blocking: true
    attach_function :kd_consumer_free, [:handle], :void, blocking: true

    attach_function :kd_client_batch_consumer, %i[handle string string pointer], :error,
                    blocking: true
    attach_function :kd_batch_consumer_next, %i[handle int pointer], :error, blocking: true
    attach_function :kd_batch_consumer_stop, [:handle], :void
    attach_function :kd_batch_consumer_close, [:handle], :error, blocking: true
    attach_function :kd_batch_consumer_free, [:handle], :void, blocking: true
    attach_function :kd_batch_records, [:handle], :handle
    attach_function :kd_batch_commit, [:handle], :error, blocking: true
    attach_function :kd_batch_free, [:handle], :void

    attach_function :kd_client_begin_transaction, %i[handle string string pointer], :error,
                    blocking: true
    attach_function :kd_transaction_send, %i[handle string pointer size_t pointer], :error,
                    blocking: true
    attach_function :kd_transaction_send_offsets, %i[handle handle], :error, blocking: true
    attach_function :kd_transaction_commit, [:handle], :error, blocking: true
    attach_function :kd_transaction_abort, [:handle], :void, blocking: true
    attach_function :kd_transaction_free, [:handle], :void, blocking: true

    attach_function :kd_admin_create_topic, %i[handle string string], :error, blocking: true
    attach_function :kd_admin_list_topics, %i[handle pointer], :error, blocking: true
    attach_function :kd_admin_describe_topic, %i[handle string pointer], :error, blocking: true
    attach_function :kd_admin_alter_topic, %i[handle string string], :error, blocking: true
    attach_function :kd_admin_increase_partitions_to, %i[handle string int], :error, blocking: true
    attach_function :kd_admin_delete_topic, %i[handle string], :error, blocking: true
    attach_function :kd_admin_list_groups, %i[handle pointer], :error, blocking: true
    attach_function :kd_admin_describe_group, %i[handle string pointer], :error, blocking: true
    attach_function :kd_admin_reset_offsets, %i[handle string string string pointer], :error,
                    blocking: true
    attach_function :kd_admin_delete_group, %i[handle string], :error, blocking: true

    # Raises the Kafka::Error for a kd_error (and frees it); nothing for NULL.
    def self.check(error)
      return if error.nil? || error.null?

      raise Kafka::Error.from_native(error)
    end

    # Calls a kd_* function whose last argument is an out-pointer and returns what it wrote.
    def self.out_pointer(function, *args)
      out = FFI::MemoryPointer.new(:pointer)
      check(send(function, *args, out))
      out.read_pointer
    end

    # Calls a kd_* function whose last argument is a char** of JSON, and parses it.
    def self.json_out(function, *args)
      text = out_pointer(function, *args)
      begin
        JSON.parse(text.read_string, symbolize_names: true)
      ensure
        kd_string_free(text)
      end
    end

    # A kd_send_options for key/headers/partition/timestamp, and the buffers it points into
    # (kept alive by the caller for the duration of the call). nil when nothing is set.
    def self.send_options(key: nil, headers: nil, partition: nil, timestamp: nil)
      return nil if key.nil? && (headers.nil? || headers.empty?) && partition.nil? && timestamp.nil?

      options = SendOptions.new
      keep = []
      unless key.nil?
        key = key.to_s
        buf = FFI::MemoryPointer.from_string(key)
        keep << buf
        options[:key] = buf
        options[:key_len] = key.bytesize
      end
      if headers && !headers.empty?
        array = FFI::MemoryPointer.new(Header, headers.size)
        headers.each_with_index do |(name, value), i|
          header = Header.new(array + (i * Header.size))
          name = name.to_s
          kbuf = FFI::MemoryPointer.from_string(name)
          keep << kbuf
          header[:key] = kbuf
          header[:key_len] = name.bytesize
          next if value.nil?

          value = value.to_s
          vbuf = FFI::MemoryPointer.from_string(value)
          keep << vbuf
          header[:value] = vbuf
          header[:value_len] = value.bytesize
        end
        keep << array
        options[:headers] = array
        options[:header_count] = headers.size
      end
      options[:partition] = partition.nil? ? -1 : Integer(partition)
      options[:timestamp_ms] = timestamp.nil? ? -1 : (timestamp.to_r * 1000).to_i
      [options, keep]
    end
  end
end

module Kafka
  module Native
    class Call < FFI::Struct
      layout :function, :int, :args, :pointer, :args_len, :size_t
    end

    attach_function :kd_topology_new, [:pointer], :error
    attach_function :kd_topology_free, [:handle], :void
    attach_function :kd_topology_stream, %i[handle pointer size_t pointer], :error
    attach_function :kd_topology_table, %i[handle string pointer], :error
    attach_function :kd_topology_op, %i[handle int string pointer], :error
    attach_function :kd_topology_start, %i[handle handle string pointer], :error, blocking: true
    attach_function :kd_run_next_call, %i[handle int pointer pointer], :error, blocking: true
    attach_function :kd_run_answer, %i[handle pointer size_t], :error
    attach_function :kd_run_fail, %i[handle string], :error
    attach_function :kd_run_stop, [:handle], :void
    attach_function :kd_run_outcome, [:handle], :error
    attach_function :kd_run_free, [:handle], :void, blocking: true

    # A NUL-free array of C strings for `names`, and the buffers it points into.
    def self.string_array(names)
      strings = names.map { |n| FFI::MemoryPointer.from_string(n.to_s) }
      array = FFI::MemoryPointer.new(:pointer, names.size)
      array.write_array_of_pointer(strings)
      [array, strings]
    end
  end
end
