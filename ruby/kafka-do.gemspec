# frozen_string_literal: true

require_relative 'lib/kafka-do/version'

Gem::Specification.new do |spec|
  spec.name = 'kafka-do'
  spec.version = Kafka::VERSION
  spec.summary = 'Event streaming for Ruby: blocks, Enumerables, zero ops (the kafka-do C++ core)'
  spec.description = <<~TEXT
    Producers, consumers, transactions, stream processing and administration on kafka-do's C++
    engine: embedded (file:, memory:) or any Kafka-protocol broker (kafka://). Binds the C ABI of
    libkafka_do_c.so with ruby-ffi; the library is found through KAFKA_DO_LIB or the system's
    library path.
  TEXT
  spec.license = 'MIT'
  spec.authors = ['kafka-do']
  spec.homepage = 'https://github.com/kafka-do/kafka-do'
  spec.required_ruby_version = '>= 3.1'
  spec.files = Dir['lib/**/*.rb'] + ['kafka-do.gemspec', 'README.md']
  spec.require_paths = ['lib']
  spec.add_dependency 'ffi', '>= 1.15'
  spec.add_development_dependency 'rspec', '>= 3.12'
  spec.metadata['rubygems_mfa_required'] = 'true'
end
