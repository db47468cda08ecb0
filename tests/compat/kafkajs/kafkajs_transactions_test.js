#!/usr/bin/env node
// Transactions (KIP-98) against kafkajs 2.2.4: InitProducerId v1, AddPartitionsToTxn v1,
// AddOffsetsToTxn v1, TxnOffsetCommit v1 (no generation), EndTxn v1, transactional Produce v7,
// read_committed / read_uncommitted Fetch v11 (kafkajs drops aborted records itself, from the
// response's aborted-transactions list, and skips control batches). Checks:
//   - two transactional producers (idempotent, maxInFlightRequests 1) interleaving transactions
//     on a 2-partition topic, some committed and some aborted, with non-transactional records in
//     between: a read_committed consumer (the kafkajs default) sees exactly the committed and
//     the plain records, once each, in order, at their exact offsets (every transaction end
//     writes one marker into each partition it wrote, which takes an offset); a
//     readUncommitted consumer sees the aborted records as well; the high watermarks count the
//     markers;
//   - consume-transform-produce: an aborted transaction with sendOffsets leaves no committed
//     offsets and no output; then a consumer in the group, per batch, sends the transformed
//     records and the batch's next offset in one transaction (sendOffsets) and commits; the
//     group's committed offsets (admin.fetchOffsets) are what sendOffsets committed, the input's
//     end offsets; a new consumer of the group resumes there (after more input); the output read
//     committed holds every input record transformed exactly once, in order per partition;
//   - SIGTERM stops the server with exit status 0.
//
// Usage: node kafkajs_transactions_test.js KAFKADO   (next to node_modules with kafkajs 2.2.4,
// i.e. after `npm ci` next to package.json; see kafkajs_test.js)
'use strict'

const assert = require('node:assert/strict')
const fs = require('node:fs')

const { Kafka, logLevel } = require('kafkajs')

const TXN_TOPIC = 'js-txn'
const CTP_IN = 'js-ctp-in'
const CTP_OUT = 'js-ctp-out'
const CTP_GROUP = 'js-ctp'
const PARTITIONS = 2
const SENTINEL = 'end-of-test'

const { startServer, stopServer, killServer, withTimeout, waitUntil } =
  require('./compat_support.js')

function perPartition(make) {
  return Object.fromEntries(Array.from({ length: PARTITIONS }, (_, p) => [p, make(p)]))
}

// deepEqual of per-partition lists, with both listed in full on a mismatch (assert's own diff
// skips lines).
function assertPartitions(actual, expected, what) {
  try {
    assert.deepEqual(actual, expected)
  } catch (e) {
    const show = lists => Object.entries(lists)
      .map(([p, list]) => `  partition ${p} (${list.length}):\n${list.map(x => `    ${x}`).join('\n')}`)
      .join('\n')
    throw new Error(`${what}\n--- actual:\n${show(actual)}\n--- expected:\n${show(expected)}`)
  }
}

function normaliseOffsets(fetched) {
  return fetched.map(({ topic, partitions }) => ({
    topic,
    partitions: partitions
      .map(({ partition, offset }) => ({ partition, offset }))
      .sort((a, b) => a.partition - b.partition),
  }))
}

function highWatermarks(offsets) {
  return offsets
    .map(({ partition, high }) => ({ partition, high }))
    .sort((a, b) => a.partition - b.partition)
}

// Reads `topic` from the beginning with a fresh group until the sentinel (a plain record the
// caller wrote last into every partition) arrived from each partition. Returns per partition
// the records before it ({offset, value}) and the sentinel's offset. Records of a partition
// arrive in order, so once its sentinel is in nothing of it can be missing any more; anything
// extra (a duplicate, an aborted record) is in the list.
async function readToSentinels(kafka, topic, groupId, options = {}) {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200, ...options })
  const seen = perPartition(() => [])
  const sentinelAt = {}
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const value = message.value.toString()
        if (value === SENTINEL) {
          assert.equal(sentinelAt[partition], undefined, `${groupId}: a second sentinel`)
          sentinelAt[partition] = message.offset
        } else {
          assert.equal(sentinelAt[partition], undefined,
            `${groupId}: ${topic}-${partition} ${value} at ${message.offset} after the sentinel`)
          seen[partition].push({ offset: message.offset, value })
        }
      },
    })
    await waitUntil(() => Object.keys(sentinelAt).length === PARTITIONS, 20000,
      `${groupId}: the sentinels of ${topic}`)
  } finally {
    await consumer.disconnect()
  }
  return { seen, sentinelAt }
}

async function writeSentinels(producer, topic) {
  await producer.send({
    topic,
    acks: -1,
    messages: Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, value: SENTINEL })),
  })
}

// ---------------------------------------------------------------------------------------------
// Interleaved transactions of two producers, with plain records in between.

// The schedule: [actor, action]. Actor 'A' or 'B' (a transactional producer) or 'plain'; action
// 'begin', 'send', 'commit' or 'abort' ('plain' only sends). A send writes 3 records to each
// partition.
//
// The last block before the final commit has two aborted transactions that overlap and end in
// the other order than they began (A first in the log, B's abort marker first). kafkajs'
// filterAbortedMessages walks the Fetch response's aborted-transaction list in order, so the
// broker sends it sorted by first offset (as the Java client and librdkafka sort it themselves);
// listed in marker order, kafkajs read_committed returned A's aborted records.
const SCHEDULE = [
  ['A', 'begin'], ['A', 'send'],
  ['B', 'begin'], ['B', 'send'],
  ['A', 'send'], ['plain', 'send'], ['B', 'send'],
  ['A', 'commit'], ['B', 'abort'],
  ['B', 'begin'], ['B', 'send'], ['A', 'begin'], ['A', 'send'],
  ['B', 'commit'], ['A', 'abort'],
  ['A', 'begin'], ['B', 'begin'], ['A', 'send'], ['B', 'send'], ['plain', 'send'],
  ['B', 'send'], ['A', 'send'],
  ['B', 'commit'], ['A', 'commit'],
  ['A', 'begin'], ['B', 'begin'], ['B', 'send'], ['A', 'send'], ['plain', 'send'],
  ['B', 'abort'], ['A', 'abort'],
  ['A', 'begin'], ['A', 'send'], ['B', 'begin'], ['B', 'send'], ['plain', 'send'],
  ['B', 'abort'], ['A', 'abort'],
  ['A', 'begin'], ['A', 'send'], ['A', 'commit'],
  ['plain', 'send'],
]
const PER_SEND = 3

async function interleavedTransactions(kafka, admin, plain) {
  assert.equal(await admin.createTopics({
    topics: [{ topic: TXN_TOPIC, numPartitions: PARTITIONS }],
  }), true, `createTopics(${TXN_TOPIC})`)
  const producers = {
    A: kafka.producer({ transactionalId: 'js-txn-a', maxInFlightRequests: 1, idempotent: true }),
    B: kafka.producer({ transactionalId: 'js-txn-b', maxInFlightRequests: 1, idempotent: true }),
  }
  // The log as the broker must write it: per partition, {offset, value, txn} (txn null for
  // plain records); markers only take an offset.
  const log = perPartition(() => [])
  const next = perPartition(() => 0)
  const open = {} // actor -> {transaction, id, wrote: Set(partition)}
  const outcome = {} // transaction id -> 'commit' | 'abort'
  const serial = { A: 0, B: 0 }
  let sends = 0
  await producers.A.connect()
  await producers.B.connect()
  try {
    for (const [actor, action] of SCHEDULE) {
      if (action === 'begin') {
        assert.equal(open[actor], undefined)
        open[actor] = { transaction: await producers[actor].transaction(),
          id: `${actor}${serial[actor]++}`, wrote: new Set() }
      } else if (action === 'send') {
        const txn = actor === 'plain' ? null : open[actor]
        const tag = txn ? txn.id : 'plain'
        const messages = []
        for (let partition = 0; partition < PARTITIONS; partition++) {
          for (let k = 0; k < PER_SEND; k++) {
            messages.push({ partition, key: `k${k}`, value: `${tag}-s${sends}-p${partition}-${k}` })
          }
        }
        sends++
        const result = await (txn ? txn.transaction : plain).send({ topic: TXN_TOPIC, acks: -1, messages })
        assert.deepEqual(
          result.map(r => [r.partition, r.errorCode, r.baseOffset]).sort(),
          Array.from({ length: PARTITIONS }, (_, p) => [p, 0, String(next[p])]),
          `base offsets of send ${sends - 1} (${tag})`)
        for (const m of messages) {
          log[m.partition].push({ offset: String(next[m.partition]++), value: m.value,
            txn: txn ? txn.id : null })
          if (txn) txn.wrote.add(m.partition)
        }
      } else {
        const txn = open[actor]
        await txn.transaction[action]()
        outcome[txn.id] = action
        for (const p of txn.wrote) next[p]++ // the marker
        delete open[actor]
      }
    }
    assert.deepEqual(open, {}, 'the schedule ends every transaction it begins')
  } finally {
    await producers.A.disconnect()
    await producers.B.disconnect()
  }
  await writeSentinels(plain, TXN_TOPIC)
  const sentinelAt = perPartition(p => String(next[p]++))

  assert.deepEqual(highWatermarks(await admin.fetchTopicOffsets(TXN_TOPIC)),
    Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, high: String(next[partition]) })),
    'high watermarks: the records plus one marker per transaction and partition')

  // "offset value" lines: compact diffs.
  const strip = records => records.map(({ offset, value }) => `${offset} ${value}`)
  const committed = perPartition(p => strip(log[p].filter(r => r.txn === null || outcome[r.txn] === 'commit')))
  const everything = perPartition(p => strip(log[p]))
  const abortedCount = Object.values(log).flat().filter(r => r.txn && outcome[r.txn] === 'abort').length
  assert.ok(abortedCount > 0 && count(committed) > 0)

  const readCommitted = await readToSentinels(kafka, TXN_TOPIC, 'js-txn-read-committed')
  assert.deepEqual(readCommitted.sentinelAt, sentinelAt, 'read_committed: sentinel offsets')
  assertPartitions(perPartition(p => strip(readCommitted.seen[p])), committed,
    'read_committed: exactly the committed and plain records, once each, in order')

  const readUncommitted = await readToSentinels(kafka, TXN_TOPIC, 'js-txn-read-uncommitted',
    { readUncommitted: true })
  assert.deepEqual(readUncommitted.sentinelAt, sentinelAt, 'read_uncommitted: sentinel offsets')
  assertPartitions(perPartition(p => strip(readUncommitted.seen[p])), everything,
    'read_uncommitted: every record, the aborted ones too, once each, in order')
  console.log(`interleaved transactions: ${Object.keys(outcome).length} transactions, ` +
    `${count(committed)} records committed or plain, ${abortedCount} aborted: ok`)
}

function count(perPartitionLists) {
  return Object.values(perPartitionLists).reduce((n, list) => n + list.length, 0)
}

// ---------------------------------------------------------------------------------------------
// Consume-transform-produce with sendOffsets.

const FIRST_INPUT = 40 // 20 per partition
const LATER_INPUT = 10 // 5 per partition, after the first consumer left

function inputRecord(i) {
  return { partition: i % PARTITIONS, key: `in-${i}`, value: `input-${i}` }
}

function transform(value) {
  return `transformed(${value.toUpperCase()})`
}

// Per partition, the input's end offset after the first `n` input records.
function inputEnd(n) {
  return Array.from({ length: PARTITIONS }, (_, p) => Math.max(0, Math.ceil((n - p) / PARTITIONS)))
}

function expectedOffsets(ends) {
  return [{ topic: CTP_IN, partitions: ends.map((offset, partition) => ({ partition, offset: String(offset) })) }]
}

// In sends of 4 records (2 a partition): small batches, so that the workers (which fetch at
// most 128 bytes a partition: about one batch) run many transactions.
async function produceInput(plain, from, to) {
  for (let i = from; i < to; i += 4) {
    await plain.send({
      topic: CTP_IN,
      acks: -1,
      messages: Array.from({ length: Math.min(4, to - i) }, (_, k) => inputRecord(i + k)),
    })
  }
}

// One worker: a consumer of the group and a transactional producer; per batch one transaction
// with the transformed records and the batch's next offset. Runs until the group's committed
// offsets (as the broker reports them) are `ends`; returns the input records it saw.
async function ctpWorker(kafka, admin, ends) {
  const consumer = kafka.consumer({ groupId: CTP_GROUP, maxWaitTimeInMs: 200,
    maxBytesPerPartition: 128 })
  const producer = kafka.producer({ transactionalId: 'js-ctp-worker', maxInFlightRequests: 1,
    idempotent: true })
  const seen = perPartition(() => [])
  let failure = null
  let transactions = 0
  const lastSent = {} // partition -> the offset the last committed sendOffsets sent
  await producer.connect()
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [CTP_IN], fromBeginning: true })
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        if (batch.messages.length === 0) return
        try {
          const transaction = await producer.transaction()
          try {
            await transaction.send({
              topic: CTP_OUT,
              acks: -1,
              messages: batch.messages.map(m => ({
                partition: batch.partition, key: m.key, value: transform(m.value.toString()),
              })),
            })
            const last = batch.messages[batch.messages.length - 1]
            await transaction.sendOffsets({
              consumerGroupId: CTP_GROUP,
              topics: [{ topic: batch.topic,
                partitions: [{ partition: batch.partition, offset: String(Number(last.offset) + 1) }] }],
            })
            await transaction.commit()
            transactions++
            lastSent[batch.partition] = String(Number(last.offset) + 1)
          } catch (e) {
            if (transaction.isActive()) await transaction.abort()
            throw e
          }
          for (const m of batch.messages) {
            seen[batch.partition].push({ offset: m.offset, value: m.value.toString() })
            resolveOffset(m.offset)
          }
          await heartbeat()
        } catch (e) {
          // Remember the first failure; kafkajs would retry the batch and hide it.
          failure = failure || e
          throw e
        }
      },
    })
    const want = expectedOffsets(ends)
    await waitUntil(async () => {
      if (failure) throw failure
      return JSON.stringify(normaliseOffsets(await admin.fetchOffsets({ groupId: CTP_GROUP, topics: [CTP_IN] }))) ===
        JSON.stringify(want)
    }, 20000, `the committed offsets of ${CTP_GROUP} to reach ${JSON.stringify(ends)}`)
  } finally {
    await consumer.disconnect()
    await producer.disconnect()
  }
  if (failure) throw failure
  assert.deepEqual(expectedOffsets(ends), expectedOffsets(ends.map((_, p) => lastSent[p])),
    'the committed offsets are what the last committed sendOffsets of each partition sent')
  return { seen, transactions }
}

function inputsPerPartition(from, to) {
  const result = perPartition(() => [])
  const next = inputEnd(from)
  for (let i = from; i < to; i++) {
    const r = inputRecord(i)
    result[r.partition].push({ offset: String(next[r.partition]++), value: r.value })
  }
  return result
}

async function consumeTransformProduce(kafka, broker, admin, plain) {
  assert.equal(await admin.createTopics({
    topics: [{ topic: CTP_IN, numPartitions: PARTITIONS }, { topic: CTP_OUT, numPartitions: PARTITIONS }],
  }), true, `createTopics(${CTP_IN}, ${CTP_OUT})`)
  await produceInput(plain, 0, FIRST_INPUT)

  // An aborted transaction with output and offsets: neither may count. Its own Kafka instance:
  // kafkajs shares what sendOffsets committed with the consumers of the same instance.
  const other = new Kafka({ clientId: 'kafka-do-compat-aborter', brokers: [broker],
    logLevel: logLevel.ERROR, retry: { initialRetryTime: 100, retries: 5 } })
  const aborter = other.producer({ transactionalId: 'js-ctp-aborter', maxInFlightRequests: 1,
    idempotent: true })
  await aborter.connect()
  try {
    const transaction = await aborter.transaction()
    await transaction.send({ topic: CTP_OUT, acks: -1, messages: Array.from({ length: PARTITIONS },
      (_, partition) => ({ partition, value: 'aborted-output' })) })
    await transaction.sendOffsets({ consumerGroupId: CTP_GROUP, topics: [{ topic: CTP_IN,
      partitions: Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, offset: '7' })) }] })
    await transaction.abort()
  } finally {
    await aborter.disconnect()
  }
  assert.deepEqual(normaliseOffsets(await admin.fetchOffsets({ groupId: CTP_GROUP, topics: [CTP_IN] })),
    expectedOffsets(inputEnd(0).map(() => -1)), 'no committed offsets after the aborted sendOffsets')

  // The first worker: from the beginning (nothing committed) to the end of the input.
  const first = await ctpWorker(kafka, admin, inputEnd(FIRST_INPUT))
  assert.deepEqual(first.seen, inputsPerPartition(0, FIRST_INPUT),
    'first worker: every input record once, in order')

  // More input; a second worker resumes after what the transactions committed.
  await produceInput(plain, FIRST_INPUT, FIRST_INPUT + LATER_INPUT)
  const second = await ctpWorker(kafka, admin, inputEnd(FIRST_INPUT + LATER_INPUT))
  assert.deepEqual(second.seen, inputsPerPartition(FIRST_INPUT, FIRST_INPUT + LATER_INPUT),
    'second worker: only the input after the committed offsets')

  // The output, read committed: each input record transformed exactly once, in order.
  await writeSentinels(plain, CTP_OUT)
  const output = await readToSentinels(kafka, CTP_OUT, 'js-ctp-out-reader')
  const inputs = inputsPerPartition(0, FIRST_INPUT + LATER_INPUT)
  assert.deepEqual(perPartition(p => output.seen[p].map(r => r.value)),
    perPartition(p => inputs[p].map(r => transform(r.value))),
    'output read committed: every input record transformed exactly once, in order')
  const uncommitted = await readToSentinels(kafka, CTP_OUT, 'js-ctp-out-uncommitted',
    { readUncommitted: true })
  assert.deepEqual(perPartition(p => uncommitted.seen[p].map(r => r.value)),
    perPartition(p => ['aborted-output', ...inputs[p].map(r => transform(r.value))]),
    'output read uncommitted: the aborted record too')
  console.log(`consume-transform-produce: ${first.transactions} + ${second.transactions} ` +
    `transactions with sendOffsets, ${count(inputs)} records: ok`)
}

// ---------------------------------------------------------------------------------------------

async function run(broker) {
  const kafka = new Kafka({
    clientId: 'kafka-do-compat',
    brokers: [broker],
    logLevel: logLevel.ERROR,
    retry: { initialRetryTime: 100, retries: 5 },
  })
  const admin = kafka.admin()
  const plain = kafka.producer()
  await admin.connect()
  await plain.connect()
  try {
    await interleavedTransactions(kafka, admin, plain)
    await consumeTransformProduce(kafka, broker, admin, plain)
  } finally {
    await plain.disconnect()
    await admin.disconnect()
  }
}

async function main() {
  const kafkado = process.argv[2]
  if (!kafkado) {
    console.error('usage: node kafkajs_transactions_test.js KAFKADO')
    process.exit(2)
  }
  const server = await startServer(kafkado)
  console.log(`server on ${server.broker}`)
  try {
    await withTimeout(run(server.broker), 80000, 'the kafkajs transactions test')
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
