package io.stepstream.internal.http;

/**
 * Outside dev mode with no way to verify who calls: the HTTP API and console refuse every call
 * (403) and say how to turn them on. Health and metrics are not behind it.
 */
public final class ClosedAuth implements HttpAuth {
  static final String HOW = "the engine's HTTP API is off: it needs a verified identity. Configure approverIdentity(...) "
      + "(--identity-jwks ...) so callers send a JWT as 'Authorization: Bearer <token>', or use dev mode";

  @Override
  public Caller authenticate(HttpCall call) {
    throw new HttpProblem(403, HOW);
  }

  @Override
  public void requireAdmin(Caller caller) {
    throw new HttpProblem(403, HOW);
  }

  @Override
  public String describe() {
    return "off (no identity provider configured)";
  }
}
