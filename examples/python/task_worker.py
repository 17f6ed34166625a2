#!/usr/bin/env python3
"""An example remote-task worker: executes the `summarize` step of the `text-summary` workflow
(examples/workflows, RemoteTaskWorkflows) from the task queue `text-tasks`, with stepstream_worker.py.

    python3 task_worker.py [-b HOST:PORT] [--prefix stepstream] [--queue text-tasks] [--group GROUP]
                           [--concurrency 4] [--slow-ms 0] [--log FILE] [-X key=value ...]

The task's input is {"text": "...", "top": 3, "failAttempts": 0}; the result is
{"words": 12, "top": [{"word": "kafka", "count": 3}, ...], "worker": "python", "pid": 1234, "taskId": "prm_...", "attempt": 1}:
the word count and the `top` most frequent words (ties: alphabetical), and who executed it.
- an empty text fails the step at once: NonRetryableTaskError EMPTY_TEXT (no further attempts);
- `failAttempts: N` makes attempts 1..N fail with a retryable ConnectionError (a flaky dependency), so the
  engine retries with a new task record;
- `--slow-ms` makes each task take that long (in 50 ms slices, stopping early if the task is cancelled);
- `--log FILE` appends one JSON line per execution start and finish (task id, attempt, run id, pid), for tests.

Runs until Ctrl-C / SIGTERM (exit 130, after running tasks finish) or, with --max-tasks N, until N
executions finished (exit 0). Progress goes to stderr.
"""

import argparse
import collections
import json
import logging
import os
import re
import sys
import threading
import time

from stepstream_worker import NonRetryableTaskError, Worker

WORD = re.compile(r"[a-z0-9']+")


def summarize(text, top):
    """Word count and the `top` most frequent words (ties in alphabetical order)."""
    words = WORD.findall(text.lower())
    counts = collections.Counter(words)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]
    return {"words": len(words), "top": [{"word": w, "count": c} for w, c in ranked]}


def make_handler(slow_ms):
    def handle(task, ctx):
        data = task.input if isinstance(task.input, dict) else {}
        text = data.get("text") or ""
        if not text.strip():
            raise NonRetryableTaskError("EMPTY_TEXT", "nothing to summarize")
        if task.attempt is not None and task.attempt <= int(data.get("failAttempts") or 0):
            raise ConnectionError(f"flaky dependency (attempt {task.attempt})")
        end = time.monotonic() + slow_ms / 1000.0
        while time.monotonic() < end and not ctx.cancelled:
            time.sleep(min(0.05, max(0.0, end - time.monotonic())))
        result = summarize(text, int(data.get("top") or 3))
        result.update({"worker": "python", "pid": os.getpid(), "taskId": task.task_id, "attempt": task.attempt})
        return result

    return handle


class ExecutionLog:
    """One JSON line per event, appended with a single write(2) on an O_APPEND file: whole lines even across processes."""

    def __init__(self, path):
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644) if path else None

    def write(self, event, task, **fields):
        line = {"event": event, "taskId": task.task_id, "attempt": task.attempt, "runId": task.run_id,
                "pid": os.getpid(), "at": int(time.time() * 1000), **fields}
        progress(f"{event} {task.task_id} (run {task.run_id}, attempt {task.attempt})"
                 + "".join(f" {k}={v}" for k, v in fields.items()))
        if self._fd is not None:
            os.write(self._fd, (json.dumps(line) + "\n").encode("utf-8"))


def progress(text):
    print(text, file=sys.stderr, flush=True)


def main(argv):
    parser = argparse.ArgumentParser(description="Executes text-summary tasks from a Stepstream task queue.")
    parser.add_argument("-b", "--bootstrap-servers", default=os.environ.get("STEPSTREAM_BOOTSTRAP_SERVERS", "127.0.0.1:9092"))
    parser.add_argument("--prefix", default="stepstream")
    parser.add_argument("--queue", default="text-tasks")
    parser.add_argument("--group", default=None, help="consumer group (default <prefix>.workers.<queue>)")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--slow-ms", type=int, default=0)
    parser.add_argument("--log", default=None, help="append one JSON line per execution start/finish")
    parser.add_argument("--max-tasks", type=int, default=0, help="stop after this many finished executions")
    parser.add_argument("-X", action="append", default=[], metavar="KEY=VALUE", help="a librdkafka setting")
    args = parser.parse_args(argv)
    config = {}
    for setting in args.X:
        key, sep, value = setting.partition("=")
        if not sep:
            parser.error(f"-X {setting}: expected key=value")
        config[key] = value
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")

    execution_log = ExecutionLog(args.log)
    finished = [0]
    lock = threading.Lock()
    worker = None

    def on_event(event, task, **fields):
        execution_log.write(event, task, **fields)
        if event == "finish" and args.max_tasks:
            with lock:
                finished[0] += 1
                if finished[0] >= args.max_tasks:
                    worker.stop()

    worker = Worker(args.bootstrap_servers, args.queue, make_handler(args.slow_ms), prefix=args.prefix,
                    group=args.group, concurrency=args.concurrency, kafka_config=config, on_event=on_event)
    progress(f"pid {os.getpid()}: waiting for tasks on {args.prefix}.tasks.{args.queue}")
    worker.run()
    return 0 if args.max_tasks and finished[0] >= args.max_tasks else 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
