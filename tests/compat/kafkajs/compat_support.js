// What the kafkajs compat tests share: `kafkado serve` on a free loopback port with a temporary
// data directory (as compat_server.py does for the Python tests), and bounded waits (never a fixed
// sleep for synchronisation).
'use strict'

const assert = require('node:assert/strict')
const childProcess = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

async function startServer(kafkado, extraArgs = []) {
  const workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-do-compat-'))
  const logPath = path.join(workdir, 'server.log')
  const logFd = fs.openSync(logPath, 'w')
  const child = childProcess.spawn(
    kafkado,
    ['serve', '--data', path.join(workdir, 'data'), '--listen', '127.0.0.1:0',
      '--default-partitions', '1', '--group-initial-rebalance-delay-ms', '0', ...extraArgs],
    { stdio: ['ignore', 'ignore', logFd] })
  fs.closeSync(logFd)
  let exitStatus = null
  const exited = new Promise(resolve => {
    child.on('exit', (code, signal) => {
      exitStatus = { code, signal }
      resolve(exitStatus)
    })
    // Could not start (or signal) the process at all.
    child.on('error', error => {
      exitStatus = { error: String(error) }
      resolve(exitStatus)
    })
  })
  const server = { child, workdir, logPath, exited, log: () => fs.readFileSync(logPath, 'utf8') }
  // The start line is printed once the socket listens; bounded wait, no fixed sleep.
  const deadline = Date.now() + 10000
  while (Date.now() < deadline) {
    const m = /listening on 127\.0\.0\.1:(\d+) /.exec(server.log())
    if (m) {
      server.broker = `127.0.0.1:${m[1]}`
      return server
    }
    if (exitStatus) break
    await delay(50)
  }
  killServer(server)
  const log = server.log()
  fs.rmSync(workdir, { recursive: true, force: true })
  throw new Error(exitStatus
    ? `server exited before listening: ${JSON.stringify(exitStatus)}\n--- server log:\n${log}`
    : `server did not start listening within 10 s\n--- server log:\n${log}`)
}

async function stopServer(server) {
  server.child.kill('SIGTERM')
  const status = await withTimeout(server.exited, 30000, 'server exit after SIGTERM')
  assert.deepEqual(status, { code: 0, signal: null }, 'server exit status after SIGTERM')
  fs.rmSync(server.workdir, { recursive: true, force: true })
}

function killServer(server) {
  if (server.child.exitCode === null && server.child.signalCode === null) {
    server.child.kill('SIGKILL')
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers: bounded waits only.

function delay(ms) {
  return new Promise(resolve => setTimeout(resolve, ms))
}

function withTimeout(promise, ms, what) {
  let timer
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

async function waitUntil(condition, ms, what) {
  const deadline = Date.now() + ms
  while (!(await condition())) {
    if (Date.now() >= deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await delay(20)
  }
}

module.exports = { startServer, stopServer, killServer, delay, withTimeout, waitUntil }
