package io.stepstream.peers.client;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;

/**
 * How one peer is asked to run noop-3 once, synchronously, over HTTP: one request per run, carrying a
 * unique run id that makes the call idempotent, answered with the workflow's output (the input back).
 *
 * <pre>{@code
 * PeerEndpoint restate = PeerEndpoint.forSystem("restate", URI.create("http://127.0.0.1:8080"));
 * HttpRequest r = restate.request("run-1", "x", Duration.ofSeconds(60));
 * }</pre>
 */
public interface PeerEndpoint {

  /** The request that runs noop-3 with {@code input} as run {@code runId} and answers with its output. */
  HttpRequest request(String runId, String input, Duration timeout);

  /** The response body a completed run answers with. */
  String expectedBody(String input);

  /** The endpoint of {@code system} ("restate" or "dbos") at {@code base}. */
  static PeerEndpoint forSystem(String system, URI base) {
    return switch (system) {
      case "restate" -> new RestateIngress(base);
      case "dbos" -> new DbosEndpoint(base);
      default -> throw new IllegalArgumentException("unknown system " + system + " (restate or dbos)");
    };
  }

  /**
   * Restate's ingress: {@code POST /Noop3/run} with the run id as idempotency key (Restate then keeps the
   * invocation's result for the idempotency retention and answers a retry with it); JSON in and out.
   */
  record RestateIngress(URI base) implements PeerEndpoint {
    @Override
    public HttpRequest request(String runId, String input, Duration timeout) {
      return HttpRequest.newBuilder(base.resolve("/Noop3/run"))
          .timeout(timeout)
          .header("content-type", "application/json")
          .header("idempotency-key", runId)
          .POST(HttpRequest.BodyPublishers.ofString(jsonString(input)))
          .build();
    }

    @Override
    public String expectedBody(String input) {
      return jsonString(input);
    }

    private static String jsonString(String s) {
      return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
  }

  /** The DBOS service's endpoint: {@code POST /noop3/<runId>}, the run id is the DBOS workflow id; text in and out. */
  record DbosEndpoint(URI base) implements PeerEndpoint {
    @Override
    public HttpRequest request(String runId, String input, Duration timeout) {
      return HttpRequest.newBuilder(base.resolve("/noop3/" + runId))
          .timeout(timeout)
          .header("content-type", "text/plain")
          .POST(HttpRequest.BodyPublishers.ofString(input))
          .build();
    }

    @Override
    public String expectedBody(String input) {
      return input;
    }
  }
}
