package io.stepstream.peers.dbos;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.dbos.transact.DBOS;
import dev.dbos.transact.config.DBOSConfig;
import dev.dbos.transact.context.WorkflowOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * The DBOS service process of load-tests/peers/: DBOS Transact with {@link Noop3Workflow} on a PostgreSQL
 * system database, behind a JDK HTTP endpoint on 127.0.0.1. {@code POST /noop3/<id>} with the input as
 * body runs the workflow with DBOS workflow id {@code <id>} in the request's thread and answers 200 with
 * its output. Prints {@code DBOS_SERVICE_READY <port>} once it listens.
 *
 * <pre>{@code
 * java -cp ... io.stepstream.peers.dbos.DbosServiceMain --port 19081 \
 *     --jdbc-url jdbc:postgresql://127.0.0.1:15432/dbos_noop3 --user postgres --password ""
 * }</pre>
 */
public final class DbosServiceMain {
  private DbosServiceMain() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    // DBOS's defaults otherwise (its own Hikari pool of 10 connections; on Java 17 its workflow executor is a
    // fixed pool, unused here: the workflow runs in the HTTP request's thread)
    DBOSConfig config = DBOSConfig.defaults("stepstream-peers-noop3")
        .withAppVersion("noop-3-1")
        .withDatabaseUrl(a.getOrDefault("jdbc-url", "jdbc:postgresql://127.0.0.1:5432/dbos_noop3"))
        .withDbUser(a.getOrDefault("user", "postgres"))
        .withDbPassword(a.getOrDefault("password", ""));
    DBOS dbos = new DBOS(config);
    Noop3Steps steps = dbos.registerProxy(Noop3Steps.class, new Noop3Steps.Impl());
    Noop3Workflow noop3 = dbos.registerProxy(Noop3Workflow.class, new Noop3Workflow.Impl(steps));
    dbos.launch();

    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(a.getOrDefault("port", "9081"))), 1024);
    server.createContext("/noop3/", exchange -> handle(exchange, noop3));
    // one thread per waiting client: a run blocks its thread until DBOS has checkpointed its steps and output
    server.setExecutor(Executors.newCachedThreadPool());
    server.start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.stop(0);
      dbos.shutdown();
    }));
    System.out.println("DBOS_SERVICE_READY " + server.getAddress().getPort());
  }

  private static void handle(HttpExchange exchange, Noop3Workflow noop3) throws IOException {
    try (exchange) {
      String id = exchange.getRequestURI().getPath().substring("/noop3/".length());
      String input = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      int status;
      String body;
      try (var ignored = new WorkflowOptions(id).setContext()) {
        body = noop3.run(input);
        status = 200;
      } catch (RuntimeException e) {
        body = e.toString();
        status = 500;
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("content-type", "text/plain; charset=utf-8");
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }
}
