package io.stepstream.client;

/**
 * A query to the engine's HTTP API failed: no engine answered (status 0; the message names the
 * URLs tried), the engine could not answer now (503 during a rebalance: retry), or it refused the
 * query (400: the message says which parameter). 401/403 are {@link NotAuthorizedException}.
 *
 * <pre>{@code
 * try {
 *   client.listRuns(RunQuery.all());
 * } catch (EngineQueryException e) {
 *   if (e.status() == 503) retryLater();
 * }
 * }</pre>
 */
public final class EngineQueryException extends IllegalStateException {
  private final int status;

  public EngineQueryException(String message, int status, Throwable cause) {
    super(message, cause);
    this.status = status;
  }

  /** The HTTP status the engine answered, or 0 when none answered. */
  public int status() {
    return status;
  }
}
