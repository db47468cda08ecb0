# frozen_string_literal: true

require 'json'
require 'time'

module Kafka
  # Values are JSON on the wire, as in the C++ SDK: producers send Hashes (and Arrays, Strings,
  # numbers, true, false, nil) as JSON text; records' values read back as Hashes with symbol keys
  # (record.value[:amount]). Symbols become strings, Time and Date their ISO 8601 text, objects
  # that define to_h their Hash. Anything else is a SerializationError rather than whatever
  # to_s happens to say.
  module Serialization
    module_function

    # The JSON text of `value`; nil for nil (a null value, Kafka's tombstone).
    def dump(value)
      return nil if value.nil?

      # Most values are JSON's own types already: generating them directly saves the copy.
      JSON.generate(native?(value) ? value : plain(value))
    rescue JSON::GeneratorError, Encoding::UndefinedConversionError, ArgumentError => e
      raise SerializationError, "cannot serialize the value as JSON: #{e.message}"
    end

    # Whether JSON.generate writes `value` exactly as plain(value) would: Hashes (String or Symbol
    # keys), Arrays, UTF-8 Strings, Integers, finite Floats, true, false and nil. (Not Symbol
    # values: json/add/symbol, once loaded, makes JSON.generate write them as objects.)
    def native?(value, depth = 0)
      return false if depth > 512

      case value
      when String then value.encoding == Encoding::UTF_8 && value.valid_encoding?
      when Integer, true, false, nil then true
      when Float then value.finite?
      when Hash
        value.all? { |k, v| (k.is_a?(Symbol) || k.is_a?(String)) && native?(v, depth + 1) }
      when Array then value.all? { |v| native?(v, depth + 1) }
      else false
      end
    end

    # `value` made of JSON's own types only.
    def plain(value, depth = 0)
      raise SerializationError, 'cannot serialize the value as JSON: nested too deeply' if depth > 512

      case value
      when String
        unless value.valid_encoding? && (value.encoding == Encoding::UTF_8 || value.ascii_only? ||
               value.encoding == Encoding::BINARY)
          value = value.encode(Encoding::UTF_8)
        end
        value
      when Integer, true, false, nil then value
      when Float
        raise SerializationError, "cannot serialize #{value} as JSON" unless value.finite?

        value
      when Symbol then value.to_s
      when Hash
        value.each_with_object({}) do |(k, v), out|
          unless k.is_a?(String) || k.is_a?(Symbol)
            raise SerializationError, "cannot serialize a Hash key of class #{k.class} as JSON"
          end

          out[k.to_s] = plain(v, depth + 1)
        end
      when Array then value.map { |v| plain(v, depth + 1) }
      when Time then value.iso8601(3)
      else
        return value.iso8601 if defined?(Date) && value.is_a?(Date)
        return value.to_f if defined?(BigDecimal) && value.is_a?(BigDecimal)
        return value.to_r.to_f if value.is_a?(Rational)
        return plain(value.to_h, depth + 1) if value.respond_to?(:to_h) && !value.is_a?(Numeric)

        raise SerializationError,
              "cannot serialize a #{value.class} as JSON (send a Hash, Array, String, number, " \
              'true, false or nil, or an object with to_h)'
      end
    end

    # A record value's JSON, with symbol keys; nil for a null value.
    def load(bytes, where)
      return nil if bytes.nil?

      JSON.parse(bytes, symbolize_names: true, quirks_mode: true)
    rescue JSON::ParserError, EncodingError => e
      raise SerializationError, "#{where}: value is not JSON: #{e.message.lines.first&.strip}"
    end
  end
end
