"""Stepstream remote-task worker for Python: executes `ctx.task(...)` steps of Java workflows.

One file, stdlib + confluent_kafka (Debian's python3-confluent-kafka 1.7, librdkafka 2.0), for copying.
The wire protocol is in docs/clients.md ("Remote tasks"); in short: the engine writes one JSON task record
per attempt to `<prefix>.tasks.<queue>` (key = task id), the worker runs it and writes the outcome to
`<prefix>.signals` keyed by the task id:

    from stepstream_worker import Worker, NonRetryableTaskError

    def summarize(task, ctx):                       # task.input is the step's input as JSON
        if not task.input.get("text"):
            raise NonRetryableTaskError("EMPTY_TEXT", "nothing to summarize")   # fails the step now
        for chunk in chunks(task.input["text"]):
            if ctx.cancelled:                        # the engine gave up on this attempt
                return None                          # (nothing is published for a cancelled task)
            work(chunk)                              # heartbeats go out on their own while this runs
        return {"words": 42}                         # any JSON value: the step's result

    Worker("127.0.0.1:9092", "text-tasks", summarize, concurrency=4).run()   # until stop() or SIGTERM

Any other exception fails the attempt as retryable (error type = the exception's class name); the
engine retries per the step's RetryPolicy with a new task record (new task id, attempt + 1).

librdkafka 2.0 has no share groups (KIP-932), so this worker uses a classic consumer group (default
group id `<prefix>.workers.<queue>`) with manual commits, and that has limits (README.md, "Task workers"):
- at most one worker per partition: more workers than partitions sit idle;
- a killed worker's partitions move only after its session timeout (`session.timeout.ms`), and its
  tasks after the last committed offset are executed again, finished ones included (their second
  outcome is ignored by the engine: the first outcome of a task id wins);
- head of line: the committed offset of a partition stops at its oldest unfinished task, so a slow task
  holds back the commits (not the execution) of the tasks behind it, and when `concurrency` tasks are
  running nothing new is fetched.

Guarantees: a task's offset counts as finished only after its outcome was acknowledged by the broker
(acks=all, idempotent producer); offsets are committed per partition up to the lowest offset not yet
finished. Tasks are read read_committed (the engine writes them in transactions).
"""

import bisect
import json
import logging
import os
import queue as queue_module
import signal
import threading
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

__all__ = ["Worker", "Task", "TaskContext", "NonRetryableTaskError"]

log = logging.getLogger("stepstream_worker")


class NonRetryableTaskError(Exception):
    """Raise from a handler to fail the step at once: the engine makes no further attempts."""

    def __init__(self, type, message, details=None):
        super().__init__(f"{type}: {message}")
        self.type = type
        self.message = message
        self.details = details


class Task:
    """One attempt of a remote step, as the engine wrote it (unknown fields are kept in `raw`)."""

    def __init__(self, raw, topic, partition, offset):
        self.raw = raw
        self.task_id = raw["taskId"]
        self.queue = raw.get("queue")
        self.run_id = raw.get("runId")
        self.workflow_type = raw.get("workflowType")
        self.step = raw.get("step")
        self.attempt = raw.get("attempt")
        self.max_attempts = raw.get("maxAttempts")
        self.idempotency_key = raw.get("idempotencyKey")  # the same for every attempt: <runId>/<step>
        self.input = raw.get("input")
        self.dispatched_at = raw.get("dispatchedAt")
        self.deadline = raw.get("deadline")  # epoch ms; past it the engine has timed the attempt out
        self.heartbeat_timeout_ms = raw.get("heartbeatTimeoutMs")  # None: no heartbeats asked for
        self.topic, self.partition, self.offset = topic, partition, offset

    def __repr__(self):
        return f"Task({self.task_id}, run {self.run_id}, step {self.step}, attempt {self.attempt})"


class TaskContext:
    """What a handler may do besides returning: heartbeat, and see whether the engine cancelled the task."""

    def __init__(self, task, send_heartbeat, cancelled_event, stopping_event):
        self.task = task
        self._send_heartbeat = send_heartbeat
        self._cancelled = cancelled_event
        self._stopping = stopping_event

    @property
    def cancelled(self):
        """True once a cancel notice for this task arrived (timed out, run ended): stop, the outcome would be ignored."""
        return self._cancelled.is_set()

    @property
    def stopping(self):
        """True once the worker is shutting down: a long task may give up (it is executed again elsewhere)."""
        return self._stopping.is_set()

    def heartbeat(self):
        """Sends a heartbeat now (they also go out every heartbeatTimeoutMs/3 on their own while the handler runs)."""
        self._send_heartbeat()


class _PartitionWindow:
    """The offsets of one partition taken but not finished; what may be committed is the lowest of them."""

    def __init__(self):
        self.unfinished = []  # sorted offsets
        self.next_offset = None  # one past the highest offset taken
        self.committed = None  # the last offset committed by this worker

    def take(self, offset):
        bisect.insort(self.unfinished, offset)
        self.next_offset = max(self.next_offset or 0, offset + 1)

    def finish(self, offset):
        i = bisect.bisect_left(self.unfinished, offset)
        if i < len(self.unfinished) and self.unfinished[i] == offset:
            del self.unfinished[i]

    def commit_offset(self):
        """The offset to commit (the next to read after a restart), or None when nothing new is finished."""
        if self.next_offset is None:
            return None
        offset = self.unfinished[0] if self.unfinished else self.next_offset
        return offset if self.committed is None or offset > self.committed else None


class _Running:
    """A task being executed; a redelivered copy of it (same task id, after a rebalance) joins it."""

    def __init__(self, task):
        self.task = task
        self.cancelled = threading.Event()
        self.waiting_offsets = []  # (topic, partition, offset, generation) finished when this execution is
        self.lock = threading.Lock()
        self.done = False


class Worker:
    """Consumes `<prefix>.tasks.<queue>` in a consumer group, runs `handler(task, ctx)` for each task on up
    to `concurrency` threads and publishes each outcome to `<prefix>.signals`.

        worker = Worker("127.0.0.1:9092", "text-tasks", handler, concurrency=8,
                        kafka_config={"session.timeout.ms": 10000})
        threading.Thread(target=worker.run).start(); ...; worker.stop()

    `kafka_config` is merged into the consumer's and producer's librdkafka settings (security, timeouts).
    """

    def __init__(self, bootstrap, queue, handler, prefix="stepstream", group=None, concurrency=4, kafka_config=None,
                 on_event=None, shutdown_timeout=30.0):
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.queue = queue
        self.handler = handler
        self.concurrency = concurrency
        self.tasks_topic = f"{prefix}.tasks.{queue}"
        self.signals_topic = f"{prefix}.signals"
        self.cancels_topic = f"{prefix}.task-cancels"
        self.group = group or f"{prefix}.workers.{queue}"
        self.shutdown_timeout = shutdown_timeout
        self._on_event = on_event or (lambda event, task, **fields: None)
        extra = dict(kafka_config or {})
        common = {"bootstrap.servers": bootstrap, **extra}
        self._consumer_config = {
            **common,
            "group.id": self.group,
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "auto.offset.reset": "earliest",  # a new group starts with the oldest task, not the next one
            "isolation.level": "read_committed",
        }
        self._cancels_config = {**common, "group.id": f"{self.group}.cancels-unused", "enable.auto.commit": False,
                                "isolation.level": "read_committed"}
        self._producer_config = {**{k: v for k, v in common.items() if not _consumer_only(k)},
                                 "enable.idempotence": True, "acks": "all"}
        self._stopping = threading.Event()
        self._closed = threading.Event()  # set when run() has drained: the helper threads end
        self._finished = queue_module.Queue()  # (topic, partition, offset, generation) whose outcome is acknowledged
        self._windows = {}  # (topic, partition) -> _PartitionWindow, for the partitions assigned now
        self._generation = 0  # bumped at every revocation: finishes from before it do not count any more
        self._running = {}  # task id -> _Running
        self._running_lock = threading.Lock()
        self._cancelled_ids = _RecentIds(100_000)  # cancel notices, also for tasks not (yet) taken
        self._slots = threading.Semaphore(concurrency)
        self._in_flight = 0  # executions started and not ended (main thread only)
        self._backlog = []  # tasks fetched while every slot was busy (a fetch that raced pause())
        self._paused = False
        self._producer = None
        self._consumer = None

    # -- lifecycle -------------------------------------------------------------------------------

    def run(self):
        """Runs until stop() (or SIGTERM/SIGINT when called on the main thread); returns after a clean shutdown."""
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: self.stop())
        self._producer = Producer(self._producer_config)
        self._consumer = Consumer(self._consumer_config)
        threads = [threading.Thread(target=self._serve_deliveries, name="stepstream-deliveries", daemon=True),
                   threading.Thread(target=self._read_cancels, name="stepstream-cancels", daemon=True)]
        for t in threads:
            t.start()
        self._consumer.subscribe([self.tasks_topic], on_assign=self._assigned, on_revoke=self._revoked,
                                 on_lost=self._revoked)
        log.info("worker %s: group %s, %s, up to %d tasks at once", os.getpid(), self.group, self.tasks_topic,
                 self.concurrency)
        try:
            while not self._stopping.is_set():
                self._poll_once(0.2)
            self._drain()
        finally:
            self._consumer.close()  # leaves the group at once: the partitions move without waiting for the session timeout
            self._stopping.set()
            self._closed.set()
            for t in threads:
                t.join(timeout=5)
            self._producer.flush(10)
        log.info("worker %s stopped", os.getpid())

    def stop(self):
        """Stops fetching; run() waits up to shutdown_timeout for running tasks, commits, leaves the group."""
        self._stopping.set()

    # -- the consumer loop (one thread owns the consumer) -------------------------------------------

    def _poll_once(self, timeout):
        message = self._consumer.poll(timeout)
        if message is not None:
            if message.error():
                log.warning("fetch from %s failed: %s", self.tasks_topic, message.error())
            else:
                self._backlog.append(message)
        while self._backlog and self._in_flight < self.concurrency:
            self._take(self._backlog.pop(0))
        self._apply_finished()
        self._pause_when_full()

    def _take(self, message):
        key = (message.topic(), message.partition())
        window = self._windows.get(key)
        if window is None:
            return  # fetched before a revocation: the next owner reads it from the committed offset
        window.take(message.offset())
        where = f"{message.topic()}[{message.partition()}]@{message.offset()}"
        try:
            raw = json.loads(message.value())
            if not isinstance(raw, dict) or not isinstance(raw.get("taskId"), str):
                raise ValueError("no taskId")
            task = Task(raw, message.topic(), message.partition(), message.offset())
        except (ValueError, TypeError, UnicodeDecodeError) as e:
            # a record no worker can ever read: skipped (its offset is committed), not retried forever
            log.error("%s: undecodable task record skipped (%s): %r", where, e, (message.value() or b"")[:200])
            self._finished.put((message.topic(), message.partition(), message.offset(), self._generation))
            return
        mark = (task.topic, task.partition, task.offset, self._generation)
        if task.deadline is not None and _now_ms() > task.deadline:
            log.info("%s: task %s skipped: past its deadline (the engine has timed this attempt out)", where, task.task_id)
            self._on_event("skipped", task, reason="deadline")
            self._finished.put(mark)
            return
        if task.task_id in self._cancelled_ids:
            log.info("%s: task %s skipped: cancelled before it started", where, task.task_id)
            self._on_event("skipped", task, reason="cancelled")
            self._finished.put(mark)
            return
        with self._running_lock:
            running = self._running.get(task.task_id)
            if running is not None:
                with running.lock:
                    if not running.done:
                        # redelivered after a rebalance while still running here: its one execution finishes both
                        running.waiting_offsets.append(mark)
                        log.info("%s: task %s is already running here; not started twice", where, task.task_id)
                        return
            running = _Running(task)
            running.waiting_offsets.append(mark)
            self._running[task.task_id] = running
        self._in_flight += 1
        threading.Thread(target=self._execute, args=(running,), name=f"task-{task.task_id}", daemon=True).start()

    def _apply_finished(self):
        while True:
            try:
                topic, partition, offset, generation = self._finished.get_nowait()
            except queue_module.Empty:
                break
            if offset is None:  # an execution ended (its offsets come separately)
                self._in_flight -= 1
                continue
            window = self._windows.get((topic, partition))
            if window is not None and generation == self._generation:
                window.finish(offset)
        self._commit()

    def _commit(self):
        offsets = []
        for (topic, partition), window in self._windows.items():
            offset = window.commit_offset()
            if offset is not None:
                offsets.append(TopicPartition(topic, partition, offset))
        if not offsets:
            return
        try:
            self._consumer.commit(offsets=offsets, asynchronous=False)
            for tp in offsets:
                self._windows[(tp.topic, tp.partition)].committed = tp.offset
        except KafkaException as e:
            # e.g. a rebalance in progress: the offsets are committed on the next try, or read again by the next owner
            log.warning("commit of %s failed: %s", [(tp.partition, tp.offset) for tp in offsets], e)

    def _pause_when_full(self):
        full = self._in_flight >= self.concurrency
        if full != self._paused:
            partitions = self._consumer.assignment()
            if partitions:
                (self._consumer.pause if full else self._consumer.resume)(partitions)
            self._paused = full

    def _assigned(self, consumer, partitions):
        for tp in partitions:
            self._windows[(tp.topic, tp.partition)] = _PartitionWindow()
        log.info("assigned %s partitions %s", self.tasks_topic, sorted(tp.partition for tp in partitions))
        if self._paused:
            consumer.pause(partitions)  # still full: fetch nothing on them yet

    def _revoked(self, consumer, partitions):
        self._apply_finished()  # commits what is finished, while the partitions are still ours
        self._generation += 1
        for tp in partitions:
            self._windows.pop((tp.topic, tp.partition), None)
        revoked = {(tp.topic, tp.partition) for tp in partitions}
        self._backlog = [m for m in self._backlog if (m.topic(), m.partition()) not in revoked]
        # running tasks go on: their outcomes still count (the first outcome of a task id wins); the next owner
        # executes them again from the committed offset (or this worker joins them, if they come back here)
        log.info("revoked %s partitions %s", self.tasks_topic, sorted(tp.partition for tp in partitions))

    def _drain(self):
        """Shutdown: fetch nothing more, let running tasks finish (bounded), commit what finished."""
        self._backlog.clear()
        deadline = time.monotonic() + self.shutdown_timeout
        while self._in_flight > 0 and time.monotonic() < deadline:
            try:
                self._consumer.pause(self._consumer.assignment())
            except KafkaException:
                pass
            self._consumer.poll(0.1)  # keeps the membership alive; the partitions are paused
            self._apply_finished()
        if self._in_flight:
            log.warning("stopping with %d task(s) still running: they are executed again by the next owner",
                        self._in_flight)

    # -- one execution ---------------------------------------------------------------------------

    def _execute(self, running):
        task = running.task
        ctx = TaskContext(task, lambda: self._heartbeat(task), running.cancelled, self._stopping)
        beat = None
        if task.heartbeat_timeout_ms:
            beat = _Repeating(max(task.heartbeat_timeout_ms / 3000.0, 0.05), lambda: self._heartbeat(task))
        self._on_event("start", task)
        outcome, status = None, "completed"
        try:
            result = self.handler(task, ctx)
        except NonRetryableTaskError as e:
            status, outcome = "failed", _failure(task, e.type, e.message, e.details, non_retryable=True)
        except Exception as e:  # any other exception: a retryable failure named by its class
            status, outcome = "failed", _failure(task, type(e).__name__, str(e), None, non_retryable=False)
        else:
            outcome = {"promiseId": task.task_id, "data": result}
            try:
                json.dumps(outcome)
            except (TypeError, ValueError) as e:  # no later attempt would serialize better
                status, outcome = "failed", _failure(task, "UNSERIALIZABLE_RESULT", str(e), None, non_retryable=True)
        finally:
            if beat:
                beat.stop()
        if running.cancelled.is_set():
            status, outcome = "cancelled", None  # the engine would ignore it: nothing to publish
        published = outcome is not None and self._publish(task, outcome)
        done = outcome is None or published  # not published (stopping): left uncommitted, executed again later
        self._on_event("finish", task, status=status, published=published)
        with self._running_lock:
            with running.lock:
                running.done = True
                marks = list(running.waiting_offsets)
            self._running.pop(task.task_id, None)
        if done:
            for mark in marks:
                self._finished.put(mark)
        self._finished.put((None, None, None, None))  # the slot is free

    def _publish(self, task, outcome):
        """Produces the outcome and waits for the broker's acknowledgement (retrying until stopped); True when acked."""
        value = json.dumps(outcome).encode("utf-8")
        while True:
            delivered = threading.Event()
            errors = []

            def report(err, _msg):
                if err is not None:
                    errors.append(err)
                delivered.set()

            try:
                self._producer.produce(self.signals_topic, key=task.task_id.encode("utf-8"), value=value,
                                       headers={"content-type": b"application/json"}, on_delivery=report)
            except BufferError:
                errors.append("producer queue full")
                delivered.set()
            delivered.wait()
            if not errors:
                return True
            log.warning("outcome of %s not acknowledged (%s)%s", task.task_id, errors[0],
                        "" if not self._stopping.is_set() else ": left uncommitted, executed again by the next owner")
            if self._stopping.is_set():
                return False
            time.sleep(1)

    def _heartbeat(self, task):
        value = json.dumps({"promiseId": task.task_id, "heartbeat": True}).encode("utf-8")
        try:
            self._producer.produce(self.signals_topic, key=task.task_id.encode("utf-8"), value=value,
                                   headers={"content-type": b"application/json"})
        except BufferError:
            log.warning("heartbeat of %s dropped: producer queue full", task.task_id)

    def _serve_deliveries(self):
        while not self._closed.is_set():
            self._producer.poll(0.1)  # runs the delivery callbacks the task threads wait for

    # -- cancel notices --------------------------------------------------------------------------

    def _read_cancels(self):
        """Reads every partition of the cancel topic from its end now (no group), read_committed."""
        consumer = Consumer(self._cancels_config)
        try:
            partitions = None
            while partitions is None and not self._closed.is_set():
                topic = consumer.list_topics(self.cancels_topic, timeout=5).topics.get(self.cancels_topic)
                if topic is not None and topic.error is None and topic.partitions:
                    partitions = sorted(topic.partitions)
                else:
                    time.sleep(1)  # the engine creates it when it declares a task queue
            if partitions is None:
                return
            start = []
            for p in partitions:
                _low, high = consumer.get_watermark_offsets(TopicPartition(self.cancels_topic, p), timeout=10)
                start.append(TopicPartition(self.cancels_topic, p, high))  # from the end as it is now: no gap at startup
            consumer.assign(start)
            while not self._closed.is_set():
                message = consumer.poll(0.2)
                if message is None or message.error():
                    continue
                try:
                    notice = json.loads(message.value())
                    task_id = notice["taskId"]
                except (ValueError, TypeError, KeyError):
                    log.warning("%s[%d]@%d: undecodable cancel notice ignored", message.topic(), message.partition(),
                                message.offset())
                    continue
                self._cancelled_ids.add(task_id)
                with self._running_lock:
                    running = self._running.get(task_id)
                if running is not None:
                    log.info("task %s cancelled (%s)", task_id, notice.get("reason"))
                    running.cancelled.set()
        except KafkaException as e:
            log.error("cancel notices are not read any more: %s", e)
        finally:
            consumer.close()


def _failure(task, type, message, details, non_retryable):
    error = {"type": type, "message": message, "nonRetryable": non_retryable}
    if details is not None:
        error["details"] = details
    return {"promiseId": task.task_id, "error": error}


def _now_ms():
    return int(time.time() * 1000)


def _consumer_only(key):
    return key in ("session.timeout.ms", "heartbeat.interval.ms", "max.poll.interval.ms", "group.instance.id",
                   "partition.assignment.strategy", "auto.offset.reset", "isolation.level", "fetch.wait.max.ms",
                   "fetch.min.bytes", "fetch.max.bytes", "max.partition.fetch.bytes", "enable.auto.commit",
                   "group.id", "queued.min.messages")


class _Repeating:
    """Calls fn every `interval` seconds on its own thread until stop()."""

    def __init__(self, interval, fn):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, args=(interval, fn), daemon=True)
        self._thread.start()

    def _loop(self, interval, fn):
        while not self._stop.wait(interval):
            fn()

    def stop(self):
        self._stop.set()


class _RecentIds:
    """A set of the last `limit` ids added."""

    def __init__(self, limit):
        self._limit = limit
        self._ids = {}
        self._lock = threading.Lock()

    def add(self, item):
        with self._lock:
            self._ids[item] = None
            if len(self._ids) > self._limit:
                self._ids.pop(next(iter(self._ids)))

    def __contains__(self, item):
        with self._lock:
            return item in self._ids
