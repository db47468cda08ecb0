# frozen_string_literal: true

# The gem's specs run from the source tree: lib/ on the load path, and the C ABI library from
# the build (KAFKA_DO_LIB, else build/release/src/capi).
$LOAD_PATH.unshift(File.expand_path('../lib', __dir__))

require 'kafka-do'
require 'fileutils'
require 'stringio'
require 'tmpdir'
require 'timeout'

module BriefHelpers
  # Waits for a condition with a deadline (never a fixed sleep).
  def wait_until(seconds = 20, what = 'the condition')
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + seconds
    until yield
      raise "timed out after #{seconds} s waiting for #{what}" if
        Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline

      sleep 0.01
    end
  end

  # Runs one of the brief's endless examples (consumer.each never ends: a consumer is a
  # stream) on a thread until `done` (given what the example printed so far) is true, then
  # presses Ctrl-C on it, as a user stops it: Interrupt is raised in the thread and must end it
  # cleanly. Returns what it printed.
  def run_until_interrupted(done, seconds: 20, &example)
    out = StringIO.new
    thread = Thread.new do
      Thread.current.report_on_exception = false
      Thread.current[:stdout] = out
      example.call
    rescue Interrupt
      :interrupted
    end
    wait_until(seconds, 'the example to get there') { done.call(out.string) || !thread.alive? }
    thread.raise(Interrupt) if thread.alive?
    raise 'the example did not stop after Interrupt' unless thread.join(10)

    thread.value # re-raises what the example raised, other than Interrupt
    out.string
  end

  # Every record of `topic` from the start, read by a consumer of a fresh group on a client of
  # its own (the same embedded engine): until the group has no lag left.
  def read_topic(topic, group: "reader-#{rand(1 << 30)}")
    reader = Kafka::Client.new
    consumer = reader.consumer(topic, group: group, offset: :earliest)
    out = []
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + 20
    while Process.clock_gettime(Process::CLOCK_MONOTONIC) < deadline
      record = consumer.poll(0.2)
      if record
        out << record
      elsif consumer.wait_for_assignment(0) && consumer.lag.values.all?(&:zero?)
        break
      end
    end
    out
  ensure
    consumer&.close
  end

  # Runs the block with `puts` captured; returns what it printed.
  def capture_stdout
    out = StringIO.new
    saved = Thread.current[:stdout]
    Thread.current[:stdout] = out
    yield
    out.string
  ensure
    Thread.current[:stdout] = saved
  end
end

# `puts` inside an example thread goes to that thread's StringIO (run_until_interrupted), so
# the specs can check what the brief's examples print; elsewhere to the real stdout.
class ThreadLocalStdout
  %i[puts print write printf << flush sync sync= tty? isatty fileno].each do |m|
    define_method(m) { |*args, &block| (Thread.current[:stdout] || STDOUT).public_send(m, *args, &block) }
  end
end

RSpec.configure do |config|
  config.include BriefHelpers
  config.filter_run_excluding :integration unless ENV['TEST_KAFKA_URL']
  config.around do |example|
    # Every example gets its own embedded engine: Kafka::Client.new (no url) uses file: in
    # KAFKA_DO_DATA. The brief's examples produce and then consume in one go, so their consumers
    # start at the earliest record (KAFKA_DO_DEFAULT_OFFSET; the SDK's default is latest, as in
    # Kafka).
    Dir.mktmpdir('kafka-do-spec') do |dir|
      saved = ENV.to_h.slice('KAFKA_DO_DATA', 'KAFKA_DO_DEFAULT_OFFSET', 'KAFKA_DO_URL')
      ENV['KAFKA_DO_DATA'] = dir
      ENV['KAFKA_DO_DEFAULT_OFFSET'] = 'earliest'
      ENV.delete('KAFKA_DO_URL') unless example.metadata[:integration]
      begin
        example.run
      ensure
        %w[KAFKA_DO_DATA KAFKA_DO_DEFAULT_OFFSET KAFKA_DO_URL].each { |k| ENV[k] = saved[k] }
      end
    end
  end
end

$stdout = ThreadLocalStdout.new
