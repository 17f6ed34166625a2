package io.stepstream.internal.http;

/**
 * Who may use the engine's HTTP API ({@code /api/**}) and console. Read-only queries need an
 * authenticated caller; admin operations ({@code /api/admin/**}) need {@link #requireAdmin}.
 */
public interface HttpAuth {
  /** The caller of {@code call}, or {@link HttpProblem} 401 saying what credential to send. */
  Caller authenticate(HttpCall call);

  /** Returns normally if {@code caller} may run admin operations, else throws {@link HttpProblem} 403 naming the groups that may. */
  void requireAdmin(Caller caller);

  /** A short description for the console and logs, e.g. "dev mode: unverified names" or "JWT from https://idp/ (admin groups [ops])". */
  String describe();
}
