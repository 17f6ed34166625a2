#!/usr/bin/env node
// Stepstream from Node.js, through Kafka topics only: a stock client (kafkajs) and JSON.parse. No Avro,
// no codec: the engine runs in JSON mode (`stepstream engine --wire-format json`, or
// `Stepstream.builder().wireFormat(WireFormat.JSON)`), so what it writes is plain JSON, and every input
// topic takes JSON anyway.
//
//   node stepstream-client.js [-b HOST:PORT] [--prefix stepstream] [--json] COMMAND ...
//
//   start RUN_ID WORKFLOW_TYPE [INPUT_JSON] [--wait SECONDS]   start a run; --wait prints its result
//   result RUN_ID [--wait SECONDS]                             the result of a run (looked up, then awaited)
//   approvals                                                  approvals waiting for a decision
//   approve RUN_ID APPROVAL_NAME --as NAME [--comment TEXT] [--edited JSON] [--wait SECONDS]
//   reject RUN_ID APPROVAL_NAME --as NAME --reason TEXT [--wait SECONDS]
//   signal RUN_ID NAME [DATA_JSON] [--signal-id ID] [--wait SECONDS]
//   cancel RUN_ID [--reason TEXT]                              cancel a run; prints the engine's answer
//   history RUN_ID                                             the run's audit events, oldest first
//
// Data (results, approvals, events) goes to stdout, as text or, with --json, one JSON record per line
// exactly as the topic holds it; progress goes to stderr. Exit code 0 when done, 1 when a wait timed out
// or nothing was found, 2 on bad usage. For SASL/TLS add `ssl` and `sasl` to the Kafka constructor below.
//
// Keys are run ids everywhere. kafkajs's default partitioner is Java's (murmur2), so records land where
// the engine keeps the run; any other partitioner works too, the engine moves records itself
// (docs/operations.md, "Placement").
'use strict'

const { randomUUID } = require('node:crypto')
const { parseArgs } = require('node:util')
const { Kafka, logLevel } = require('kafkajs')

const JSON_MODE_HINT =
  'the engine writes Avro: start it in JSON mode (stepstream engine --wire-format json, or ' +
  'Stepstream.builder().wireFormat(WireFormat.JSON)), or read this topic with an Avro decoder (docs/clients.md)'

class Failure extends Error {} // a message for the user, exit code 1

/** The topics of one Stepstream deployment and the Kafka clients this program needs. */
class Stepstream {
  constructor(bootstrap, prefix) {
    this.kafka = new Kafka({ clientId: 'stepstream-node-example', brokers: bootstrap.split(','), logLevel: logLevel.NOTHING }) // errors reach the user anyway; KAFKAJS_LOG_LEVEL=info shows kafkajs's own log
    this.requests = `${prefix}.requests`
    this.results = `${prefix}.results`
    this.events = `${prefix}.events`
    this.approvalRequests = `${prefix}.approval-requests`
    this.approvals = `${prefix}.approvals`
    this.signals = `${prefix}.signals`
  }

  // -- writing ------------------------------------------------------------------------------------

  /** Produces one JSON record keyed by the run id and waits for the broker's acknowledgement. */
  async send(topic, runId, value) {
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
    await producer.connect()
    try {
      const [meta] = await producer.send({ topic, acks: -1, messages: [{ key: runId, value: JSON.stringify(value) }] })
      return { partition: meta.partition, offset: meta.baseOffset }
    } finally {
      await producer.disconnect()
    }
  }

  // -- reading ------------------------------------------------------------------------------------

  /** Each partition's [start, end) now; reading from `end` on sees only what comes next. */
  async offsets(topic) {
    const admin = this.kafka.admin()
    await admin.connect()
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [] })
      if (!topics.some(t => t.name === topic)) {
        throw new Failure(`topic ${topic} does not exist (yet): is the engine started, with this --prefix?`)
      }
      const offsets = await admin.fetchTopicOffsets(topic)
      return new Map(offsets.map(o => [o.partition, { low: BigInt(o.low), end: BigInt(o.high) }]))
    } finally {
      await admin.disconnect()
    }
  }

  /**
   * A consumer of the topic. kafkajs only consumes through a consumer group, so each call gets a group of
   * its own (never committed to: it disappears when the consumer leaves). kafkajs reads read_committed by
   * default: the engine writes results, events and approval requests in Kafka transactions, and only
   * committed ones are real.
   */
  async consume(topic, fromBeginning, onMessage) {
    const consumer = this.kafka.consumer({
      groupId: `stepstream-node-example-${randomUUID()}`,
      readUncommitted: false,
      maxWaitTimeInMs: 200,
    })
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning })
    await consumer.run({ autoCommit: false, eachMessage: async ({ message, partition }) => onMessage(message, partition) })
    return consumer
  }

  /**
   * Every committed record of the topic up to `offsets` (default: its end now), as {key, value} with
   * value parsed.
   */
  async readAll(topic, offsets = null, timeoutMs = 60000) {
    offsets = offsets || (await this.offsets(topic))
    const remaining = new Set([...offsets].filter(([, o]) => o.end > o.low).map(([p]) => p))
    const records = []
    let skipped = 0
    if (remaining.size > 0) {
      let done
      const finished = new Promise(resolve => (done = resolve))
      const consumer = await this.consume(topic, true, (message, partition) => {
        if (BigInt(message.offset) >= offsets.get(partition).end) return // came after we started: not ours to show
        const value = parse(topic, partition, message, false)
        if (value === null) skipped++
        else records.push({ partition, offset: BigInt(message.offset), key: keyOf(message), value })
      })
      // a batch may end in a transaction marker, which is never a message: its end is reported here
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        if (BigInt(payload.lastOffset) + 1n >= offsets.get(payload.partition).end) remaining.delete(payload.partition)
        if (remaining.size === 0) done()
      })
      const timer = setTimeout(done, timeoutMs)
      await finished
      clearTimeout(timer)
      await consumer.disconnect()
      if (remaining.size > 0) throw new Failure(`could not read ${topic} to its end within ${timeoutMs / 1000} s`)
    }
    if (skipped > 0) progress(`skipped ${skipped} record(s) of ${topic} that are not JSON: ${JSON_MODE_HINT}`)
    // one partition's records are in order; across partitions there is no order to keep
    return records.sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : 1))
  }

  /** The first record of runId that `accept`s, on the topic from the offsets `start` on, or null after timeoutMs. */
  async awaitRecord(topic, start, runId, timeoutMs, accept = () => true) {
    let found, failed
    const arrived = new Promise((resolve, reject) => ((found = resolve), (failed = reject)))
    const consumer = await this.consume(topic, false, (message, partition) => {
      if (keyOf(message) !== runId) return
      try {
        const value = parse(topic, partition, message, true)
        if (accept(value)) found(value)
      } catch (e) {
        failed(e)
      }
    })
    // kafkajs applies a seek when the partition is assigned, whenever that happens
    for (const [partition, { end }] of start) consumer.seek({ topic, partition, offset: end.toString() })
    const timer = setTimeout(() => found(null), timeoutMs)
    try {
      return await arrived
    } finally {
      clearTimeout(timer)
      await consumer.disconnect()
    }
  }

  /**
   * Sends one input; with wait, returns the run's result. The read position on the results topic is
   * taken BEFORE sending, so a result that comes fast is not missed.
   */
  async sendAndAwaitResult(topic, runId, value, waitSeconds) {
    const start = waitSeconds ? await this.offsets(this.results) : null
    const { partition, offset } = await this.send(topic, runId, value)
    progress(`sent to ${topic}[${partition}]@${offset}, key ${runId}`)
    if (!waitSeconds) return null
    progress(`waiting up to ${waitSeconds} s for the result of ${runId}`)
    return this.awaitRecord(this.results, start, runId, waitSeconds * 1000)
  }

  /**
   * Approval requests still waiting: the latest record per (run, approval name) of the approval-requests
   * topic, unless it carries a resolution (APPROVED, REJECTED, TIMED_OUT, CANCELLED).
   */
  async pendingApprovals() {
    const latest = new Map()
    for (const { value } of await this.readAll(this.approvalRequests)) {
      latest.set(JSON.stringify([value.runId, value.approvalName]), value)
    }
    return [...latest.values()].filter(r => r.resolution == null)
  }
}

function keyOf(message) {
  return message.key === null ? null : message.key.toString('utf8')
}

/**
 * The record's value as JSON; non-JSON values (Avro, from an engine not in JSON mode) are an error when
 * strict, else null. Header stepstream.schema names the type, e.g. io.stepstream.avro.WorkflowResult.
 */
function parse(topic, partition, message, strict) {
  const value = message.value
  if (value && value.toString('utf8').trimStart().startsWith('{')) return JSON.parse(value.toString('utf8'))
  if (strict) {
    const start = value && value.length > 0 ? value.subarray(0, 2).toString('hex') : 'nothing'
    throw new Failure(`${topic}[${partition}]@${message.offset} (key ${keyOf(message)}) is not JSON (it starts with ${start}): ${JSON_MODE_HINT}`)
  }
  return null
}

function progress(text) {
  process.stderr.write(text + '\n')
}

function millisToText(ms) {
  return new Date(Number(ms)).toISOString()
}

function jsonArg(text, what) {
  try {
    return JSON.parse(text)
  } catch (e) {
    throw new Failure(`${what} must be JSON (a string needs quotes: '"text"'): ${e.message}`)
  }
}

// -- output ---------------------------------------------------------------------------------------

function showResult(result, asJson) {
  if (asJson) return console.log(JSON.stringify(result))
  console.log(`${result.runId}: ${result.status} (${result.workflowType}, ${result.finishedAt - result.startedAt} ms)`)
  if (result.output != null) console.log('output: ' + JSON.stringify(result.output))
  const error = result.error
  if (error != null) {
    const where = error.step ? ` (step ${error.step}, attempt ${error.attempt})` : ''
    console.log(`error: ${error.type}: ${error.message}${where}`)
  }
}

function showApproval(request, asJson) {
  if (asJson) return console.log(JSON.stringify(request))
  const who = [...request.allowedApprovers, ...request.allowedGroups.map(g => 'group ' + g)]
  console.log(`${request.runId} / ${request.approvalName}: ${request.subject}`)
  if (request.details != null) console.log('  details:   ' + JSON.stringify(request.details))
  console.log('  approvers: ' + (who.length ? who.join(', ') : 'anyone who may write to the approvals topic'))
  console.log('  deadline:  ' + millisToText(request.deadline))
}

function showEvent(event, asJson) {
  if (asJson) return console.log(JSON.stringify(event))
  const columns = [millisToText(event.timestamp), event.type.padEnd(20), event.step || '-']
  if (event.detail) columns.push(event.detail)
  console.log(columns.join('  ').trimEnd())
}

// -- commands -------------------------------------------------------------------------------------

/** Prints the awaited result, or says that none came; returns the exit code. */
function finish(args, result) {
  if (!args.wait) return 0
  if (result === null) {
    progress(`no result for ${args.runId} within ${args.wait} s (the run goes on; \`result ${args.runId} --wait SECONDS\` waits again)`)
    return 1
  }
  showResult(result, args.json)
  return 0
}

const commands = {
  async start(s, args, [runId, workflowType, input]) {
    need(runId && workflowType, 'start RUN_ID WORKFLOW_TYPE [INPUT_JSON]')
    const request = { workflowType, requestedAt: Date.now() }
    if (input !== undefined) request.input = jsonArg(input, 'INPUT_JSON')
    return finish({ ...args, runId }, await s.sendAndAwaitResult(s.requests, runId, request, args.wait))
  },

  async result(s, args, [runId]) {
    need(runId, 'result RUN_ID')
    // a run has one result: look for it in what the topic holds, then wait for it from there on
    const end = await s.offsets(s.results)
    const found = (await s.readAll(s.results, end)).find(r => r.key === runId)
    let result = found ? found.value : null
    if (result === null && args.wait) result = await s.awaitRecord(s.results, end, runId, args.wait * 1000)
    if (result === null) {
      progress(`no result for ${runId}` + (args.wait ? ` within ${args.wait} s` : ' yet'))
      return 1
    }
    showResult(result, args.json)
    return 0
  },

  async approvals(s, args) {
    const pending = await s.pendingApprovals()
    pending.sort((a, b) => a.requestedAt - b.requestedAt).forEach(r => showApproval(r, args.json))
    progress(`${pending.length} approval(s) waiting`)
    return 0
  },

  approve: (s, args, positionals) => decide(s, args, positionals, true),
  reject: (s, args, positionals) => decide(s, args, positionals, false),

  async signal(s, args, [runId, name, data]) {
    need(runId && name, 'signal RUN_ID NAME [DATA_JSON]')
    const signal = { name, sentAt: Date.now() }
    if (data !== undefined) signal.data = jsonArg(data, 'DATA_JSON')
    if (args['signal-id']) signal.signalId = args['signal-id']
    return finish({ ...args, runId }, await s.sendAndAwaitResult(s.signals, runId, signal, args.wait))
  },

  async cancel(s, args, [runId]) {
    need(runId, 'cancel RUN_ID')
    // the engine answers a command on the events topic, with the command's id: CANCEL_REQUESTED (the run
    // is being cancelled; its CANCELLED result follows) or CANCEL_REJECTED (with the reason)
    const commandId = randomUUID()
    const command = { command: 'cancel', commandId, requestedBy: process.env.USER || 'node-example', requestedAt: Date.now() }
    if (args.reason) command.reason = args.reason
    const wait = args.wait || 30
    const start = await s.offsets(s.events)
    const { partition, offset } = await s.send(s.requests, runId, command)
    progress(`sent to ${s.requests}[${partition}]@${offset}, key ${runId}, command ${commandId}`)
    const answer = await s.awaitRecord(s.events, start, runId, wait * 1000, event => event.commandId === commandId)
    if (answer === null) {
      progress(`no answer to command ${commandId} within ${wait} s: is an engine running?`)
      return 1
    }
    showEvent(answer, args.json)
    return answer.type === 'CANCEL_REQUESTED' ? 0 : 1
  },

  async history(s, args, [runId]) {
    need(runId, 'history RUN_ID')
    // every event of a run is on one partition (the engine writes them there), so topic order is run order
    const events = (await s.readAll(s.events)).filter(r => r.key === runId).map(r => r.value)
    events.forEach(e => showEvent(e, args.json))
    if (events.length === 0) {
      progress(`no events for run ${runId}`)
      return 1
    }
    return 0
  },
}

async function decide(s, args, [runId, approvalName], approved) {
  need(runId && approvalName && args.as, `${approved ? 'approve' : 'reject'} RUN_ID APPROVAL_NAME --as NAME`)
  need(approved || args.reason, 'reject needs --reason TEXT')
  const pending = (await s.pendingApprovals()).filter(r => r.runId === runId && r.approvalName === approvalName)
  if (pending.length === 0) {
    progress(`run ${runId} has no approval ${approvalName} waiting for a decision (decided already, or not asked yet?): \`approvals\` lists what is waiting`)
    return 1
  }
  const decision = { approvalName, approved, approver: args.as, token: pending[0].token, decidedAt: Date.now() }
  if (approved && args.comment) decision.comment = args.comment
  if (approved && args.edited !== undefined) decision.editedPayload = jsonArg(args.edited, '--edited')
  if (!approved) decision.reason = args.reason
  return finish({ ...args, runId }, await s.sendAndAwaitResult(s.approvals, runId, decision, args.wait))
}

class Usage extends Error {} // exit code 2

function need(condition, usage) {
  if (!condition) throw new Usage('usage: node stepstream-client.js [-b HOST:PORT] [--prefix P] [--json] ' + usage)
}

async function main(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'bootstrap-servers': { type: 'string', short: 'b', default: process.env.STEPSTREAM_BOOTSTRAP_SERVERS || '127.0.0.1:9092' },
      prefix: { type: 'string', default: 'stepstream' },
      json: { type: 'boolean', default: false },
      wait: { type: 'string' },
      as: { type: 'string' },
      comment: { type: 'string' },
      edited: { type: 'string' },
      reason: { type: 'string' },
      'signal-id': { type: 'string' },
    },
  })
  const [name, ...rest] = positionals
  need(commands[name], 'start|result|approvals|approve|reject|signal|cancel|history ... (see the comment at the top)')
  const wait = values.wait === undefined ? 0 : Number(values.wait)
  need(Number.isFinite(wait) && wait >= 0, '--wait SECONDS (a number)')
  const s = new Stepstream(values['bootstrap-servers'], values.prefix)
  return commands[name](s, { ...values, wait }, rest)
}

main(process.argv.slice(2)).then(
  code => process.exit(code),
  e => {
    const usage = e instanceof Usage || (e.code || '').startsWith('ERR_PARSE_ARGS')
    const known = usage || e instanceof Failure || (e.name || '').startsWith('KafkaJS') // kafkajs errors say what failed
    progress(known ? e.message : e.stack || String(e))
    process.exit(usage ? 2 : 1)
  }
)
