package io.stepstream.client;

import java.time.Instant;

/**
 * One record of a run's token stream, as a follower gets it ({@link WorkflowClient#followStream},
 * docs/streams.md). A step attempt that streams writes {@link Kind#BEGIN}, its {@link Kind#CHUNK}s
 * and an {@link Kind#END} saying whether it succeeded; the run's {@link Kind#RUN_END} comes last.
 * Chunks are at-least-once: a retried or re-executed attempt streams again under a new BEGIN, so
 * show the chunks of the current attempt of each step, and drop an attempt's text when its END
 * says FAILED or a new BEGIN of the same step arrives.
 *
 * <pre>{@code
 * // BAD: appends every chunk: a failed attempt's text stays, and the retry repeats it
 * screen.append(event.text());
 *
 * // GOOD: one buffer per step, cleared when an attempt of that step begins
 * switch (event.kind()) {
 *   case BEGIN -> buffers.put(event.step(), new StringBuilder());
 *   case CHUNK -> buffers.get(event.step()).append(event.text());
 *   case END -> { if (!event.succeeded()) buffers.remove(event.step()); }
 *   case RUN_END -> System.out.println("run ended " + event.status());
 * }
 * }</pre>
 *
 * @param step the step (null for RUN_END)
 * @param attempt the step's attempt, from 1 (0 for RUN_END)
 * @param executionId which dispatch of the run ran the attempt: a re-execution after a crash repeats
 *     the attempt number with another execution id
 * @param sequence position within the attempt: BEGIN 0, chunks 1, 2, ..., END last; a gap means a
 *     record was lost (the broker refused it for longer than the producer's delivery timeout)
 * @param text a CHUNK's text, else null
 * @param status END: {@code SUCCEEDED} or {@code FAILED}; RUN_END: the run's status ({@code COMPLETED},
 *     {@code FAILED}, {@code CANCELLED}, {@code TERMINATED}); else null
 * @param error END of a failed attempt: what it failed with; else null
 * @param position opaque: where to resume to get what comes after this event ({@link
 *     WorkflowClient#followStream(String, String)}, or an SSE {@code Last-Event-ID})
 */
public record StreamEvent(
    Kind kind, String runId, String step, int attempt, String executionId, long sequence, String text, String status, String error,
    Instant at, String position) {

  /** What a stream record is. */
  public enum Kind {
    /** An attempt of {@code step} starts streaming: text of earlier attempts of the step is void. */
    BEGIN,
    /** A piece of the attempt's output. */
    CHUNK,
    /** The attempt ended: {@link #succeeded()} or not. */
    END,
    /** The run finished (written with its result, exactly once); nothing follows. */
    RUN_END
  }

  /** An END of an attempt that succeeded: its chunks are the step's output as streamed. */
  public boolean succeeded() {
    return kind == Kind.END && "SUCCEEDED".equals(status);
  }
}
