package io.stepstream.internal.streams;

import io.stepstream.internal.client.streams.StreamRecord;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stream of one step attempt: a {@code begin} before its first text (seq 0), one {@code chunk}
 * per {@link #append} (seq 1, 2, ...), and an {@code end} when the attempt ends, saying whether it
 * succeeded. An attempt that never streams writes nothing at all. Thread-safe: the body may stream
 * from its attempt thread while the execution ends the attempt after a timeout.
 */
public final class AttemptStream {
  private static final Logger LOG = LoggerFactory.getLogger(AttemptStream.class);
  /** Error texts on end markers are for people; long ones (stack traces) are cut. */
  static final int MAX_ERROR_CHARS = 1_000;
  /** At most 3 bytes per char in UTF-8 (a 4-byte character is 2 chars): a chunk stays under a default 1 MB record. */
  public static final int MAX_CHUNK_CHARS = 256 * 1024;

  private final StreamWriter writer;
  private final String runId;
  private final String step;
  private final int attempt;
  private final String executionId;
  private final Clock clock;
  private long seq = -1; // -1: nothing written yet
  private boolean ended;
  private Future<?> last;

  public AttemptStream(StreamWriter writer, String runId, String step, int attempt, String executionId, Clock clock) {
    this.writer = writer;
    this.runId = runId;
    this.step = step;
    this.attempt = attempt;
    this.executionId = executionId;
    this.clock = clock;
  }

  /** @throws IllegalStateException once the attempt has ended */
  public synchronized void append(String text) {
    if (ended) {
      throw new IllegalStateException("run " + runId + ": step '" + step + "' attempt " + attempt
          + " published partial output after the attempt ended (timed out or returned); the text is dropped");
    }
    if (text == null || text.isEmpty()) {
      return;
    }
    if (text.length() > MAX_CHUNK_CHARS) {
      throw new IllegalArgumentException("run " + runId + ": step '" + step + "' published " + text.length() + " characters at once; a chunk"
          + " holds at most " + MAX_CHUNK_CHARS + " (a Kafka record of the default 1 MB): publish it in smaller pieces");
    }
    long now = clock.millis();
    if (seq < 0) {
      last = writer.send(StreamRecord.begin(runId, step, attempt, executionId, now));
      seq = 0;
    }
    seq++;
    last = writer.send(StreamRecord.chunk(runId, step, attempt, executionId, seq, text, now));
  }

  /**
   * Ends the attempt's stream (if it streamed at all) and waits up to {@code ackWait} for the broker
   * to take it, so the run's records come before the run's end. Later appends are refused.
   */
  public void end(boolean succeeded, Throwable failure, Duration ackWait) {
    Future<?> pending;
    synchronized (this) {
      if (ended) {
        return;
      }
      ended = true;
      if (seq < 0) {
        return;
      }
      seq++;
      last = writer.send(StreamRecord.end(runId, step, attempt, executionId, seq, succeeded, succeeded ? null : describe(failure), clock.millis()));
      pending = last;
    }
    try {
      pending.get(ackWait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("run {}: the end of step '{}' attempt {}'s stream was not acknowledged within {} ms: {}", runId, step, attempt,
          ackWait.toMillis(), e.toString());
    }
  }

  /** Records written so far (begin, chunks, end). */
  public synchronized long written() {
    return seq + 1;
  }

  private static String describe(Throwable failure) {
    if (failure == null) {
      return "failed";
    }
    String text = failure.getClass().getSimpleName() + (failure.getMessage() == null ? "" : ": " + failure.getMessage());
    return text.length() <= MAX_ERROR_CHARS ? text : text.substring(0, MAX_ERROR_CHARS) + "... (cut)";
  }
}
