#!/usr/bin/env python3
"""Follow a run's token stream (docs/streams.md) from Python, through the topic only.

    python3 follow_stream.py [-b HOST:PORT] [--prefix stepstream] RUN_ID [--after POSITION] [--max-chunks N]

Reads <prefix>.streams, the partition of RUN_ID (Kafka's murmur2, as the engine writes it), from
the beginning or after POSITION (what a previous run of this program, the Java client or the SSE
endpoint gave as an event's position), and prints one JSON line per record of the run with its
"position" added, until the run's "run-end". --max-chunks N stops after N chunks (as a dropped
connection would); the last line's position resumes where it stopped. The text a person should see
is printed to stderr: per step, the latest attempt's chunks, dropped when it failed.

Needs confluent-kafka (Debian: apt-get install python3-confluent-kafka). Any wire format works:
stream records are always plain JSON.
"""
import argparse
import json
import os
import sys

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, TopicPartition


def murmur2(data: bytes) -> int:
    """Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), as an unsigned 32-bit int."""
    m, h = 0x5BD1E995, (0x9747B28C ^ len(data)) & 0xFFFFFFFF
    n = len(data) // 4 * 4
    for i in range(0, n, 4):
        k = int.from_bytes(data[i:i + 4], "little")
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> 24
        k = (k * m) & 0xFFFFFFFF
        h = ((h * m) & 0xFFFFFFFF) ^ k
    rest = data[n:]
    if len(rest) == 3:
        h ^= rest[2] << 16
    if len(rest) >= 2:
        h ^= rest[1] << 8
    if len(rest) >= 1:
        h = ((h ^ rest[0]) * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    return h ^ (h >> 15)


def home_partition(run_id: str, partitions: int) -> int:
    return (murmur2(run_id.encode("utf-8")) & 0x7FFFFFFF) % partitions


def start_offset(position, partition, run_id):
    """A position is '<partition>-<next offset>'; None: from the beginning."""
    if not position:
        return OFFSET_BEGINNING
    p, _, offset = position.partition("-")
    if not (p.isdigit() and offset.isdigit()) or int(p) != partition:
        raise SystemExit(f"'{position}' is not a position of run {run_id}'s stream (partition {partition}): "
                         "resume with a position this run's events gave")
    return int(offset)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-b", "--bootstrap-servers", default=os.environ.get("STEPSTREAM_BOOTSTRAP_SERVERS", "localhost:9092"))
    ap.add_argument("--prefix", default="stepstream")
    ap.add_argument("run_id")
    ap.add_argument("--after", help="resume after this position")
    ap.add_argument("--max-chunks", type=int, help="stop after this many chunks (a simulated disconnect)")
    ap.add_argument("--idle-timeout", type=float, default=60, help="give up after this many seconds without a record")
    args = ap.parse_args()

    topic = f"{args.prefix}.streams"
    # read_committed: the run-end is written in the engine's transaction; an aborted one must not count.
    # No consumer group: the partition is assigned by hand, nothing is committed.
    consumer = Consumer({"bootstrap.servers": args.bootstrap_servers, "group.id": "stepstream-python-follower",
                         "enable.auto.commit": False, "isolation.level": "read_committed",
                         "auto.offset.reset": "earliest"})
    try:
        meta = consumer.list_topics(topic, timeout=10).topics.get(topic)
        if meta is None or meta.error is not None or not meta.partitions:
            raise SystemExit(f"topic {topic} does not exist: is an engine with token streams running with prefix {args.prefix}?")
        partition = home_partition(args.run_id, len(meta.partitions))
        consumer.assign([TopicPartition(topic, partition, start_offset(args.after, partition, args.run_id))])

        shown, chunks = {}, 0
        while True:
            msg = consumer.poll(args.idle_timeout)
            if msg is None:
                raise SystemExit(f"nothing from run {args.run_id} for {args.idle_timeout} s; resume later with --after")
            if msg.error():
                raise KafkaException(msg.error())
            if msg.key() is None or msg.key().decode("utf-8") != args.run_id:
                continue  # another run on the same partition
            record = json.loads(msg.value())
            if record.get("v") != 1:
                raise SystemExit(f"record {msg.partition()}-{msg.offset()} has format version {record.get('v')}, not 1")
            record["position"] = f"{msg.partition()}-{msg.offset() + 1}"
            print(json.dumps(record), flush=True)
            kind = record["type"]
            if kind == "begin":
                shown[record["step"]] = ""           # a new attempt voids what earlier ones streamed
            elif kind == "chunk":
                shown[record["step"]] = shown.get(record["step"], "") + record["text"]
                chunks += 1
                if args.max_chunks is not None and chunks >= args.max_chunks:
                    return
            elif kind == "end" and record["status"] != "SUCCEEDED":
                shown.pop(record["step"], None)      # the failed attempt's text is dropped
            elif kind == "run-end":
                print(f"{args.run_id}: {record['status']}: " + "".join(shown.values()), file=sys.stderr)
                return
    finally:
        consumer.close()


if __name__ == "__main__":
    main()
