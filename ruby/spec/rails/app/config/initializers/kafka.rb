# config/initializers/kafka.rb
Rails.application.config.kafka = Kafka::Client.new(
  url: Rails.application.credentials.kafka[:url],
  api_key: Rails.application.credentials.kafka[:api_key]
)
