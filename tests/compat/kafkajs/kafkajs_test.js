#!/usr/bin/env node
// The broker against kafkajs 2.2.4 (pure JavaScript; ApiVersions v2, then per API the highest
// version it implements within the broker's max: Produce 7, Fetch 11, Metadata 6, JoinGroup 5,
// OffsetCommit 5, OffsetFetch 4, CreateTopics 3, CreatePartitions 1, DescribeConfigs 2,
// AlterConfigs 1, ListGroups 2, DescribeGroups 2, DeleteGroups 1, DeleteTopics 1,
// ListOffsets 3). Checks:
//   - a GZIP producer sending keyed records with headers to a 3-partition topic (exact base
//     offsets per partition);
//   - a consumer group (kafkajs defaults: read_committed, RoundRobinAssigner) reading them all
//     back: exact keys, values, headers, offsets and order per partition; explicit commit,
//     checked with fetchOffsets;
//   - a second consumer in the same group resuming after the committed offsets (only the records
//     produced after the commit, nothing re-delivered);
//   - admin: createTopics (with a config; duplicate → false), fetchTopicMetadata,
//     createPartitions (grow; shrink refused), describeConfigs, alterConfigs, listGroups,
//     describeGroups (Stable with its member and assignment, then Empty), deleteGroups (refused
//     while the group has a member, then accepted), fetchTopicOffsets, deleteTopicRecords
//     (DeleteRecords v1; a new group then starts at the new log start), deleteTopics;
//   - a compacted topic (cleanup.policy=compact): after the broker's cleaner ran, a consumer from
//     the beginning reads one record per key, the latest, at its original offset, and the
//     tombstone of a deleted key (gaps in the offsets are skipped);
//   - SIGTERM stops the server with exit status 0.
//
// Usage: node kafkajs_test.js KAFKADO   (run from a directory whose node_modules has kafkajs 2.2.4,
// i.e. after `npm ci` next to package.json)
'use strict'

const assert = require('node:assert/strict')
const fs = require('node:fs')

const {
  AssignerProtocol,
  CompressionTypes,
  ConfigResourceTypes,
  Kafka,
  Partitioners,
  logLevel,
} = require('kafkajs')

const TOPIC = 'js-topic'
const ADMIN_TOPIC = 'js-admin'
const GROUP = 'js-group'
const PARTITIONS = 3
const FIRST_RECORDS = 150 // in 3 sends of 50, 50 per partition
const LATER_RECORDS = 30 // produced after the commit, 10 per partition

const { startServer, stopServer, killServer, delay, withTimeout, waitUntil } =
  require('./compat_support.js')

function record(i) {
  return {
    partition: i % PARTITIONS,
    key: `key-${i}`,
    value: `value-${i}`,
    headers: { n: String(i), source: 'kafkajs' },
  }
}

// Per partition, how many of records [0, n) it holds (= the base offset of the next send).
function recordsBefore(n) {
  return Array.from({ length: PARTITIONS }, (_, p) => Math.max(0, Math.ceil((n - p) / PARTITIONS)))
}

// What a consumer should see for records [from, to): per partition, in order.
function expectedPerPartition(from, to, firstOffsets) {
  const result = {}
  const next = { ...firstOffsets }
  for (let p = 0; p < PARTITIONS; p++) result[p] = []
  for (let i = from; i < to; i++) {
    const r = record(i)
    result[r.partition].push({
      offset: String(next[r.partition]++),
      key: r.key,
      value: r.value,
      headers: r.headers,
    })
  }
  return result
}

function seenMessage(message) {
  const headers = {}
  for (const [name, value] of Object.entries(message.headers || {})) {
    headers[name] = value.toString()
  }
  return {
    offset: message.offset,
    key: message.key === null ? null : message.key.toString(),
    value: message.value === null ? null : message.value.toString(),
    headers,
  }
}

function count(perPartition) {
  return Object.values(perPartition).reduce((n, list) => n + list.length, 0)
}

// ---------------------------------------------------------------------------------------------
// The test.

async function produce(producer, from, to, expectedBaseOffsets) {
  const metadata = await producer.send({
    topic: TOPIC,
    compression: CompressionTypes.GZIP,
    acks: -1,
    messages: Array.from({ length: to - from }, (_, k) => record(from + k)),
  })
  const got = metadata
    .map(m => ({ topicName: m.topicName, partition: m.partition, errorCode: m.errorCode,
      baseOffset: m.baseOffset }))
    .sort((a, b) => a.partition - b.partition)
  assert.deepEqual(got, expectedBaseOffsets.map((offset, partition) => ({
    topicName: TOPIC, partition, errorCode: 0, baseOffset: String(offset),
  })), `produce result for records [${from}, ${to})`)
}

// Runs a group consumer until it has `expected` records and returns them per partition.
async function consumeGroup(kafka, expectedCount, onRunning) {
  const consumer = kafka.consumer({ groupId: GROUP, maxWaitTimeInMs: 500 })
  const seen = {}
  for (let p = 0; p < PARTITIONS; p++) seen[p] = []
  let joined = null
  consumer.on(consumer.events.GROUP_JOIN, e => { joined = e.payload })
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [TOPIC], fromBeginning: true })
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        assert.equal(topic, TOPIC)
        seen[partition].push(seenMessage(message))
      },
    })
    await waitUntil(() => joined !== null, 20000, 'the consumer to join the group')
    // kafkajs' own assigner: one member gets every partition.
    assert.deepEqual(joined.memberAssignment, { [TOPIC]: [0, 1, 2] }, 'assignment')
    assert.equal(joined.groupProtocol, 'RoundRobinAssigner', 'group protocol')
    assert.equal(joined.isLeader, true, 'the only member leads')
    await waitUntil(() => count(seen) >= expectedCount, 20000, `${expectedCount} records`)
    // Commit the position after the last record of each partition.
    await consumer.commitOffsets(Object.entries(seen).map(([p, list]) => ({
      topic: TOPIC, partition: Number(p), offset: String(Number(list[list.length - 1].offset) + 1),
    })))
    if (onRunning) await onRunning(joined)
  } finally {
    await consumer.disconnect()
  }
  return seen
}

async function groupsTest(kafka, admin, producer) {
  // First consumer: everything from the beginning.
  const first = await consumeGroup(kafka, FIRST_RECORDS)
  assert.deepEqual(first, expectedPerPartition(0, FIRST_RECORDS, { 0: 0, 1: 0, 2: 0 }),
    'first consumer: records per partition')
  const committed = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] })
  assert.deepEqual(normaliseOffsets(committed), [{
    topic: TOPIC,
    partitions: [0, 1, 2].map(partition => ({ partition, offset: '50' })),
  }], 'committed offsets after the first consumer')

  // More records after the commit; a new consumer in the group reads only those.
  await produce(producer, FIRST_RECORDS, FIRST_RECORDS + LATER_RECORDS,
    recordsBefore(FIRST_RECORDS))
  const second = await consumeGroup(kafka, LATER_RECORDS, async joined => {
    // While it is a member: listGroups, describeGroups, deleteGroups refused.
    const { groups } = await admin.listGroups()
    assert.deepEqual(groups.filter(g => g.groupId === GROUP),
      [{ groupId: GROUP, protocolType: 'consumer' }], 'listGroups')
    const described = await admin.describeGroups([GROUP])
    assert.equal(described.groups.length, 1)
    const group = described.groups[0]
    assert.equal(group.errorCode, 0)
    assert.equal(group.groupId, GROUP)
    assert.equal(group.state, 'Stable')
    assert.equal(group.protocolType, 'consumer')
    assert.equal(group.protocol, 'RoundRobinAssigner')
    assert.equal(group.members.length, 1)
    assert.equal(group.members[0].memberId, joined.memberId)
    assert.equal(group.members[0].clientId, 'kafka-do-compat')
    const assignment = AssignerProtocol.MemberAssignment.decode(group.members[0].memberAssignment)
    assert.deepEqual(assignment.assignment, { [TOPIC]: [0, 1, 2] }, 'described assignment')
    const metadata = AssignerProtocol.MemberMetadata.decode(group.members[0].memberMetadata)
    assert.deepEqual(metadata.topics, [TOPIC], 'described member metadata')
    await assert.rejects(admin.deleteGroups([GROUP]), e => {
      assert.equal(e.name, 'KafkaJSDeleteGroupsError')
      assert.deepEqual(e.groups.map(g => [g.groupId, g.errorCode]), [[GROUP, 68]],
        'NON_EMPTY_GROUP')
      return true
    }, 'deleteGroups of a group with a member')
  })
  assert.deepEqual(second, expectedPerPartition(FIRST_RECORDS, FIRST_RECORDS + LATER_RECORDS,
    { 0: 50, 1: 50, 2: 50 }), 'second consumer: only the records after the committed offsets')
  assert.deepEqual(normaliseOffsets(await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] })),
    [{ topic: TOPIC, partitions: [0, 1, 2].map(partition => ({ partition, offset: '60' })) }],
    'committed offsets after the second consumer')

  // The consumer left: the group is empty and can be deleted, with its offsets.
  const empty = (await admin.describeGroups([GROUP])).groups[0]
  assert.deepEqual([empty.errorCode, empty.state, empty.members], [0, 'Empty', []],
    'group after the consumer left')
  assert.deepEqual(await admin.deleteGroups([GROUP]), [{ groupId: GROUP, errorCode: 0 }],
    'deleteGroups')
  assert.deepEqual((await admin.listGroups()).groups.filter(g => g.groupId === GROUP), [],
    'listGroups after deleteGroups')
  assert.deepEqual(normaliseOffsets(await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] })),
    [{ topic: TOPIC, partitions: [0, 1, 2].map(partition => ({ partition, offset: '-1' })) }],
    'committed offsets after deleteGroups')
}

function normaliseOffsets(fetched) {
  return fetched.map(({ topic, partitions }) => ({
    topic,
    partitions: partitions
      .map(({ partition, offset }) => ({ partition, offset }))
      .sort((a, b) => a.partition - b.partition),
  }))
}

function topicOffsets(offsets) {
  return offsets
    .map(({ partition, offset, high, low }) => ({ partition, offset, high, low }))
    .sort((a, b) => a.partition - b.partition)
}

async function configValue(admin, topic, name) {
  const described = await admin.describeConfigs({
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: [name] }],
    includeSynonyms: false,
  })
  assert.equal(described.resources.length, 1)
  const resource = described.resources[0]
  assert.deepEqual([resource.errorCode, resource.resourceType, resource.resourceName],
    [0, ConfigResourceTypes.TOPIC, topic], 'describeConfigs resource')
  const entries = resource.configEntries.filter(e => e.configName === name)
  assert.equal(entries.length, 1, `describeConfigs entries for ${name}`)
  return entries[0]
}

async function adminTest(kafka, admin, producer) {
  assert.equal(await admin.createTopics({
    topics: [{ topic: ADMIN_TOPIC, numPartitions: 2, replicationFactor: 1,
      configEntries: [{ name: 'retention.ms', value: '86400000' }] }],
  }), true, 'createTopics of a new topic')
  assert.equal(await admin.createTopics({ topics: [{ topic: ADMIN_TOPIC, numPartitions: 1 }] }),
    false, 'createTopics of an existing topic')
  assert.ok((await admin.listTopics()).includes(ADMIN_TOPIC), 'listTopics')

  const partitionsOf = async topic => {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] })
    assert.deepEqual(topics.map(t => t.name), [topic])
    return topics[0].partitions
      .map(p => ({ partitionErrorCode: p.partitionErrorCode, partitionId: p.partitionId,
        leader: p.leader, replicas: p.replicas, isr: p.isr }))
      .sort((a, b) => a.partitionId - b.partitionId)
  }
  const onNode0 = n => Array.from({ length: n }, (_, partitionId) => ({
    partitionErrorCode: 0, partitionId, leader: 0, replicas: [0], isr: [0],
  }))
  assert.deepEqual(await partitionsOf(ADMIN_TOPIC), onNode0(2), 'fetchTopicMetadata')

  // (kafkajs 2.2.4 resolves createPartitions with undefined, despite its typings.)
  await admin.createPartitions({ topicPartitions: [{ topic: ADMIN_TOPIC, count: 4 }] })
  assert.deepEqual(await partitionsOf(ADMIN_TOPIC), onNode0(4), 'metadata after createPartitions')
  await assert.rejects(
    admin.createPartitions({ topicPartitions: [{ topic: ADMIN_TOPIC, count: 3 }] }),
    e => {
      assert.equal(e.type, 'INVALID_PARTITIONS', `shrinking: ${e}`)
      return true
    }, 'createPartitions with fewer partitions')
  assert.deepEqual(await partitionsOf(ADMIN_TOPIC), onNode0(4), 'metadata after refused shrink')

  const retention = await configValue(admin, ADMIN_TOPIC, 'retention.ms')
  assert.deepEqual([retention.configValue, retention.isDefault], ['86400000', false],
    'retention.ms as created')
  await admin.alterConfigs({
    validateOnly: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: ADMIN_TOPIC,
      configEntries: [{ name: 'retention.ms', value: '3600000' }] }],
  })
  const altered = await configValue(admin, ADMIN_TOPIC, 'retention.ms')
  assert.deepEqual([altered.configValue, altered.isDefault], ['3600000', false],
    'retention.ms after alterConfigs')

  // Records in an original and in an added partition; offsets per partition.
  const sent = await producer.send({
    topic: ADMIN_TOPIC,
    compression: CompressionTypes.GZIP,
    messages: [
      { partition: 0, key: 'a', value: '1' }, { partition: 0, key: 'b', value: '2' },
      { partition: 3, key: 'c', value: '3' },
    ],
  })
  assert.deepEqual(sent.map(m => [m.partition, m.errorCode, m.baseOffset]).sort(),
    [[0, 0, '0'], [3, 0, '0']], 'produce to an added partition')
  assert.deepEqual(topicOffsets(await admin.fetchTopicOffsets(ADMIN_TOPIC)), [
    { partition: 0, offset: '2', high: '2', low: '0' },
    { partition: 1, offset: '0', high: '0', low: '0' },
    { partition: 2, offset: '0', high: '0', low: '0' },
    { partition: 3, offset: '1', high: '1', low: '0' },
  ], `fetchTopicOffsets(${ADMIN_TOPIC})`)

  // DeleteRecords v1: the log start of partition 0 moves to 1.
  await admin.deleteTopicRecords({
    topic: ADMIN_TOPIC, partitions: [{ partition: 0, offset: '1' }],
  })
  assert.deepEqual(topicOffsets(await admin.fetchTopicOffsets(ADMIN_TOPIC))[0],
    { partition: 0, offset: '2', high: '2', low: '1' },
    'fetchTopicOffsets after deleteTopicRecords')

  // A new group reading from the beginning starts at the new log start.
  const reader = kafka.consumer({ groupId: 'js-admin-reader', maxWaitTimeInMs: 500 })
  const read = []
  await reader.connect()
  try {
    await reader.subscribe({ topics: [ADMIN_TOPIC], fromBeginning: true })
    await reader.run({
      eachMessage: async ({ partition, message }) => {
        read.push([partition, seenMessage(message).offset, seenMessage(message).key])
      },
    })
    await waitUntil(() => read.length >= 2, 20000, `2 records of ${ADMIN_TOPIC}`)
  } finally {
    await reader.disconnect()
  }
  assert.deepEqual(read.sort(), [[0, '1', 'b'], [3, '0', 'c']], 'records after deleteTopicRecords')

  await admin.deleteTopics({ topics: [ADMIN_TOPIC] })
  assert.ok(!(await admin.listTopics()).includes(ADMIN_TOPIC), 'listTopics after deleteTopics')
}

// A compacted topic: 30 rounds over 10 keys, then a tombstone for k3 and, after a pause, one
// record that rolls the segment (segment.ms = 1) so everything before it can be cleaned.
async function compactionTest(kafka, admin, producer, server) {
  const topic = 'js-compacted'
  assert.equal(await admin.createTopics({
    topics: [{ topic, numPartitions: 1, configEntries: [
      { name: 'cleanup.policy', value: 'compact' }, { name: 'segment.ms', value: '1' },
      { name: 'min.cleanable.dirty.ratio', value: '0.01' }] }],
  }), true, `createTopics(${topic})`)
  const latest = {}
  for (let round = 0; round < 30; round++) {
    const messages = Array.from({ length: 10 }, (_, k) => ({ key: `k${k}`, value: `k${k}@${round}` }))
    const [meta] = await producer.send({ topic, acks: -1, messages })
    messages.forEach((m, k) => {
      latest[m.key] = { offset: String(Number(meta.baseOffset) + k), value: m.value }
    })
  }
  const [tomb] = await producer.send({ topic, acks: -1, messages: [{ key: 'k3', value: null }] })
  latest.k3 = { offset: tomb.baseOffset, value: null }
  await delay(5)
  const [last] = await producer.send({ topic, acks: -1, messages: [{ key: 'z', value: 'last' }] })
  latest.z = { offset: last.baseOffset, value: 'last' }
  // The cleaner logs a line per pass; wait for one that indexed up to the last record.
  const cleanedTo = () => [...server.log().matchAll(/cleaner: js-compacted-0 offsets \[\d+, (\d+)\)/g)]
    .some(m => m[1] === last.baseOffset)
  await waitUntil(cleanedTo, 20000, 'the cleaner to compact js-compacted')

  const consumer = kafka.consumer({ groupId: 'js-compacted-reader', maxWaitTimeInMs: 200 })
  const seen = []
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await consumer.run({ eachMessage: async ({ message }) => { seen.push(seenMessage(message)) } })
    await waitUntil(() => seen.some(m => m.key === 'z'), 20000, 'the compacted topic read to its end')
  } finally {
    await consumer.disconnect()
  }
  assert.deepEqual(seen.map(m => ({ key: m.key, offset: m.offset, value: m.value })),
    Object.entries(latest).map(([key, v]) => ({ key, offset: v.offset, value: v.value }))
      .sort((a, b) => Number(a.offset) - Number(b.offset)),
    'a reader of the compacted topic sees the latest record per key, in offset order')
}

async function run(broker, server) {
  const kafka = new Kafka({
    clientId: 'kafka-do-compat',
    brokers: [broker],
    logLevel: logLevel.ERROR,
    retry: { initialRetryTime: 100, retries: 5 },
  })
  const admin = kafka.admin()
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await admin.connect()
  await producer.connect()
  try {
    assert.equal(await admin.createTopics({
      topics: [{ topic: TOPIC, numPartitions: PARTITIONS }],
    }), true, `createTopics(${TOPIC})`)
    for (let i = 0; i < FIRST_RECORDS; i += 50) {
      await produce(producer, i, i + 50, recordsBefore(i))
    }
    assert.deepEqual(topicOffsets(await admin.fetchTopicOffsets(TOPIC)),
      [0, 1, 2].map(partition => ({ partition, offset: '50', high: '50', low: '0' })),
      `fetchTopicOffsets(${TOPIC})`)

    await groupsTest(kafka, admin, producer)
    await adminTest(kafka, admin, producer)
    await compactionTest(kafka, admin, producer, server)
    assert.deepEqual(topicOffsets(await admin.fetchTopicOffsets(TOPIC)),
      [0, 1, 2].map(partition => ({ partition, offset: '60', high: '60', low: '0' })),
      `fetchTopicOffsets(${TOPIC}) at the end`)
  } finally {
    await producer.disconnect()
    await admin.disconnect()
  }
}

async function main() {
  const kafkado = process.argv[2]
  if (!kafkado) {
    console.error('usage: node kafkajs_test.js KAFKADO')
    process.exit(2)
  }
  const server = await startServer(kafkado, ['--cleaner-backoff-ms', '50'])
  console.log(`server on ${server.broker}`)
  try {
    await withTimeout(run(server.broker, server), 80000, 'the kafkajs test')
  } catch (e) {
    killServer(server)
    console.error(`FAIL: ${e.stack || e}`)
    console.error(`--- server log:\n${server.log()}`)
    fs.rmSync(server.workdir, { recursive: true, force: true })
    process.exit(1)
  }
  await stopServer(server)
  console.log('PASS')
}

main().catch(e => {
  console.error(`FAIL: ${e.stack || e}`)
  process.exit(1)
})
