#!/usr/bin/env node
// A reviewer service in Node.js that completes Stepstream durable promises, through Kafka topics only
// (kafkajs and JSON): no Java, no Stepstream library.
//
// The document-review workflow (examples/workflows, ReviewWorkflows) sends a review task to the topic
// `review-tasks`, exactly once, carrying the id of a durable promise, then waits up to three days,
// parked, for someone to complete that promise. This program is that someone: it consumes the tasks in
// a consumer group, decides, and completes the promise with one record on `<prefix>.signals`, keyed by
// the promise id:
//
//   {"promiseId": "prm_...", "data": {"approved": true, "notes": "..."}}                 the verdict
//   {"promiseId": "prm_...", "error": {"type": "NEEDS_WORK", "message": "..."}}          fails the promise
//
//   node review-worker.js [-b HOST:PORT] [--prefix stepstream] [--tasks review-tasks] [--group document-reviewers]
//                         [--as NAME] [--max-tasks N] [--timeout SECONDS]
//
// The decision is a stand-in for a person or a model: a title containing "draft" needs work (the promise
// fails with type NEEDS_WORK and the workflow records NOT_REVIEWED), anything else is approved (the
// workflow publishes). One line per task goes to stdout (DOCUMENT  APPROVED|NEEDS_WORK  PROMISE_ID),
// progress to stderr. It runs until stopped (Ctrl-C), or until it has handled --max-tasks tasks (exit 0)
// or --timeout seconds have passed (exit 1 if --max-tasks was not reached, else 0).
//
// At least once, and that is enough: the offset of a task is committed only after its completion is
// acknowledged by the broker, so a crash in between sends the completion again when the task is read
// again; the engine keeps the first completion of a promise and ignores later ones (SIGNAL_IGNORED on the
// events topic). The tasks are written in Kafka transactions: read them read_committed (kafkajs's default).
'use strict'

const { parseArgs } = require('node:util')
const { Kafka, logLevel } = require('kafkajs')

/** The verdict on one task: {data} completes the promise, {error} fails it. */
function decide(task, reviewer) {
  const title = task.title || ''
  if (title.toLowerCase().includes('draft')) {
    return { error: { type: 'NEEDS_WORK', message: `'${title}' is still a draft: finish it, then submit it again` } }
  }
  return { data: { approved: true, notes: `approved by ${reviewer}` } }
}

/** The record that settles the task's promise (docs/clients.md, "Complete a durable promise"). */
function completion(task, reviewer) {
  return { promiseId: task.promiseId, ...decide(task, reviewer), sentAt: Date.now() }
}

function progress(text) {
  process.stderr.write(text + '\n')
}

class Usage extends Error {} // exit code 2

async function main(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      'bootstrap-servers': { type: 'string', short: 'b', default: process.env.STEPSTREAM_BOOTSTRAP_SERVERS || '127.0.0.1:9092' },
      prefix: { type: 'string', default: 'stepstream' },
      tasks: { type: 'string', default: 'review-tasks' },
      group: { type: 'string', default: 'document-reviewers' },
      as: { type: 'string', default: 'node-reviewer' },
      'max-tasks': { type: 'string', default: '0' },
      timeout: { type: 'string', default: '0' },
    },
  })
  const maxTasks = Number(values['max-tasks'])
  const timeout = Number(values.timeout)
  if (!Number.isInteger(maxTasks) || maxTasks < 0 || !Number.isFinite(timeout) || timeout < 0) {
    throw new Usage('usage: node review-worker.js [--max-tasks N] [--timeout SECONDS] (numbers; see the comment at the top)')
  }
  const signals = `${values.prefix}.signals`
  const kafka = new Kafka({ clientId: 'stepstream-review-worker', brokers: values['bootstrap-servers'].split(','), logLevel: logLevel.NOTHING })
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  // a consumer group: run several copies and the tasks are shared out; offsets are committed by hand, after
  // the completion is acknowledged. fromBeginning applies only to a group that has committed nothing yet.
  const consumer = kafka.consumer({ groupId: values.group, readUncommitted: false, maxWaitTimeInMs: 500 })

  let handled = 0
  let stop
  const stopped = new Promise(resolve => (stop = resolve))
  await producer.connect()
  await consumer.connect()
  try {
    await consumer.subscribe({ topic: values.tasks, fromBeginning: true })
    progress(`waiting for review tasks on ${values.tasks}` + (maxTasks ? ` (at most ${maxTasks})` : ''))
    await consumer.run({
      autoCommit: false,
      // one message at a time (kafkajs's default: one partition at a time), so --max-tasks is exact
      eachMessage: async ({ topic, partition, message }) => {
        if (maxTasks && handled >= maxTasks) return // done: leave it uncommitted for the next reviewer
        let task
        try {
          task = JSON.parse(message.value.toString('utf8'))
        } catch (e) {
          task = null
        }
        if (task && typeof task.promiseId === 'string') {
          const record = completion(task, values.as)
          const [meta] = await producer.send({ topic: signals, acks: -1, messages: [{ key: task.promiseId, value: JSON.stringify(record) }] })
          const verdict = record.error ? record.error.type : 'APPROVED'
          progress(`${task.documentId}: ${verdict}, sent to ${signals}[${meta.partition}]@${meta.baseOffset}, key ${task.promiseId}`)
          console.log(`${task.documentId}  ${verdict}  ${task.promiseId}`)
          handled++
        } else {
          progress(`${topic}[${partition}]@${message.offset}: not a review task (JSON with a promiseId), skipped`)
        }
        // only now: a crash before this line reads the task again and completes it again (ignored)
        await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }])
        if (maxTasks && handled >= maxTasks) stop(0)
      },
    })
    const timer = timeout ? setTimeout(() => stop(null), timeout * 1000) : null
    process.once('SIGINT', () => stop(130))
    process.once('SIGTERM', () => stop(130))
    const code = await stopped
    clearTimeout(timer)
    if (code === null) {
      progress(`stopping after ${timeout} s: ${handled} task(s) handled`)
      return maxTasks ? 1 : 0
    }
    progress(`${handled} task(s) handled`)
    return code
  } finally {
    await consumer.disconnect() // leaves the group at once, so another copy takes over the partitions
    await producer.disconnect()
  }
}

main(process.argv.slice(2)).then(
  code => process.exit(code),
  e => {
    const usage = e instanceof Usage || (e.code || '').startsWith('ERR_PARSE_ARGS')
    const known = usage || (e.name || '').startsWith('KafkaJS') // kafkajs errors say what failed
    progress(known ? e.message : e.stack || String(e))
    process.exit(usage ? 2 : 1)
  }
)
