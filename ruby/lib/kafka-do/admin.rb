# frozen_string_literal: true

module Kafka
  # Topic and consumer-group administration (client.admin), returning objects with the brief's
  # readers: topic.name, info.retention_ms, group.member_count, info.total_lag ...
  class Admin
    PartitionInfo = Struct.new(:partition, :log_start_offset, :high_watermark,
                               :last_stable_offset, :size_bytes, keyword_init: true)
    # retention_ms nil: records are kept forever.
    TopicInfo = Struct.new(:name, :partitions, :retention_ms, :config, :overrides,
                           :partition_info, keyword_init: true)
    GroupInfo = Struct.new(:id, :member_count, :state, keyword_init: true)
    GroupMember = Struct.new(:id, :client_id, :host, :assignment, keyword_init: true)
    PartitionLag = Struct.new(:topic, :partition, :committed, :end_offset, :lag, keyword_init: true)
    GroupDescription = Struct.new(:id, :state, :members, :partitions, :total_lag,
                                  keyword_init: true) do
      def member_count
        members.size
      end
    end
    OffsetChange = Struct.new(:topic, :partition, :from, :to, keyword_init: true)

    def initialize(client)
      @client = client
    end

    # create_topic('orders', partitions: 3, retention_ms: ..., retention_bytes: ...,
    # config: { 'cleanup.policy' => 'compact' }, if_not_exists: false)
    def create_topic(name, **options)
      Native.check(Native.kd_admin_create_topic(native, name.to_s, JSON.generate(options)))
      nil
    end

    def list_topics
      Native.json_out(:kd_admin_list_topics, native).map { |t| topic_info(t) }
    end

    def describe_topic(name)
      topic_info(Native.json_out(:kd_admin_describe_topic, native, name.to_s))
    end

    # alter_topic('orders', retention_ms: ..., retention_bytes: ..., config: {...}, reset: [...])
    def alter_topic(name, **changes)
      Native.check(Native.kd_admin_alter_topic(native, name.to_s, JSON.generate(changes)))
      nil
    end

    # Grows the topic to `total` partitions (partitions are never removed).
    def increase_partitions_to(name, total)
      Native.check(Native.kd_admin_increase_partitions_to(native, name.to_s, Integer(total)))
      nil
    end

    def delete_topic(name)
      Native.check(Native.kd_admin_delete_topic(native, name.to_s))
      nil
    end

    def list_groups
      Native.json_out(:kd_admin_list_groups, native).map { |g| GroupInfo.new(**g) }
    end

    def describe_group(group)
      g = Native.json_out(:kd_admin_describe_group, native, group.to_s)
      GroupDescription.new(
        id: g[:id], state: g[:state], total_lag: g[:total_lag],
        members: g[:members].map do |m|
          GroupMember.new(**m, assignment: m[:assignment].map { |a| [a[:topic], a[:partition]] })
        end,
        partitions: g[:partitions].map { |p| PartitionLag.new(**p) }
      )
    end

    # Moves the group's committed offsets for every partition of `topic`: to :earliest, :latest,
    # a Time, an Integer offset, or { shift_by: n }. Refused (GroupCoordinatorError) while the
    # group has members. Returns the OffsetChanges (with dry_run: true, only reports them).
    def reset_offsets(group, topic, to, dry_run: false)
      target = case to
               when Integer then { to_offset: to }
               when Hash then to
               when Time then { timestamp_ms: (to.to_r * 1000).to_i }
               else { offset: Options.offset(to) }
               end
      changes = Native.json_out(:kd_admin_reset_offsets, native, group.to_s, topic.to_s,
                                JSON.generate(target.merge(dry_run: dry_run)))
      changes.map { |c| OffsetChange.new(**c) }
    end

    def delete_group(group)
      Native.check(Native.kd_admin_delete_group(native, group.to_s))
      nil
    end

    private

    def native
      @client.native
    end

    def topic_info(t)
      TopicInfo.new(name: t[:name], partitions: t[:partitions], retention_ms: t[:retention_ms],
                    config: t[:config].transform_keys(&:to_s), overrides: t[:overrides],
                    partition_info: (t[:partition_info] || []).map { |p| PartitionInfo.new(**p) })
    end
  end
end
