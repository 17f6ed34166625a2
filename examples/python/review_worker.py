#!/usr/bin/env python3
"""A reviewer service in Python that completes Stepstream durable promises, through Kafka topics only
(confluent-kafka, i.e. librdkafka, and json): no Java, no Stepstream library.

The document-review workflow (examples/workflows, ReviewWorkflows) sends a review task to the topic
`review-tasks`, exactly once, carrying the id of a durable promise, then waits up to three days,
parked, for someone to complete that promise. This program is that someone: it consumes the tasks in
a consumer group, decides, and completes the promise with one record on `<prefix>.signals`, keyed by
the promise id:

    {"promiseId": "prm_...", "data": {"approved": true, "notes": "..."}}                 the verdict
    {"promiseId": "prm_...", "error": {"type": "NEEDS_WORK", "message": "..."}}          fails the promise

    review_worker.py [-b HOST:PORT] [--prefix stepstream] [--tasks review-tasks] [--group document-reviewers]
                     [--as NAME] [--max-tasks N] [--timeout SECONDS] [-X key=value ...]

The decision is a stand-in for a person or a model: a title containing "draft" needs work (the
promise fails with type NEEDS_WORK and the workflow records NOT_REVIEWED), anything else is approved
(the workflow publishes). One line per task goes to stdout (DOCUMENT  APPROVED|NEEDS_WORK  PROMISE_ID),
progress to stderr. It runs until stopped (Ctrl-C), or until it has handled --max-tasks tasks (exit 0)
or --timeout seconds have passed (exit 1 if --max-tasks was not reached, else 0).

At least once, and that is enough: the offset of a task is committed only after its completion is
acknowledged by the broker, so a crash in between sends the completion again when the task is read
again; the engine keeps the first completion of a promise and ignores later ones (SIGNAL_IGNORED on
the events topic). The tasks are written in Kafka transactions: read them read_committed.
"""
import argparse
import json
import os
import signal
import sys
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer


def decide(task, reviewer):
    """The verdict on one task: (data, None) completes the promise, (None, error) fails it."""
    title = task.get("title") or ""
    if "draft" in title.lower():
        return None, {"type": "NEEDS_WORK", "message": f"'{title}' is still a draft: finish it, then submit it again"}
    return {"approved": True, "notes": f"approved by {reviewer}"}, None


def completion(task, reviewer):
    """The record that settles the task's promise (docs/clients.md, "Complete a durable promise")."""
    data, error = decide(task, reviewer)
    record = {"promiseId": task["promiseId"], "sentAt": int(time.time() * 1000)}
    if error is not None:
        record["error"] = error
    else:
        record["data"] = data
    return record


def progress(text):
    print(text, file=sys.stderr, flush=True)


class Worker:
    def __init__(self, args, extra):
        common = {"bootstrap.servers": args.bootstrap_servers, **extra}
        self.signals = args.prefix + ".signals"
        self.tasks = args.tasks
        self.reviewer = args.reviewer
        # a consumer group: run several copies and the tasks are shared out; offsets are committed by hand,
        # after the completion is acknowledged; read_committed because the engine emits in transactions
        self.consumer = Consumer({**common, "group.id": args.group, "enable.auto.commit": False,
                                  "auto.offset.reset": "earliest", "isolation.level": "read_committed"})
        self.producer = Producer({**common, "acks": "all", "enable.idempotence": True})

    def complete(self, promise_id, record):
        """Produces the completion keyed by the promise id (the engine finds the run from it) and waits
        for the broker's acknowledgement."""
        delivered = []
        self.producer.produce(self.signals, key=promise_id, value=json.dumps(record),
                              on_delivery=lambda err, msg: delivered.append((err, msg)))
        self.producer.flush(30)
        if not delivered:
            raise SystemExit(f"{self.signals}: no acknowledgement for promise {promise_id} within 30 s; "
                             f"is the broker reachable?")
        err, msg = delivered[0]
        if err is not None:
            raise SystemExit(f"{self.signals}: could not send the completion of promise {promise_id}: {err}")
        return msg.partition(), msg.offset()

    def handle(self, msg):
        """Completes the promise of one task; False when the record is not a task (skipped, committed)."""
        try:
            task = json.loads(msg.value())
            promise_id = task["promiseId"]
        except (TypeError, ValueError, KeyError):
            progress(f"{msg.topic()}[{msg.partition()}]@{msg.offset()}: not a review task (JSON with a promiseId), skipped")
            return False
        record = completion(task, self.reviewer)
        partition, offset = self.complete(promise_id, record)
        verdict = record["error"]["type"] if "error" in record else "APPROVED"
        progress(f"{task.get('documentId')}: {verdict}, sent to {self.signals}[{partition}]@{offset}, key {promise_id}")
        print(f"{task.get('documentId')}  {verdict}  {promise_id}", flush=True)
        return True

    def run(self, max_tasks, timeout):
        self.consumer.subscribe([self.tasks])
        progress(f"waiting for review tasks on {self.tasks}" + (f" (at most {max_tasks})" if max_tasks else ""))
        deadline = time.monotonic() + timeout if timeout else None
        handled = 0
        try:
            while not max_tasks or handled < max_tasks:
                if deadline is not None and time.monotonic() >= deadline:
                    progress(f"stopping after {timeout:g} s: {handled} task(s) handled")
                    return 1 if max_tasks else 0
                msg = self.consumer.poll(1.0)
                if msg is None:
                    continue
                if msg.error():
                    if msg.error().code() == KafkaError.UNKNOWN_TOPIC_OR_PART:
                        continue  # not created yet: the engine's operator creates it (emit topics are yours)
                    raise KafkaException(msg.error())
                if self.handle(msg):
                    handled += 1
                # only now: a crash before this line reads the task again and completes it again (ignored)
                self.consumer.commit(message=msg, asynchronous=False)
            progress(f"{handled} task(s) handled")
            return 0
        finally:
            self.consumer.close()  # leaves the group at once, so another copy takes over the partitions


def main(argv):
    p = argparse.ArgumentParser(description="Review documents: complete the durable promises of the tasks on "
                                            "review-tasks, through Kafka with JSON.")
    p.add_argument("-b", "--bootstrap-servers", default=os.environ.get("STEPSTREAM_BOOTSTRAP_SERVERS", "127.0.0.1:9092"))
    p.add_argument("--prefix", default="stepstream", help="the engine's topic prefix (default stepstream)")
    p.add_argument("--tasks", default="review-tasks", help="the topic the workflow emits review tasks to")
    p.add_argument("--group", default="document-reviewers", help="the consumer group (default document-reviewers)")
    p.add_argument("--as", dest="reviewer", default="python-reviewer", help="the reviewer's name, in the notes")
    p.add_argument("--max-tasks", type=int, default=0, metavar="N", help="stop after N tasks (default: run on)")
    p.add_argument("--timeout", type=float, default=0, metavar="SECONDS", help="stop after this long (default: run on)")
    p.add_argument("-X", dest="config", action="append", default=[], metavar="KEY=VALUE",
                   help="a librdkafka setting, e.g. -X security.protocol=SASL_SSL (repeatable)")
    args = p.parse_args(argv)
    extra = {}
    for setting in args.config:
        key, sep, value = setting.partition("=")
        if not sep:
            raise SystemExit(f"-X {setting}: expected KEY=VALUE")
        extra[key] = value
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))  # SIGTERM like Ctrl-C: leave the group cleanly
    try:
        return Worker(args, extra).run(args.max_tasks, args.timeout)
    except KafkaException as e:
        raise SystemExit(f"Kafka at {args.bootstrap_servers}: {e.args[0].str() if e.args else e}")
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
