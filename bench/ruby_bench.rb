# frozen_string_literal: true

# The Ruby half of bench/ruby_bench.sh: the same workload as ruby_reference_bench.cpp through the
# gem. Prints "<phase> <records> <seconds>". Usage: ruby ruby_bench.rb N URL
$LOAD_PATH.unshift(File.expand_path('../ruby/lib', __dir__))
require 'kafka-do'

n = Integer(ARGV[0] || 100_000)
kafka = Kafka::Client.new(url: ARGV[1] || 'memory:')
clock = -> { Process.clock_gettime(Process::CLOCK_MONOTONIC) }

start = clock.call
kafka.producer('bench-orders') do |p|
  n.times { |i| p.send(order_id: "o-#{i}", amount: i * 1.5, customer_id: "c-#{i % 100}") }
end
puts format('produce %d %.6f', n, clock.call - start)

start = clock.call
sum = 0.0
seen = 0
kafka.consumer('bench-orders', group: 'bench', offset: :earliest).each do |r|
  sum += r.value[:amount]
  break if (seen += 1) == n
end
puts format('consume %d %.6f', n, clock.call - start)
exit(sum.positive? ? 0 : 1)
