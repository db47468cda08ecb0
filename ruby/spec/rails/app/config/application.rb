# frozen_string_literal: true

# A minimal Rails 6.1 application for the brief's "Rails Integration" (spec/rails/rails_spec.rb):
# Active Record on SQLite, Active Job with the test adapter, credentials holding the kafka URL.
# The files under app/ and config/initializers/ are the brief's, as written.
require 'rails'
require 'active_record/railtie'
require 'active_job/railtie'
require 'kafka-do'

class KafkaDoRailsTest < Rails::Application
  config.root = File.expand_path('..', __dir__)
  config.eager_load = false
  config.logger = Logger.new(nil)
  config.active_support.deprecation = :silence
  config.active_job.queue_adapter = :test
  config.secret_key_base = 'kafka-do-rails-test'
  # The spec writes the encrypted credentials (with the kafka URL) to this directory first.
  config.credentials.content_path = File.join(ENV.fetch('KAFKA_DO_RAILS_TMP'), 'credentials.yml.enc')
  config.credentials.key_path = File.join(ENV.fetch('KAFKA_DO_RAILS_TMP'), 'master.key')
end
