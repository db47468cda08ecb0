# frozen_string_literal: true

# The job the brief's KafkaConsumerJob enqueues per order (the application's; not in the brief).
class ProcessOrderJob < ApplicationJob
  def perform(order)
    Rails.logger.info("processing order #{order[:id]}")
  end
end
