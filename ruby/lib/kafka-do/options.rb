# frozen_string_literal: true

module Kafka
  # The brief's option names (durations in milliseconds where the name says _ms or the brief
  # gives milliseconds, seconds for timeout and batch_timeout) turned into the C ABI's JSON
  # options. Unknown options are refused by the library with a ConfigError naming them.
  module Options
    module_function

    def client(url:, api_key:, timeout:, retries:, **rest)
      out = { timeout_ms: seconds_to_ms(timeout, :timeout), retries: retries }
      out[:url] = url.to_s if url
      out[:api_key] = api_key.to_s if api_key
      out[:default_offset] = offset(rest.delete(:default_offset)) if rest.key?(:default_offset)
      out[:durability] = rest.delete(:durability).to_s if rest.key?(:durability)
      JSON.generate(out.merge(rest))
    end

    def producer(options)
      out = options.dup
      out[:compression] = out[:compression].to_s if out.key?(:compression)
      out[:acks] = out[:acks].is_a?(Symbol) ? out[:acks].to_s : out[:acks] if out.key?(:acks)
      out[:buffer_full] = out[:buffer_full].to_s if out.key?(:buffer_full)
      out[:max_block_ms] = seconds_to_ms(out.delete(:max_block), :max_block) if out.key?(:max_block)
      JSON.generate(out)
    end

    # The brief's consumer options: session_timeout and heartbeat_interval in milliseconds.
    CONSUMER_RENAMES = {
      session_timeout: :session_timeout_ms,
      heartbeat_interval: :heartbeat_interval_ms,
      auto_commit_interval: :auto_commit_interval_ms
    }.freeze

    def consumer(options)
      out = {}
      options.each do |name, value|
        case name
        when :offset then out[:offset] = offset(value)
        when :isolation then out[:isolation] = value.to_s
        when :assign
          out[:assign] = value.map do |a|
            a.is_a?(Hash) ? a : { topic: a[0].to_s, partition: a[1], offset: a[2] }
          end
        else out[CONSUMER_RENAMES.fetch(name, name)] = value
        end
      end
      JSON.generate(out)
    end

    def batch_consumer(options)
      rest = options.dup
      batch = {}
      batch[:batch_size] = rest.delete(:batch_size) if rest.key?(:batch_size)
      if rest.key?(:batch_timeout)
        batch[:batch_timeout_ms] = seconds_to_ms(rest.delete(:batch_timeout), :batch_timeout)
      end
      JSON.generate(JSON.parse(consumer(rest)).merge(batch.transform_keys(&:to_s)))
    end

    # :earliest, :latest, or a Time (the first record at or after it).
    def offset(value)
      case value
      when :earliest, 'earliest' then 'earliest'
      when :latest, 'latest' then 'latest'
      when Time then { timestamp_ms: (value.to_r * 1000).to_i }
      else raise ConfigError, "offset must be :earliest, :latest or a Time, not #{value.inspect}"
      end
    end

    def seconds_to_ms(value, name)
      raise ConfigError, "#{name} must be a number of seconds, not #{value.inspect}" unless
        value.is_a?(Numeric) && value >= 0

      (value * 1000).round
    end
  end
end
