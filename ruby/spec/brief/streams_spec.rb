# frozen_string_literal: true

# The brief's "Stream Processing", verbatim inside each example. A stream runs until it is
# stopped, so each example runs until its output is there and is then stopped with Ctrl-C
# (Interrupt), as a user stops it; the blocks ran on the example's own thread.
require 'spec_helper'

RSpec.describe 'the brief: stream processing' do
  let(:kafka) { Kafka::Client.new }
  let(:t0) { Time.at(1_699_999_800) } # a window boundary (a multiple of 5 minutes)

  def produce(topic, records)
    kafka.producer(topic) do |p|
      records.each { |value, at| p.send(value, timestamp: at || Time.now) }
    end
  end

  it 'runs "Filter and Transform"' do
    produce('orders', [[{ id: 1, amount: 50 }], [{ id: 2, amount: 150 }], [{ id: 3, amount: 300 }]])
    run_until_interrupted(->(_) { read_topic('high-value-orders').size == 2 }) do
      kafka.stream('orders')
        .filter { |order| order[:amount] > 100 }
        .map { |order| order.merge(tier: 'premium') }
        .to('high-value-orders')
    end
    expect(read_topic('high-value-orders').map(&:value)).to eq(
      [{ id: 2, amount: 150, tier: 'premium' }, { id: 3, amount: 300, tier: 'premium' }]
    )
  end

  it 'runs "Windowed Aggregations"' do
    produce('orders', [
      [{ customer_id: 'c-1' }, t0], [{ customer_id: 'c-2' }, t0 + 60],
      [{ customer_id: 'c-1' }, t0 + 120],
      [{ customer_id: 'c-1' }, t0 + 360] # stream time passes t0 + 5m: the first window closes
    ])
    out = run_until_interrupted(->(printed) { printed.lines.size == 2 }) do
      kafka.stream('orders')
        .window(tumbling: '5m')
        .group_by { |order| order[:customer_id] }
        .count
        .each do |key, window|
          puts "Customer #{key}: #{window.value} orders in #{window.start}-#{window.end}"
        end
    end
    span = "#{t0}-#{t0 + 300}"
    expect(out.lines.sort).to eq(["Customer c-1: 2 orders in #{span}\n",
                                  "Customer c-2: 1 orders in #{span}\n"])
  end

  it 'runs "Joins"' do
    produce('customers', [[{ id: 'c-1', name: 'Ada' }, t0], [{ id: 'c-2', name: 'Grace' }, t0 + 1]])
    produce('orders', [[{ order_id: 1, customer_id: 'c-2' }, t0 + 2],
                       [{ order_id: 2, customer_id: 'c-1' }, t0 + 3],
                       [{ order_id: 3, customer_id: 'c-9' }, t0 + 4]])
    out = run_until_interrupted(->(printed) { printed.lines.size == 2 }) do
      orders = kafka.stream('orders')
      customers = kafka.stream('customers')

      orders.join(customers,
        on: ->(order, customer) { order[:customer_id] == customer[:id] },
        window: '1h'
      ).each do |order, customer|
        puts "Order by #{customer[:name]}"
      end
    end
    expect(out.lines.sort).to eq(["Order by Ada\n", "Order by Grace\n"])
  end

  it 'runs "Branching"' do
    produce('orders', [[{ id: 1, region: 'us' }], [{ id: 2, region: 'eu' }],
                       [{ id: 3, region: 'apac' }], [{ id: 4, region: 'us' }]])
    all_routed = lambda do |_|
      read_topic('us-orders').size == 2 && read_topic('eu-orders').size == 1 &&
        read_topic('other-orders').size == 1
    end
    run_until_interrupted(all_routed) do
      kafka.stream('orders').branch(
        [->(o) { o[:region] == 'us' }, 'us-orders'],
        [->(o) { o[:region] == 'eu' }, 'eu-orders'],
        [->(_) { true }, 'other-orders']
      )
    end
    expect(read_topic('us-orders').map { |r| r.value[:id] }).to eq([1, 4])
    expect(read_topic('other-orders').map { |r| r.value[:id] }).to eq([3])
  end

  it 'runs "Aggregations"' do
    produce('orders', [[{ customer_id: 'c-1', amount: 10.5 }], [{ customer_id: 'c-2', amount: 3 }],
                       [{ customer_id: 'c-1', amount: 20 }]])
    out = run_until_interrupted(->(printed) { printed.lines.size == 3 }) do
      kafka.stream('orders')
        .group_by { |order| order[:customer_id] }
        .reduce(0) { |total, order| total + order[:amount] }
        .each do |customer_id, total|
          puts "Customer #{customer_id} total: $#{total}"
        end
    end
    # Every update of the running total, in order.
    expect(out).to eq("Customer c-1 total: $10.5\nCustomer c-2 total: $3\nCustomer c-1 total: $30.5\n")
  end

  it 'emits every change of a windowed count with updates' do
    produce('orders', [[{ c: 'a' }, t0], [{ c: 'a' }, t0 + 1], [{ c: 'b' }, t0 + 2]])
    seen = []
    kafka.stream('orders', until_caught_up: true, application_id: 'u')
         .window(tumbling: '5m').group_by { |o| o[:c] }.count.updates
         .each { |key, window| seen << [key, window.value, window.start] }
    expect(seen.first(3)).to eq([['a', 1, t0], ['a', 2, t0], ['b', 1, t0]])
  end

  it 'fails the run with the block\'s own exception, and runs to the end with until_caught_up' do
    produce('orders', [[{ n: 1 }], [{ n: 0 }]])
    expect do
      kafka.stream('orders', application_id: 'div').map { |o| { r: 10 / o[:n] } }.to('out')
    end.to raise_error(ZeroDivisionError)
    seen = []
    kafka.stream('orders', application_id: 'ok', until_caught_up: true).each { |o| seen << o }
    expect(seen).to eq([{ n: 1 }, { n: 0 }])
    expect { kafka.stream('orders').count }.to raise_error(Kafka::ConfigError, /does not apply/)
  end
end
