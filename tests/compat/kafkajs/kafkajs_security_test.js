#!/usr/bin/env node
// TLS and SASL/SCRAM against kafkajs 2.2.4: a broker with a certificate made here by the openssl
// CLI and a key file made by `kafkado keys`; kafkajs connects with `ssl: { ca }` and
// SCRAM-SHA-256 and SCRAM-SHA-512, produces and consumes; a wrong secret is refused with
// kafkajs's KafkaJSSASLAuthenticationError, a client that trusts another CA fails its TLS
// handshake. Then ACLs through kafkajs's admin (createAcls, describeAcls, deleteAcls): a key
// allowed to READ topic `a` and group `js-readers` consumes `a` but cannot produce to it
// (TOPIC_AUTHORIZATION_FAILED), does not see `b` in metadata, and cannot join another group
// (GROUP_AUTHORIZATION_FAILED).
//
// Usage: node kafkajs_security_test.js KAFKADO   (next to node_modules with kafkajs 2.2.4)
'use strict'

const assert = require('node:assert/strict')
const childProcess = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const { Kafka, logLevel, AclResourceTypes, AclOperationTypes, AclPermissionTypes,
  ResourcePatternTypes } = require('kafkajs')

const { startServer, stopServer, killServer, withTimeout, waitUntil } =
  require('./compat_support.js')

function openssl(dir, args) {
  childProcess.execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' })
}

function makeCertificates(dir) {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out',
    'ca.pem', '-days', '2', '-subj', '/CN=kafkajs-test-ca'])
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other.key', '-out',
    'other.pem', '-days', '2', '-subj', '/CN=other-ca'])
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out',
    'server.csr', '-subj', '/CN=127.0.0.1'])
  fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n')
  openssl(dir, ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key',
    '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.ext'])
}

function client(broker, ca, sasl) {
  return new Kafka({
    clientId: 'kafkajs-security',
    brokers: [broker],
    ssl: { ca: [fs.readFileSync(ca)] },
    sasl,
    logLevel: logLevel.NOTHING,
    retry: { retries: 1, initialRetryTime: 100 },
    connectionTimeout: 5000
  })
}

async function produceAndConsume(kafka, topic, values) {
  const producer = kafka.producer({ allowAutoTopicCreation: true })
  await producer.connect()
  await producer.send({ topic, messages: values.map(value => ({ value })) })
  await producer.disconnect()
  const consumer = kafka.consumer({ groupId: `g-${topic}` })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const got = []
  await consumer.run({ eachMessage: async ({ message }) => { got.push(message.value.toString()) } })
  await waitUntil(() => got.length >= values.length, 30000, `${values.length} records of ${topic}`)
  await consumer.disconnect()
  assert.deepEqual(got, values)
}

async function expectRefused(kafka, what, check) {
  const admin = kafka.admin()
  let error = null
  try {
    await admin.connect()
    await admin.listTopics()
  } catch (e) {
    error = e
  } finally {
    await admin.disconnect().catch(() => {})
  }
  assert.ok(error, `${what} was not refused`)
  check(error)
  console.log(`${what}: refused (${error.name}: ${error.message.slice(0, 90)})`)
}

async function run(server, dir) {
  const ca = path.join(dir, 'ca.pem')
  for (const mechanism of ['scram-sha-256', 'scram-sha-512']) {
    const kafka = client(server.broker, ca, { mechanism, username: 'js-app', password: 'js-s3cret' })
    const values = Array.from({ length: 10 }, (_, i) => `${mechanism}-${i}`)
    await produceAndConsume(kafka, `js-${mechanism}`, values)
    console.log(`SSL + ${mechanism}: produced and consumed ${values.length} records`)
  }
  await expectRefused(
    client(server.broker, ca, { mechanism: 'scram-sha-512', username: 'js-app', password: 'no' }),
    'a wrong secret', e => assert.match(`${e.name} ${e.message}`, /SASL|[Aa]uthentication/))
  await expectRefused(
    client(server.broker, path.join(dir, 'other.pem'),
      { mechanism: 'scram-sha-512', username: 'js-app', password: 'js-s3cret' }),
    'a broker certificate from an untrusted CA',
    e => assert.match(`${e.name} ${e.message}`, /certificate|SSL|Connection/i))
}

async function acls(server, dir) {
  const ca = path.join(dir, 'ca.pem')
  const root = client(server.broker, ca, { mechanism: 'scram-sha-512', username: 'js-app', password: 'js-s3cret' })
  const reader = client(server.broker, ca, { mechanism: 'scram-sha-256', username: 'js-reader', password: 'rd' })
  const producer = root.producer({ allowAutoTopicCreation: true })
  await producer.connect()
  await producer.send({ topic: 'a', messages: [{ value: 'a-0' }, { value: 'a-1' }] })
  await producer.send({ topic: 'b', messages: [{ value: 'b-0' }] })
  await producer.disconnect()

  const admin = root.admin()
  await admin.connect()
  const binding = (resourceType, resourceName) => ({
    resourceType, resourceName, resourcePatternType: ResourcePatternTypes.LITERAL,
    principal: 'User:js-reader', host: '*', operation: AclOperationTypes.READ,
    permissionType: AclPermissionTypes.ALLOW
  })
  await admin.createAcls({ acl: [binding(AclResourceTypes.TOPIC, 'a'), binding(AclResourceTypes.GROUP, 'js-readers')] })
  const described = await admin.describeAcls({
    resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY,
    operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY
  })
  assert.deepEqual(described.resources.map(r => r.resourceName).sort(), ['a', 'js-readers'])
  console.log('kafkajs createAcls/describeAcls: 2 bindings for User:js-reader')

  const readerAdmin = reader.admin()
  await readerAdmin.connect()
  const metadata = await readerAdmin.fetchTopicMetadata()
  const names = metadata.topics.map(t => t.name)
  assert.ok(names.includes('a') && !names.includes('b'), `reader sees ${names}`)
  await readerAdmin.disconnect()

  const readerProducer = reader.producer()
  await readerProducer.connect()
  let produceError = null
  try {
    await readerProducer.send({ topic: 'a', messages: [{ value: 'not allowed' }] })
  } catch (e) {
    produceError = e
  }
  await readerProducer.disconnect()
  assert.ok(produceError, 'the reader produced to a')
  assert.equal(produceError.type, 'TOPIC_AUTHORIZATION_FAILED', String(produceError))

  const consumer = reader.consumer({ groupId: 'js-readers' })
  await consumer.connect()
  await consumer.subscribe({ topic: 'a', fromBeginning: true })
  const got = []
  await consumer.run({ eachMessage: async ({ message }) => { got.push(message.value.toString()) } })
  await waitUntil(() => got.length >= 2, 30000, 'the reader consuming a')
  await consumer.disconnect()
  assert.deepEqual(got, ['a-0', 'a-1'])

  const other = reader.consumer({ groupId: 'not-granted', retry: { retries: 0 } })
  // run() returns before the group is joined: the refusal arrives as the consumer's crash.
  const crashed = new Promise(resolve => {
    other.on(other.events.CRASH, event => resolve(event.payload.error))
  })
  let error = null
  try {
    await other.connect()
    await other.subscribe({ topic: 'a', fromBeginning: true })
    await other.run({ eachMessage: async () => {} })
    error = await withTimeout(crashed, 20000, 'the refused consumer to crash')
  } catch (e) {
    error = e
  }
  await other.disconnect().catch(() => {})
  assert.ok(error, 'joining a group without READ on it was not refused')
  assert.equal(error.type, 'GROUP_AUTHORIZATION_FAILED', String(error))
  console.log('reader: consumes a; produce to a TOPIC_AUTHORIZATION_FAILED, b hidden, another ' +
    'group GROUP_AUTHORIZATION_FAILED')

  await admin.deleteAcls({ filters: [{ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY,
    operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY, principal: 'User:js-reader' }] })
  const left = await admin.describeAcls({
    resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY,
    operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY
  })
  assert.deepEqual(left.resources, [])
  await admin.disconnect()
  console.log('kafkajs deleteAcls: none left')
}

async function main() {
  const kafkado = process.argv[2]
  if (!kafkado) {
    console.error('usage: node kafkajs_security_test.js KAFKADO')
    process.exit(2)
  }
  const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'kafka-do-kafkajs-tls-'))
  makeCertificates(dir)
  const keys = path.join(dir, 'keys')
  childProcess.execFileSync(kafkado, ['keys', 'add', 'js-app', '--secret', 'js-s3cret',
    '--superuser', '--api-keys', keys], { stdio: 'ignore' })
  childProcess.execFileSync(kafkado, ['keys', 'add', 'js-reader', '--secret', 'rd', '--api-keys',
    keys], { stdio: 'ignore' })
  const server = await startServer(kafkado, ['--tls-cert', path.join(dir, 'server.pem'),
    '--tls-key', path.join(dir, 'server.key'), '--api-keys', keys])
  try {
    await withTimeout(run(server, dir), 90000, 'the kafkajs security test')
    await withTimeout(acls(server, dir), 90000, 'the kafkajs ACL test')
  } catch (e) {
    killServer(server)
    console.error(`FAIL: ${e.stack || e}`)
    console.error(`--- server log:\n${server.log()}`)
    fs.rmSync(server.workdir, { recursive: true, force: true })
    process.exit(1)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
  await stopServer(server)
  console.log('PASS')
}

main().catch(e => {
  console.error(`FAIL: ${e.stack || e}`)
  process.exit(1)
})
