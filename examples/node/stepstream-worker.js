// Stepstream remote-task worker for Node.js: executes `ctx.task(...)` steps of Java workflows.
//
// One file, kafkajs only, for copying. The wire protocol is in docs/clients.md ("Remote tasks"); in short:
// the engine writes one JSON task record per attempt to `<prefix>.tasks.<queue>` (key = task id), the
// worker runs it and writes the outcome to `<prefix>.signals` keyed by the task id.
//
//   const { Worker, NonRetryableTaskError } = require('./stepstream-worker')
//
//   const worker = new Worker({
//     brokers: ['127.0.0.1:9092'], queue: 'text-tasks', concurrency: 4,
//     handler: async (task, ctx) => {                  // task.input is the step's input as JSON
//       if (!task.input.text) throw new NonRetryableTaskError('EMPTY_TEXT', 'nothing to summarize')  // fails the step now
//       for (const chunk of chunks(task.input.text)) {
//         if (ctx.cancelled) return null                // the engine gave up on this attempt: nothing is published
//         await work(chunk)                             // heartbeats go out on their own while this runs
//       }
//       return { words: 42 }                           // any JSON value: the step's result
//     },
//   })
//   await worker.run()                                 // resolves after stop() (or SIGTERM/SIGINT) and a clean shutdown
//
// Any other thrown error fails the attempt as retryable (error type = the error's class name, e.g.
// TypeError); the engine retries per the step's RetryPolicy with a new task record (new task id, attempt + 1).
//
// kafkajs has no share groups (KIP-932), so this worker uses a classic consumer group (default group id
// `<prefix>.workers.<queue>`) with manual commits, and that has limits (README.md, "Task workers"): at most
// one worker per partition; a killed worker's partitions move only after its session timeout and its tasks
// after the last committed offset run again, finished ones included (the engine ignores their second
// outcome: the first outcome of a task id wins); a slow task holds back the commits (not the execution) of
// the tasks behind it on its partition, and with `concurrency` tasks running nothing new is fetched.
//
// Guarantees: a task's offset counts as finished only after its outcome was acknowledged (acks=all,
// idempotent producer); offsets are committed per partition up to the lowest offset not yet finished;
// tasks are read read_committed (the engine writes them in transactions).
'use strict'

const { randomUUID } = require('node:crypto')
const { Kafka, logLevel } = require('kafkajs')

/** Throw from a handler to fail the step at once: the engine makes no further attempts. */
class NonRetryableTaskError extends Error {
  constructor(type, message, details) {
    super(`${type}: ${message}`)
    this.name = 'NonRetryableTaskError'
    this.type = type
    this.errorMessage = message
    this.details = details
  }
}

/** One attempt of a remote step, as the engine wrote it (unknown fields are kept in `raw`). */
class Task {
  constructor(raw, topic, partition, offset) {
    this.raw = raw
    this.taskId = raw.taskId
    this.queue = raw.queue
    this.runId = raw.runId
    this.workflowType = raw.workflowType
    this.step = raw.step
    this.attempt = raw.attempt
    this.maxAttempts = raw.maxAttempts
    this.idempotencyKey = raw.idempotencyKey // the same for every attempt: <runId>/<step>
    this.input = raw.input
    this.dispatchedAt = raw.dispatchedAt
    this.deadline = raw.deadline // epoch ms; past it the engine has timed the attempt out
    this.heartbeatTimeoutMs = raw.heartbeatTimeoutMs ?? null // null: no heartbeats asked for
    this.topic = topic
    this.partition = partition
    this.offset = offset
  }
}

/** The offsets of one partition taken but not finished; what may be committed is the lowest of them. */
class PartitionWindow {
  constructor() {
    this.unfinished = new Set() // offsets (BigInt)
    this.nextOffset = null // one past the highest offset taken
    this.committed = null
    this.resumeFrom = null // the first message left unresolved when the worker was full: must come next
  }

  take(offset) {
    this.unfinished.add(offset)
    if (this.nextOffset === null || offset + 1n > this.nextOffset) this.nextOffset = offset + 1n
  }

  finish(offset) {
    this.unfinished.delete(offset)
  }

  /** The offset to commit (the next to read after a restart), or null when nothing new is finished. */
  commitOffset() {
    if (this.nextOffset === null) return null
    let offset = this.nextOffset
    for (const o of this.unfinished) if (o < offset) offset = o
    return this.committed === null || offset > this.committed ? offset : null
  }
}

class Worker {
  /**
   * @param {object} options
   * @param {string[]} options.brokers
   * @param {string} options.queue
   * @param {(task: Task, ctx: object) => any} options.handler   may be async; returns a JSON value
   * @param {string} [options.prefix='stepstream']
   * @param {string} [options.group]          default `<prefix>.workers.<queue>`
   * @param {number} [options.concurrency=4]
   * @param {object} [options.kafkaConfig]    merged into `new Kafka({...})` (ssl, sasl, ...)
   * @param {object} [options.consumerConfig] merged into `kafka.consumer({...})` (sessionTimeout, ...)
   * @param {(event: string, task: Task, fields: object) => void} [options.onEvent]  start / finish / skipped
   * @param {number} [options.shutdownTimeoutMs=30000]
   */
  constructor({ brokers, queue, handler, prefix = 'stepstream', group, concurrency = 4, kafkaConfig = {}, consumerConfig = {},
    onEvent = () => {}, shutdownTimeoutMs = 30000, logger = msg => process.stderr.write(msg + '\n') }) {
    if (!(concurrency >= 1)) throw new Error('concurrency must be at least 1')
    this.queue = queue
    this.handler = handler
    this.concurrency = concurrency
    this.tasksTopic = `${prefix}.tasks.${queue}`
    this.signalsTopic = `${prefix}.signals`
    this.cancelsTopic = `${prefix}.task-cancels`
    this.group = group || `${prefix}.workers.${queue}`
    this.onEvent = onEvent
    this.shutdownTimeoutMs = shutdownTimeoutMs
    this.log = logger
    this.kafka = new Kafka({ clientId: 'stepstream-task-worker', brokers, logLevel: logLevel.NOTHING, ...kafkaConfig })
    this.consumerConfig = consumerConfig
    this.windows = new Map() // partition -> PartitionWindow, for the partitions assigned now
    this.generation = 0 // bumped at every (re)join: finishes from before it do not count any more
    this.running = new Map() // task id -> { cancelled, waiting: [marks], done }
    this.cancelled = new RecentIds(100000) // cancel notices, also for tasks not (yet) taken
    this.inFlight = 0
    this.paused = false
    this.stopping = false
    this.stopped = new Promise(resolve => (this.stopResolve = resolve))
    this.committing = Promise.resolve()
  }

  /** Runs until stop() (or SIGTERM/SIGINT); resolves after running tasks finished (bounded) and the group was left. */
  async run() {
    const onSignal = () => this.stop()
    process.once('SIGTERM', onSignal)
    process.once('SIGINT', onSignal)
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
    this.consumer = this.kafka.consumer({ groupId: this.group, readUncommitted: false, maxWaitTimeInMs: 500, ...this.consumerConfig })
    // a throwaway group (kafkajs cannot assign without one) that starts at the end and commits nothing
    this.cancelConsumer = this.kafka.consumer({ groupId: `${this.group}.cancels.${randomUUID()}`, readUncommitted: false, maxWaitTimeInMs: 500 })
    await this.producer.connect()
    await this.consumer.connect()
    await this.cancelConsumer.connect()
    try {
      this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => this.joined(payload.memberAssignment[this.tasksTopic] || []))
      await this.consumer.subscribe({ topic: this.tasksTopic, fromBeginning: true }) // a new group starts with the oldest task
      this.readCancels().catch(e => this.log(`cancel notices are not read: ${e.message}`)) // in the background: the engine creates the topic when it declares a task queue
      await this.consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: batch => this.eachBatch(batch) })
      this.log(`worker ${process.pid}: group ${this.group}, ${this.tasksTopic}, up to ${this.concurrency} tasks at once`)
      await this.stopped
      await this.drain()
    } finally {
      process.removeListener('SIGTERM', onSignal)
      process.removeListener('SIGINT', onSignal)
      await this.consumer.disconnect() // leaves the group at once: the partitions move without waiting for the session timeout
      await this.cancelConsumer.disconnect()
      await this.producer.disconnect()
      this.log(`worker ${process.pid} stopped`)
    }
  }

  /** Stops fetching; run() waits up to shutdownTimeoutMs for running tasks, commits, leaves the group. */
  stop() {
    this.stopping = true
    this.stopResolve()
  }

  // -- consuming -----------------------------------------------------------------------------------

  joined(partitions) {
    // kafkajs reads every assigned partition again from its committed offset after a join
    this.generation++
    this.windows = new Map(partitions.map(p => [p, new PartitionWindow()]))
    this.paused = !(this.inFlight >= this.concurrency || this.stopping) // kafkajs keeps pauses across joins: set it again
    this.updatePause()
    this.log(`assigned ${this.tasksTopic} partitions ${JSON.stringify(partitions)}`)
  }

  async eachBatch({ batch, resolveOffset, isRunning, isStale }) {
    const { partition } = batch
    const window = this.windows.get(partition)
    if (!window) return
    for (const message of batch.messages) {
      if (!isRunning() || isStale() || this.stopping) return
      const offset = BigInt(message.offset)
      if (window.nextOffset !== null && offset < window.nextOffset) continue // taken already
      if (window.resumeFrom !== null) {
        if (offset !== window.resumeFrom) return // a batch fetched before the pause: wait for the refetch
        window.resumeFrom = null
      }
      if (this.inFlight >= this.concurrency) {
        // full: leave it unresolved, so kafkajs fetches it again after resume
        window.resumeFrom = offset
        this.updatePause()
        return
      }
      window.take(offset)
      resolveOffset(message.offset)
      this.take(batch.topic, partition, message)
    }
  }

  take(topic, partition, message) {
    const mark = { partition, offset: BigInt(message.offset), generation: this.generation }
    const where = `${topic}[${partition}]@${message.offset}`
    let task
    try {
      const raw = JSON.parse(message.value.toString('utf8'))
      if (!raw || typeof raw.taskId !== 'string') throw new Error('no taskId')
      task = new Task(raw, topic, partition, message.offset)
    } catch (e) {
      // a record no worker can ever read: skipped (its offset is committed), not retried forever
      this.log(`${where}: undecodable task record skipped (${e.message}): ${JSON.stringify((message.value || '').toString('utf8').slice(0, 200))}`)
      return this.finished([mark])
    }
    if (task.deadline != null && Date.now() > task.deadline) {
      this.log(`${where}: task ${task.taskId} skipped: past its deadline (the engine has timed this attempt out)`)
      this.onEvent('skipped', task, { reason: 'deadline' })
      return this.finished([mark])
    }
    if (this.cancelled.has(task.taskId)) {
      this.log(`${where}: task ${task.taskId} skipped: cancelled before it started`)
      this.onEvent('skipped', task, { reason: 'cancelled' })
      return this.finished([mark])
    }
    const running = this.running.get(task.taskId)
    if (running && !running.done) {
      // redelivered after a rebalance while still running here: its one execution finishes both
      running.waiting.push(mark)
      this.log(`${where}: task ${task.taskId} is already running here; not started twice`)
      return
    }
    const execution = { task, cancelled: false, waiting: [mark], done: false }
    this.running.set(task.taskId, execution)
    this.inFlight++
    this.updatePause()
    this.execute(execution).catch(e => this.log(`task ${task.taskId}: ${e.stack || e}`))
  }

  updatePause() {
    const full = this.inFlight >= this.concurrency || this.stopping
    if (full === this.paused) return
    this.paused = full
    const topics = [{ topic: this.tasksTopic }]
    full ? this.consumer.pause(topics) : this.consumer.resume(topics)
  }

  /** Marks offsets finished and commits, in order (one commit at a time). */
  finished(marks) {
    for (const { partition, offset, generation } of marks) {
      const window = this.windows.get(partition)
      if (window && generation === this.generation) window.finish(offset)
    }
    this.committing = this.committing.then(() => this.commit())
    return this.committing
  }

  async commit() {
    const offsets = []
    for (const [partition, window] of this.windows) {
      const offset = window.commitOffset()
      if (offset !== null) offsets.push({ topic: this.tasksTopic, partition, offset: offset.toString(), window })
    }
    if (offsets.length === 0) return
    try {
      await this.consumer.commitOffsets(offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })))
      for (const { offset, window } of offsets) window.committed = BigInt(offset)
    } catch (e) {
      // e.g. a rebalance in progress: committed on the next try, or read again by the next owner
      this.log(`commit of ${JSON.stringify(offsets.map(o => [o.partition, o.offset]))} failed: ${e.message}`)
    }
  }

  async drain() {
    this.updatePause()
    const deadline = Date.now() + this.shutdownTimeoutMs
    while (this.inFlight > 0 && Date.now() < deadline) await sleep(100)
    await this.committing
    if (this.inFlight > 0) this.log(`stopping with ${this.inFlight} task(s) still running: they are executed again by the next owner`)
  }

  // -- one execution -------------------------------------------------------------------------------

  async execute(execution) {
    const { task } = execution
    const worker = this
    const ctx = {
      task,
      /** true once a cancel notice for this task arrived (timed out, run ended): stop, the outcome would be ignored */
      get cancelled() { return execution.cancelled },
      /** true once the worker is shutting down: a long task may give up (it is executed again elsewhere) */
      get stopping() { return worker.stopping },
      /** sends a heartbeat now (they also go out every heartbeatTimeoutMs/3 on their own) */
      heartbeat: () => this.heartbeat(task),
    }
    const beat = task.heartbeatTimeoutMs ? setInterval(() => this.heartbeat(task), Math.max(task.heartbeatTimeoutMs / 3, 50)) : null
    this.onEvent('start', task, {})
    let outcome
    let status = 'completed'
    try {
      const result = await this.handler(task, ctx)
      outcome = { promiseId: task.taskId, data: result === undefined ? null : result }
      try {
        JSON.stringify(outcome)
      } catch (e) { // no later attempt would serialize better
        status = 'failed'
        outcome = failure(task, 'UNSERIALIZABLE_RESULT', e.message, undefined, true)
      }
    } catch (e) {
      status = 'failed'
      outcome = e instanceof NonRetryableTaskError
        ? failure(task, e.type, e.errorMessage, e.details, true)
        : failure(task, (e && e.constructor && e.constructor.name) || 'Error', e && e.message !== undefined ? e.message : String(e), undefined, false)
    } finally {
      if (beat) clearInterval(beat)
    }
    if (execution.cancelled) {
      status = 'cancelled'
      outcome = null // the engine would ignore it: nothing to publish
    }
    const published = outcome !== null && (await this.publish(task, outcome))
    const done = outcome === null || published // not published (stopping): left uncommitted, executed again later
    this.onEvent('finish', task, { status, published })
    execution.done = true
    this.running.delete(task.taskId)
    this.inFlight--
    if (done) await this.finished(execution.waiting)
    this.updatePause()
  }

  /** Sends the outcome and waits for the broker's acknowledgement (retrying until stopped); true when acked. */
  async publish(task, outcome) {
    for (;;) {
      try {
        await this.producer.send({ topic: this.signalsTopic, acks: -1, messages: [{ key: task.taskId, value: JSON.stringify(outcome), headers: { 'content-type': 'application/json' } }] })
        return true
      } catch (e) {
        this.log(`outcome of ${task.taskId} not acknowledged (${e.message})${this.stopping ? ': left uncommitted, executed again by the next owner' : ''}`)
        if (this.stopping) return false
        await sleep(1000)
      }
    }
  }

  heartbeat(task) {
    this.producer.send({ topic: this.signalsTopic, acks: -1, messages: [{ key: task.taskId, value: JSON.stringify({ promiseId: task.taskId, heartbeat: true }), headers: { 'content-type': 'application/json' } }] })
      .catch(e => this.log(`heartbeat of ${task.taskId} failed: ${e.message}`))
  }

  // -- cancel notices ------------------------------------------------------------------------------

  async readCancels() {
    for (;;) {
      if (this.stopping) return
      try {
        const admin = this.kafka.admin()
        await admin.connect()
        try {
          const { topics } = await admin.fetchTopicMetadata({ topics: [this.cancelsTopic] })
          if (topics.length && topics[0].partitions.length) break
        } finally {
          await admin.disconnect()
        }
      } catch (e) {
        // not there yet
      }
      await sleep(1000)
    }
    await this.cancelConsumer.subscribe({ topic: this.cancelsTopic, fromBeginning: false })
    await this.cancelConsumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        let notice
        try {
          notice = JSON.parse(message.value.toString('utf8'))
        } catch (e) {
          this.log(`${topic}[${partition}]@${message.offset}: undecodable cancel notice ignored`)
          return
        }
        if (!notice || typeof notice.taskId !== 'string') return
        this.cancelled.add(notice.taskId)
        const running = this.running.get(notice.taskId)
        if (running) {
          this.log(`task ${notice.taskId} cancelled (${notice.reason})`)
          running.cancelled = true
        }
      },
    })
  }
}

function failure(task, type, message, details, nonRetryable) {
  const error = { type, message, nonRetryable }
  if (details !== undefined) error.details = details
  return { promiseId: task.taskId, error }
}

/** A set of the last `limit` ids added. */
class RecentIds {
  constructor(limit) {
    this.limit = limit
    this.ids = new Set()
  }

  add(id) {
    this.ids.add(id)
    if (this.ids.size > this.limit) this.ids.delete(this.ids.values().next().value)
  }

  has(id) {
    return this.ids.has(id)
  }
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

module.exports = { Worker, Task, NonRetryableTaskError }
