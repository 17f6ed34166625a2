package io.stepstream.peers.restate;

import dev.restate.sdk.Context;
import dev.restate.sdk.annotation.Handler;
import dev.restate.sdk.annotation.Service;

/**
 * noop-3 as a Restate service: three journaled steps ({@code ctx.run}) that each return a small
 * string, then the input back. Each step's result is persisted by the Restate server before the
 * handler moves on, as in Stepstream's and DBOS's noop-3.
 *
 * <p>Called through the Restate ingress: POST to {@code <ingress>/Noop3/run} with header
 * {@code idempotency-key: run-1} and a JSON string as body; the answer is the same JSON string.
 */
// The SDK's annotation processor copies the Javadoc above into generated Java strings without escaping
// backslashes: keep double quotes and backslashes out of it. Example call:
//   curl -X POST http://127.0.0.1:8080/Noop3/run -H 'idempotency-key: run-1' -H 'content-type: application/json' -d '"x"'
@Service
public class Noop3 {

  @Handler
  public String run(Context ctx, String input) {
    ctx.run("step-1", String.class, () -> "a");
    ctx.run("step-2", String.class, () -> "b");
    ctx.run("step-3", String.class, () -> "c");
    return input;
  }
}
