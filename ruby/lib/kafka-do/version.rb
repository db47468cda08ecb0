# frozen_string_literal: true

module Kafka
  VERSION = '0.1.0'
end
