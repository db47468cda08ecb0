# app/jobs/kafka_consumer_job.rb
class KafkaConsumerJob < ApplicationJob
  queue_as :kafka

  def perform
    kafka = Rails.application.config.kafka

    kafka.consumer('orders', group: 'rails-processor').each do |record|
      ProcessOrderJob.perform_later(record.value)
      record.commit
    end
  end
end
