#!/usr/bin/env python3
"""Produces Stepstream requests or signals as JSON with librdkafka (confluent-kafka), using the client's
DEFAULT partitioner (consistent_random: CRC32 of the key), as a Python user would.

    produce.py BOOTSTRAP requests TOPIC RUN_ID=WORKFLOW_TYPE...
    produce.py BOOTSTRAP signals  TOPIC SIGNAL_NAME SIGNAL_DATA RUN_ID...

Prints "ACK <run id> <partition>" per acknowledged record (acks=all, idempotent), "FAILED <run id> <error>"
otherwise, and exits 1 if any record failed. The JSON forms are the README's:
    requests: {"workflowType": ..., "input": ...}          key = run id
    signals:  {"name": ..., "data": ..., "signalId": ...}  key = run id
"""
import json
import sys

from confluent_kafka import Producer, libversion


def main(argv):
    bootstrap, mode, topic = argv[1], argv[2], argv[3]
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True})
    print("librdkafka", libversion()[0], flush=True)
    failed = []

    def report(err, msg):
        key = msg.key().decode("utf-8")
        if err is not None:
            failed.append(key)
            print("FAILED", key, err, flush=True)
        else:
            print("ACK", key, msg.partition(), flush=True)

    if mode == "requests":
        for spec in argv[4:]:
            run_id, workflow_type = spec.split("=", 1)
            value = {"workflowType": workflow_type, "input": run_id}
            producer.produce(topic, key=run_id, value=json.dumps(value), on_delivery=report)
    elif mode == "signals":
        name, data = argv[4], argv[5]
        for run_id in argv[6:]:
            value = {"name": name, "data": data, "signalId": "py-signal-" + run_id}
            producer.produce(topic, key=run_id, value=json.dumps(value), on_delivery=report)
    else:
        raise SystemExit("unknown mode " + mode)
    remaining = producer.flush(60)
    if remaining or failed:
        print("NOT DELIVERED", remaining, "FAILED", len(failed), flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
