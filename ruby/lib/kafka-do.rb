# frozen_string_literal: true

# kafka-do: event streaming for Ruby on the kafka-do C++ core (libkafka_do_c.so, its C ABI in
# include/kafka_do/kafka_do.h). `require 'kafka-do'`, then Kafka::Client.new.
require 'json'
require_relative 'kafka-do/version'
require_relative 'kafka-do/native'
require_relative 'kafka-do/errors'
require_relative 'kafka-do/serialization'
require_relative 'kafka-do/options'
require_relative 'kafka-do/record'
require_relative 'kafka-do/producer'
require_relative 'kafka-do/consumer'
require_relative 'kafka-do/transaction'
require_relative 'kafka-do/admin'
require_relative 'kafka-do/client'
require_relative 'kafka-do/stream'
