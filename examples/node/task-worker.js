#!/usr/bin/env node
// An example remote-task worker: executes the `summarize` step of the `text-summary` workflow
// (examples/workflows, RemoteTaskWorkflows) from the task queue `text-tasks`, with stepstream-worker.js.
//
//   node task-worker.js [-b HOST:PORT] [--prefix stepstream] [--queue text-tasks] [--group GROUP]
//                       [--concurrency 4] [--slow-ms 0] [--log FILE] [--max-tasks N] [--session-timeout-ms MS]
//
// The task's input is {"text": "...", "top": 3, "failAttempts": 0}; the result is
// {"words": 12, "top": [{"word": "kafka", "count": 3}, ...], "worker": "node", "pid": 1234, "taskId": "prm_...", "attempt": 1}:
// the word count and the `top` most frequent words (ties: alphabetical), and who executed it.
// - an empty text fails the step at once: NonRetryableTaskError EMPTY_TEXT (no further attempts);
// - `failAttempts: N` makes attempts 1..N fail with a retryable ConnectionError (a flaky dependency);
// - `--slow-ms` makes each task take that long (stopping early if the task is cancelled);
// - `--log FILE` appends one JSON line per execution start and finish (task id, attempt, run id, pid), for tests.
//
// Runs until Ctrl-C / SIGTERM (exit 130, after running tasks finish) or, with --max-tasks N, until N
// executions finished (exit 0). Progress goes to stderr.
'use strict'

const fs = require('node:fs')
const { parseArgs } = require('node:util')
const { Worker, NonRetryableTaskError } = require('./stepstream-worker')

class ConnectionError extends Error {}

/** Word count and the `top` most frequent words (ties in alphabetical order). */
function summarize(text, top) {
  const words = text.toLowerCase().match(/[a-z0-9']+/g) || []
  const counts = new Map()
  for (const w of words) counts.set(w, (counts.get(w) || 0) + 1)
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, top)
  return { words: words.length, top: ranked.map(([word, count]) => ({ word, count })) }
}

function handler(slowMs) {
  return async (task, ctx) => {
    const input = task.input && typeof task.input === 'object' ? task.input : {}
    const text = input.text || ''
    if (!text.trim()) throw new NonRetryableTaskError('EMPTY_TEXT', 'nothing to summarize')
    if (task.attempt != null && task.attempt <= Number(input.failAttempts || 0)) {
      throw new ConnectionError(`flaky dependency (attempt ${task.attempt})`)
    }
    const end = Date.now() + slowMs
    while (Date.now() < end && !ctx.cancelled) await new Promise(r => setTimeout(r, Math.min(50, end - Date.now())))
    return { ...summarize(text, Number(input.top || 3)), worker: 'node', pid: process.pid, taskId: task.taskId, attempt: task.attempt }
  }
}

function progress(text) {
  process.stderr.write(text + '\n')
}

async function main(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      'bootstrap-servers': { type: 'string', short: 'b', default: process.env.STEPSTREAM_BOOTSTRAP_SERVERS || '127.0.0.1:9092' },
      prefix: { type: 'string', default: 'stepstream' },
      queue: { type: 'string', default: 'text-tasks' },
      group: { type: 'string' },
      concurrency: { type: 'string', default: '4' },
      'slow-ms': { type: 'string', default: '0' },
      log: { type: 'string' },
      'max-tasks': { type: 'string', default: '0' },
      'session-timeout-ms': { type: 'string' },
    },
  })
  const numbers = ['concurrency', 'slow-ms', 'max-tasks'].map(k => Number(values[k]))
  if (numbers.some(n => !Number.isInteger(n) || n < 0)) throw new Error('--concurrency, --slow-ms, --max-tasks: whole numbers')
  const [concurrency, slowMs, maxTasks] = numbers
  const logFd = values.log ? fs.openSync(values.log, 'a') : null // O_APPEND: one write per line, whole lines across processes
  let finished = 0
  const consumerConfig = values['session-timeout-ms'] ? { sessionTimeout: Number(values['session-timeout-ms']), heartbeatInterval: Math.max(100, Math.floor(Number(values['session-timeout-ms']) / 10)) } : {}
  const worker = new Worker({
    brokers: values['bootstrap-servers'].split(','),
    queue: values.queue,
    prefix: values.prefix,
    group: values.group,
    concurrency,
    consumerConfig,
    handler: handler(slowMs),
    onEvent: (event, task, fields) => {
      const line = { event, taskId: task.taskId, attempt: task.attempt, runId: task.runId, pid: process.pid, at: Date.now(), ...fields }
      progress(`${event} ${task.taskId} (run ${task.runId}, attempt ${task.attempt})` + Object.entries(fields).map(([k, v]) => ` ${k}=${v}`).join(''))
      if (logFd !== null) fs.writeSync(logFd, JSON.stringify(line) + '\n')
      if (event === 'finish' && maxTasks && ++finished >= maxTasks) worker.stop()
    },
  })
  progress(`pid ${process.pid}: waiting for tasks on ${values.prefix}.tasks.${values.queue}`)
  await worker.run()
  return maxTasks && finished >= maxTasks ? 0 : 130
}

main(process.argv.slice(2)).then(
  code => process.exit(code),
  e => {
    progress(e.stack || String(e))
    process.exit((e.code || '').startsWith('ERR_PARSE_ARGS') ? 2 : 1)
  }
)
