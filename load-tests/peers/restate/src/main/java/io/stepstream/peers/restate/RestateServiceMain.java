package io.stepstream.peers.restate;

import dev.restate.sdk.endpoint.Endpoint;
import dev.restate.sdk.http.vertx.RestateHttpServer;
import io.vertx.core.http.HttpServer;

/**
 * The Restate service process of load-tests/peers/: serves {@link Noop3} over HTTP (h2c, as the Restate
 * server calls it) on 127.0.0.1 and prints {@code RESTATE_SERVICE_READY <port>} once it listens.
 *
 * <pre>{@code
 * java -cp ... io.stepstream.peers.restate.RestateServiceMain --port 19080
 * }</pre>
 */
public final class RestateServiceMain {
  private RestateServiceMain() {}

  public static void main(String[] args) throws Exception {
    int port = args.length == 2 && args[0].equals("--port") ? Integer.parseInt(args[1]) : 9080;
    HttpServer server = RestateHttpServer.fromEndpoint(Endpoint.bind(new Noop3()).build());
    // bound to loopback only (RestateHttpServer.listen would bind all interfaces)
    int actual = server.listen(port, "127.0.0.1").toCompletionStage().toCompletableFuture().get().actualPort();
    System.out.println("RESTATE_SERVICE_READY " + actual);
  }
}
