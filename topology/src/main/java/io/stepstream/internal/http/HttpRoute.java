package io.stepstream.internal.http;

/**
 * One feature's part of the engine's HTTP endpoint, mounted under a path prefix with {@code
 * HttpEndpoint.route}. Throw {@link HttpProblem} for a 4xx/5xx answer with a message; any other
 * exception is logged and answered 500.
 *
 * <pre>{@code
 * endpoint.route("/api/runs", call -> HttpReply.json(200, describe(call.pathAfterPrefix())));
 * }</pre>
 */
@FunctionalInterface
public interface HttpRoute {
  HttpReply handle(HttpCall call) throws Exception;
}
