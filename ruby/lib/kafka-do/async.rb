# frozen_string_literal: true

require 'async'
require 'kafka-do'

module Kafka
  # A client for the `async` gem's fibers (`require 'kafka-do/async'`): its consumers never block
  # the reactor while they wait for records. They ask the library without waiting and, when
  # nothing is there, sleep the current task (other fibers run meanwhile), backing off from 1 to
  # 20 ms while the topic is idle. Record#commit and producing work as on Kafka::Client.
  #
  #   Async do
  #     kafka = Kafka::AsyncClient.new
  #     kafka.consumer('orders', group: 'g').each { |record| Async { handle(record) } }
  #   end
  class AsyncClient < Client
    # A Consumer whose waits yield to the reactor.
    class FiberConsumer < Consumer
      IDLE_BACKOFF = [0.001, 0.002, 0.005, 0.01, 0.02].freeze

      def poll(timeout = nil)
        task = Async::Task.current?
        return super unless task

        deadline = timeout && (Process.clock_gettime(Process::CLOCK_MONOTONIC) + timeout)
        idle = 0
        loop do
          record = take_fetched
          return record if record
          return nil if Native.kd_consumer_stopped(@native) == 1
          return nil if deadline && Process.clock_gettime(Process::CLOCK_MONOTONIC) >= deadline

          task.sleep(IDLE_BACKOFF[idle])
          idle = [idle + 1, IDLE_BACKOFF.size - 1].min
        end
      end
    end

    def consumer(topic, group: nil, **options)
      options = options.merge(group: group) if group
      track(FiberConsumer.new(self, topic, options))
    end
  end
end
