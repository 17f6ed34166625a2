#!/usr/bin/env python3
"""Stepstream from Python, through Kafka topics only: a stock client (confluent-kafka, i.e. librdkafka)
and json.loads. No Avro, no codec: the engine runs in JSON mode (`stepstream engine --wire-format json`,
or `Stepstream.builder().wireFormat(WireFormat.JSON)`), so what it writes is plain JSON, and every
input topic takes JSON anyway.

    stepstream_client.py [-b HOST:PORT] [--prefix stepstream] [--json] COMMAND ...

    start RUN_ID WORKFLOW_TYPE [INPUT_JSON] [--wait SECONDS]   start a run; --wait prints its result
    result RUN_ID [--wait SECONDS]                             the result of a run (looked up, then awaited)
    approvals                                                  approvals waiting for a decision
    approve RUN_ID APPROVAL_NAME --as NAME [--comment TEXT] [--edited JSON] [--wait SECONDS]
    reject RUN_ID APPROVAL_NAME --as NAME --reason TEXT [--wait SECONDS]
    signal RUN_ID NAME [DATA_JSON] [--signal-id ID] [--wait SECONDS]
    cancel RUN_ID [--reason TEXT]                              cancel a run; prints the engine's answer
    history RUN_ID                                             the run's audit events, oldest first

Data (results, approvals, events) goes to stdout, as text or, with --json, one JSON record per line
exactly as the topic holds it; progress goes to stderr. Exit code 0 when done, 1 when a wait timed out
or nothing was found, 2 on bad usage. Kafka client settings (SASL, TLS) with -X key=value, as in kcat.

Keys are run ids everywhere. librdkafka's default partitioner is not Java's, so records may land on
another partition than the one the engine keeps the run on; the engine moves them there itself
(docs/operations.md, "Placement"), so nothing needs configuring.
"""
import argparse
import json
import os
import sys
import time
import uuid
from datetime import datetime, timezone

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Producer, TopicPartition

JSON_MODE_HINT = ("the engine writes Avro: start it in JSON mode (stepstream engine --wire-format json, or "
                  "Stepstream.builder().wireFormat(WireFormat.JSON)), or read this topic with an Avro decoder "
                  "(docs/clients.md)")


class Stepstream:
    """The topics of one Stepstream deployment and the two Kafka clients this program needs."""

    def __init__(self, bootstrap, prefix, extra):
        self.common = {"bootstrap.servers": bootstrap, **extra}
        self.requests = prefix + ".requests"
        self.results = prefix + ".results"
        self.events = prefix + ".events"
        self.approval_requests = prefix + ".approval-requests"
        self.approvals = prefix + ".approvals"
        self.signals = prefix + ".signals"

    # -- writing -----------------------------------------------------------------------------------

    def send(self, topic, run_id, value):
        """Produces one JSON record keyed by the run id and waits for the broker's acknowledgement."""
        producer = Producer({**self.common, "acks": "all", "enable.idempotence": True})
        delivered = []
        producer.produce(topic, key=run_id, value=json.dumps(value),
                         on_delivery=lambda err, msg: delivered.append((err, msg)))
        producer.flush(30)
        if not delivered:
            raise SystemExit(f"{topic}: no acknowledgement for run {run_id} within 30 s; is the broker reachable?")
        err, msg = delivered[0]
        if err is not None:
            raise SystemExit(f"{topic}: could not send the record of run {run_id}: {err}")
        return msg.partition(), msg.offset()

    # -- reading -----------------------------------------------------------------------------------

    def consumer(self):
        # read_committed: the engine writes results, events and approval requests in Kafka transactions;
        # only committed ones are real. No consumer group: partitions are assigned by hand, nothing committed.
        return Consumer({**self.common, "group.id": "stepstream-python-example", "enable.auto.commit": False,
                         "isolation.level": "read_committed", "enable.partition.eof": True})

    def partitions(self, consumer, topic):
        topics = consumer.list_topics(topic, timeout=10).topics
        meta = topics.get(topic)
        if meta is None or meta.error is not None or not meta.partitions:
            raise SystemExit(f"topic {topic} does not exist (yet): is the engine started, with this --prefix?")
        return sorted(meta.partitions)

    def end_offsets(self, topic):
        """Where each partition of the topic ends now: reading from here sees only what comes next."""
        consumer = self.consumer()
        try:
            ends = {}
            for p in self.partitions(consumer, topic):
                watermarks = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
                if watermarks is None:
                    raise SystemExit(f"{topic}[{p}]: no answer from its leader within 10 s; is the cluster healthy?")
                ends[p] = watermarks[1]
            return ends
        finally:
            consumer.close()

    def read_all(self, topic):
        """Every committed record of the topic, up to its end now, as (key, JSON value) pairs."""
        consumer = self.consumer()
        try:
            partitions = self.partitions(consumer, topic)
            consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
            at_end, skipped = set(), 0
            while len(at_end) < len(partitions):
                msg = consumer.poll(1.0)
                if msg is None:
                    continue
                if msg.error():
                    if msg.error().code() == KafkaError._PARTITION_EOF:
                        at_end.add(msg.partition())
                        continue
                    raise KafkaException(msg.error())
                value = parse(msg, strict=False)
                if value is None:
                    skipped += 1
                    continue
                yield key_of(msg), value
            if skipped:
                progress(f"skipped {skipped} record(s) of {topic} that are not JSON: {JSON_MODE_HINT}")
        finally:
            consumer.close()

    def await_record(self, topic, start, run_id, timeout, accept=lambda value: True):
        """The first record of run_id that `accept`s, on the topic from the offsets `start` on, or None
        after timeout seconds."""
        consumer = self.consumer()
        try:
            consumer.assign([TopicPartition(topic, p, offset) for p, offset in start.items()])
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                msg = consumer.poll(min(1.0, max(0.0, deadline - time.monotonic())))
                if msg is None or (msg.error() and msg.error().code() == KafkaError._PARTITION_EOF):
                    continue
                if msg.error():
                    raise KafkaException(msg.error())
                if key_of(msg) == run_id:
                    value = parse(msg, strict=True)
                    if accept(value):
                        return value
            return None
        finally:
            consumer.close()

    def send_and_await_result(self, topic, run_id, value, wait):
        """Sends one input; with wait, returns the run's result. The read position on the results topic
        is taken BEFORE sending, so a result that comes fast is not missed."""
        start = self.end_offsets(self.results) if wait else None
        partition, offset = self.send(topic, run_id, value)
        progress(f"sent to {topic}[{partition}]@{offset}, key {run_id}")
        if not wait:
            return None
        progress(f"waiting up to {wait:g} s for the result of {run_id}")
        return self.await_record(self.results, start, run_id, wait)

    def pending_approvals(self):
        """Approval requests still waiting: the latest record per (run, approval name) of the
        approval-requests topic, unless it carries a resolution (APPROVED, REJECTED, TIMED_OUT, CANCELLED)."""
        latest = {}
        for _, request in self.read_all(self.approval_requests):
            latest[(request["runId"], request["approvalName"])] = request
        return [r for r in latest.values() if r.get("resolution") is None]


def key_of(msg):
    return msg.key().decode("utf-8") if msg.key() is not None else None


def parse(msg, strict):
    """The record's value as JSON; non-JSON values (Avro, from an engine not in JSON mode) are an error
    when strict, else None. Header stepstream.schema names the type, e.g. io.stepstream.avro.WorkflowResult."""
    value = msg.value()
    if value and value.lstrip()[:1] == b"{":
        return json.loads(value)
    if strict:
        raise SystemExit(f"{msg.topic()}[{msg.partition()}]@{msg.offset()} (key {key_of(msg)}) is not JSON "
                         f"(it starts with {value[:2].hex() if value else 'nothing'}): {JSON_MODE_HINT}")
    return None


def progress(text):
    print(text, file=sys.stderr, flush=True)


def millis_to_text(ms):
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def json_arg(text, what):
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise SystemExit(f"{what} must be JSON (a string needs quotes: '\"text\"'): {e}")


# -- output ----------------------------------------------------------------------------------------

def show_result(result, as_json):
    if as_json:
        print(json.dumps(result), flush=True)
        return
    took = result["finishedAt"] - result["startedAt"]
    print(f"{result['runId']}: {result['status']} ({result['workflowType']}, {took} ms)")
    if result.get("output") is not None:
        print("output: " + json.dumps(result["output"]))
    error = result.get("error")
    if error is not None:
        where = f" (step {error['step']}, attempt {error['attempt']})" if error.get("step") else ""
        print(f"error: {error['type']}: {error['message']}{where}")


def show_approval(request, as_json):
    if as_json:
        print(json.dumps(request), flush=True)
        return
    who = request["allowedApprovers"] + ["group " + g for g in request["allowedGroups"]]
    print(f"{request['runId']} / {request['approvalName']}: {request['subject']}")
    if request.get("details") is not None:
        print("  details:   " + json.dumps(request["details"]))
    print("  approvers: " + (", ".join(who) if who else "anyone who may write to the approvals topic"))
    print("  deadline:  " + millis_to_text(request["deadline"]))


def show_event(event, as_json):
    if as_json:
        print(json.dumps(event), flush=True)
        return
    columns = [millis_to_text(event["timestamp"]), f"{event['type']:<20}", event.get("step") or "-"]
    if event.get("detail"):
        columns.append(event["detail"])
    print("  ".join(columns).rstrip())


# -- commands --------------------------------------------------------------------------------------

def finish(s, args, result):
    """Prints the awaited result, or says that none came; the exit code follows."""
    if not args.wait:
        return 0
    if result is None:
        progress(f"no result for {args.run_id} within {args.wait:g} s (the run goes on; "
                 f"`result {args.run_id} --wait SECONDS` waits again)")
        return 1
    show_result(result, args.json)
    return 0


def cmd_start(s, args):
    request = {"workflowType": args.workflow_type, "requestedAt": int(time.time() * 1000)}
    if args.input is not None:
        request["input"] = json_arg(args.input, "INPUT_JSON")
    return finish(s, args, s.send_and_await_result(s.requests, args.run_id, request, args.wait))


def cmd_result(s, args):
    # a run has one result: look for it in what the topic holds, then wait for it from there on
    end = s.end_offsets(s.results)
    result = next((value for key, value in s.read_all(s.results) if key == args.run_id), None)
    if result is None and args.wait:
        result = s.await_record(s.results, end, args.run_id, args.wait)
    if result is None:
        progress(f"no result for {args.run_id}" + (f" within {args.wait:g} s" if args.wait else " yet"))
        return 1
    show_result(result, args.json)
    return 0


def cmd_approvals(s, args):
    pending = s.pending_approvals()
    for request in sorted(pending, key=lambda r: r["requestedAt"]):
        show_approval(request, args.json)
    progress(f"{len(pending)} approval(s) waiting")
    return 0


def decide(s, args, approved):
    pending = [r for r in s.pending_approvals() if r["runId"] == args.run_id and r["approvalName"] == args.approval_name]
    if not pending:
        progress(f"run {args.run_id} has no approval {args.approval_name} waiting for a decision "
                 f"(decided already, or not asked yet?): `approvals` lists what is waiting")
        return 1
    decision = {"approvalName": args.approval_name, "approved": approved, "approver": args.approver,
                "token": pending[0]["token"], "decidedAt": int(time.time() * 1000)}
    if approved and args.comment:
        decision["comment"] = args.comment
    if approved and args.edited is not None:
        decision["editedPayload"] = json_arg(args.edited, "--edited")
    if not approved:
        decision["reason"] = args.reason
    return finish(s, args, s.send_and_await_result(s.approvals, args.run_id, decision, args.wait))


def cmd_signal(s, args):
    signal = {"name": args.name, "sentAt": int(time.time() * 1000)}
    if args.data is not None:
        signal["data"] = json_arg(args.data, "DATA_JSON")
    if args.signal_id:
        signal["signalId"] = args.signal_id
    return finish(s, args, s.send_and_await_result(s.signals, args.run_id, signal, args.wait))


def cmd_cancel(s, args):
    # the engine answers a command on the events topic, with the command's id: CANCEL_REQUESTED (the
    # run is being cancelled; its CANCELLED result follows) or CANCEL_REJECTED (with the reason)
    command_id = str(uuid.uuid4())
    command = {"command": "cancel", "commandId": command_id, "requestedBy": os.environ.get("USER", "python-example"),
               "requestedAt": int(time.time() * 1000)}
    if args.reason:
        command["reason"] = args.reason
    start = s.end_offsets(s.events)
    partition, offset = s.send(s.requests, args.run_id, command)
    progress(f"sent to {s.requests}[{partition}]@{offset}, key {args.run_id}, command {command_id}")
    answer = s.await_record(s.events, start, args.run_id, args.wait, lambda event: event.get("commandId") == command_id)
    if answer is None:
        progress(f"no answer to command {command_id} within {args.wait:g} s: is an engine running?")
        return 1
    show_event(answer, args.json)
    return 0 if answer["type"] == "CANCEL_REQUESTED" else 1


def cmd_history(s, args):
    # every event of a run is on one partition (the engine writes them there), so topic order is run order
    events = [event for key, event in s.read_all(s.events) if key == args.run_id]
    for event in events:
        show_event(event, args.json)
    if not events:
        progress(f"no events for run {args.run_id}")
        return 1
    return 0


def parser():
    p = argparse.ArgumentParser(description="Start Stepstream runs, decide approvals, send signals and read "
                                            "results and history, through Kafka with JSON.")
    p.add_argument("-b", "--bootstrap-servers", default=os.environ.get("STEPSTREAM_BOOTSTRAP_SERVERS", "127.0.0.1:9092"))
    p.add_argument("--prefix", default="stepstream", help="the engine's topic prefix (default stepstream)")
    p.add_argument("--json", action="store_true", help="print records as JSON lines, as the topics hold them")
    p.add_argument("-X", dest="config", action="append", default=[], metavar="KEY=VALUE",
                   help="a librdkafka setting, e.g. -X security.protocol=SASL_SSL (repeatable)")
    commands = p.add_subparsers(dest="command", required=True)

    def command(name, fn, help_text, wait=True):
        c = commands.add_parser(name, help=help_text)
        c.set_defaults(fn=fn)
        if wait:
            c.add_argument("--wait", type=float, default=0, metavar="SECONDS", help="wait this long for the run's result")
        return c

    c = command("start", cmd_start, "start a run")
    c.add_argument("run_id")
    c.add_argument("workflow_type")
    c.add_argument("input", nargs="?", help="the input as JSON, e.g. '{\"customer\":\"ada\",\"amount\":120}'")
    c = command("result", cmd_result, "the result of a run")
    c.add_argument("run_id")
    command("approvals", cmd_approvals, "approvals waiting for a decision", wait=False)
    c = command("approve", lambda s, a: decide(s, a, True), "approve a waiting approval")
    c.add_argument("run_id")
    c.add_argument("approval_name")
    c.add_argument("--as", dest="approver", required=True)
    c.add_argument("--comment")
    c.add_argument("--edited", help="approve with changes: the edited details as JSON")
    c = command("reject", lambda s, a: decide(s, a, False), "reject a waiting approval")
    c.add_argument("run_id")
    c.add_argument("approval_name")
    c.add_argument("--as", dest="approver", required=True)
    c.add_argument("--reason", required=True)
    c = command("signal", cmd_signal, "send an event to a run")
    c.add_argument("run_id")
    c.add_argument("name")
    c.add_argument("data", nargs="?", help="the event's data as JSON")
    c.add_argument("--signal-id", help="the event's id: the same id sent twice counts once")
    c = command("cancel", cmd_cancel, "cancel a run", wait=False)
    c.add_argument("--wait", type=float, default=30, metavar="SECONDS", help="wait this long for the engine's answer")
    c.add_argument("run_id")
    c.add_argument("--reason")
    c = command("history", cmd_history, "the audit events of a run", wait=False)
    c.add_argument("run_id")
    return p


def main(argv):
    args = parser().parse_args(argv)
    extra = {}
    for setting in args.config:
        key, sep, value = setting.partition("=")
        if not sep:
            raise SystemExit(f"-X {setting}: expected KEY=VALUE")
        extra[key] = value
    try:
        return args.fn(Stepstream(args.bootstrap_servers, args.prefix, extra), args)
    except KafkaException as e:
        raise SystemExit(f"Kafka at {args.bootstrap_servers}: {e.args[0].str() if e.args else e}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
