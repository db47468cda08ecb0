class Order < ApplicationRecord
  after_create :publish_to_kafka

  private

  def publish_to_kafka
    Rails.application.config.kafka.producer('orders') do |producer|
      producer.send(as_kafka_message)
    end
  end

  def as_kafka_message
    {
      id: id,
      customer_id: customer_id,
      amount: amount.to_f,
      created_at: created_at.iso8601
    }
  end
end
