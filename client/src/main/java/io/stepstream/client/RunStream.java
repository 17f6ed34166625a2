package io.stepstream.client;

import io.stepstream.internal.client.streams.StreamFollower;
import java.time.Duration;

/**
 * A follower of one run's token stream ({@link WorkflowClient#followStream}): the partial output its
 * steps publish ({@code StepContext.publishPartial}), in the order written, then the run's end. Keep
 * {@link StreamEvent#position()} of the last event handled; after a disconnect or a restart, follow
 * again from it and get every later record once, in order. Read it from one thread; close it.
 *
 * <pre>{@code
 * String resumeFrom = null;                     // or the position saved before a disconnect
 * try (RunStream stream = client.followStream(runId, resumeFrom)) {
 *   StreamEvent e;
 *   while ((e = stream.next(Duration.ofSeconds(30))) != null) {
 *     if (e.kind() == StreamEvent.Kind.CHUNK) System.out.print(e.text());
 *     resumeFrom = e.position();
 *     if (e.kind() == StreamEvent.Kind.RUN_END) break;
 *   }
 * }
 * }</pre>
 */
public final class RunStream implements AutoCloseable {
  private final StreamFollower follower;

  RunStream(StreamFollower follower) {
    this.follower = follower;
  }

  /**
   * The next event, waiting up to {@code timeout} for one; null when none came in time (the run is
   * still going: call again) or after the run's end ({@link #ended()}).
   */
  public StreamEvent next(Duration timeout) {
    return follower.next(timeout);
  }

  /** The run's end ({@link StreamEvent.Kind#RUN_END}) was returned: nothing more comes. */
  public boolean ended() {
    return follower.ended();
  }

  /** Where to resume after the last event {@link #next} returned; null if none was (from the beginning). */
  public String position() {
    return follower.position();
  }

  @Override
  public void close() {
    follower.close();
  }
}
