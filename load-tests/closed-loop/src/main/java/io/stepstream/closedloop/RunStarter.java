package io.stepstream.closedloop;

import java.util.concurrent.CompletionStage;

/**
 * Starts run number {@code i} of a closed-loop benchmark on the system under test. The returned stage
 * completes when the run's result is back at the client (normally or exceptionally: a failed run).
 *
 * <pre>{@code
 * RunStarter stepstream = i -> client.startAsync("bench-noop-3", "run-" + i, "x").result();
 * RunStarter restate = i -> http.sendAsync(request("run-" + i), BodyHandlers.ofString());
 * }</pre>
 */
@FunctionalInterface
public interface RunStarter {
  /** Starts run {@code i}; may throw if the run could not even be sent (counted as an error). */
  CompletionStage<?> start(long i) throws Exception;
}
