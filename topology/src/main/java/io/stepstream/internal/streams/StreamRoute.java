package io.stepstream.internal.streams;

import com.sun.net.httpserver.HttpExchange;
import io.stepstream.client.StreamEvent;
import io.stepstream.internal.client.streams.StreamFollower;
import io.stepstream.internal.client.streams.StreamRecord;
import io.stepstream.internal.client.streams.StreamRecords;
import io.stepstream.internal.http.HttpAuth;
import io.stepstream.internal.http.HttpCall;
import io.stepstream.internal.http.HttpProblem;
import io.stepstream.internal.http.HttpReply;
import io.stepstream.internal.http.HttpRoute;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Semaphore;
import org.apache.kafka.common.errors.InterruptException;

/**
 * {@code GET /api/runs/{runId}/stream}: a run's token stream as server-sent events, one message per
 * record of {@code <prefix>.streams} (docs/streams.md): {@code id:} the position to resume after it,
 * {@code event:} its type ({@code begin}, {@code chunk}, {@code end}, {@code run-end}), {@code data:}
 * the record's JSON, exactly as any Kafka client reads it. After {@code run-end} the response ends.
 * A reconnecting client sends {@code Last-Event-ID} (browsers' EventSource do) or {@code ?after=}
 * and gets every later record once, in order. A comment every {@link #HEARTBEAT} keeps proxies from
 * closing an idle stream and notices a client that went away.
 *
 * <p>Each stream is served on a thread of its own (not one of the endpoint's few) with one Kafka
 * consumer while it lasts; an instance serves at most {@code maxFollowers} at once, more are
 * answered 503 with Retry-After.
 * An unknown run is 404 (after a short grace, since a run just started may not be known yet).
 *
 * <pre>{@code
 * curl -N -H 'Last-Event-ID: 0-41' http://localhost:8080/api/runs/r-42/stream
 * id: 0-42
 * event: chunk
 * data: {"v":1,"type":"chunk","runId":"r-42","step":"answer","attempt":1,"executionId":"...","seq":7,"text":" world","at":...}
 * }</pre>
 */
public final class StreamRoute implements HttpRoute, AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StreamRoute.class);
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
  static final Duration HEARTBEAT = Duration.ofSeconds(15);
  /** How long a run the engine does not know yet is waited for (its request may still be on its way). */
  static final Duration UNKNOWN_RUN_GRACE = Duration.ofSeconds(5);

  /** Whether the engine knows a run. */
  public enum Known { YES, NO, UNAVAILABLE }

  /** Asks the engine's stores (any instance: the owner answers) whether a run exists. */
  @FunctionalInterface
  public interface RunLookup {
    /** @param passHeaders the caller's credentials, for the instance that owns the run */
    Known known(String runId, Map<String, String> passHeaders);
  }

  /** What a call forwarded to the run's owner carries of the caller's (as the query API forwards). */
  static final String[] PASSED_HEADERS = {"Authorization", "X-Stepstream-User"};

  private final HttpAuth auth;
  private final Map<String, Object> clientConfig;
  private final String topic;
  private final RunLookup runs;
  private final int maxFollowers;
  private final Semaphore slots;
  /** One thread per stream being served (at most maxFollowers): streams never hold the endpoint's own threads. */
  private final java.util.concurrent.ExecutorService threads;

  public StreamRoute(HttpAuth auth, Map<String, Object> clientConfig, String topic, RunLookup runs, int maxFollowers) {
    this.auth = auth;
    this.clientConfig = Map.copyOf(clientConfig);
    this.topic = topic;
    this.runs = runs;
    this.maxFollowers = maxFollowers;
    this.slots = new Semaphore(maxFollowers);
    java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
    this.threads = java.util.concurrent.Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "stepstream-stream-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** Streams being served now. */
  public int followers() {
    return maxFollowers - slots.availablePermits();
  }

  @Override
  public HttpReply handle(HttpCall call) throws Exception {
    if (!"GET".equals(call.method())) {
      throw HttpProblem.methodNotAllowed(call.method(), call.path(), "GET");
    }
    auth.authenticate(call);
    String runId = call.segments().get(0);
    if (runId.isEmpty()) {
      throw HttpProblem.badRequest("no run id in " + call.path() + "; use /api/runs/{runId}/stream");
    }
    String after = call.header("Last-Event-ID").or(() -> call.query("after")).filter(s -> !s.isBlank()).orElse(null);
    Map<String, String> passed = new java.util.LinkedHashMap<>();
    for (String name : PASSED_HEADERS) {
      call.header(name).ifPresent(value -> passed.put(name, value));
    }
    if (!slots.tryAcquire()) {
      return HttpReply.json(503, Map.of("status", 503, "error", "this engine instance already serves " + maxFollowers
          + " streams (maxStreamFollowers); try again shortly, or another instance")).withHeader("Retry-After", "10");
    }
    HttpExchange exchange = call.exchange();
    try {
      threads.execute(() -> {
        try {
          serve(exchange, runId, after, passed);
        } finally {
          exchange.close();
          slots.release();
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      slots.release();
      return HttpReply.json(503, Map.of("status", 503, "error", "the engine is closing")).withHeader("Retry-After", "5");
    }
    return HttpReply.detached();
  }

  /** On a stream thread: the checks, then the stream; answers every outcome itself. */
  private void serve(HttpExchange exchange, String runId, String after, Map<String, String> passed) {
    try {
      Known known = awaitKnown(runId, passed);
      if (known == Known.NO) {
        answer(exchange, 404, "no run " + runId + " (never started, or removed after the retention window): nothing to stream", null);
        return;
      }
      if (known == Known.UNAVAILABLE) {
        answer(exchange, 503, "run " + runId + "'s partition is moving; ask again shortly", "5");
        return;
      }
      StreamFollower follower;
      try {
        follower = new StreamFollower(clientConfig, topic, runId, after, Duration.ofSeconds(10));
      } catch (IllegalArgumentException e) {
        answer(exchange, 400, e.getMessage(), null);
        return;
      }
      try (follower) {
        stream(exchange, follower);
      }
    } catch (InterruptedException | InterruptException e) {
      // the engine is closing: the client reconnects with its Last-Event-ID
    } catch (IOException e) {
      // the client went away
    } catch (RuntimeException e) {
      LOG.warn("stream of run {} failed", runId, e);
      try {
        answer(exchange, 500, e.toString(), null);
      } catch (IOException | RuntimeException ignored) {
        // headers were sent already, or the client is gone
      }
    }
  }

  private static void answer(HttpExchange exchange, int status, String error, String retryAfter) throws IOException {
    byte[] body = ("{\"status\":" + status + ",\"error\":" + JSON.writeValueAsString(error) + "}").getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", HttpReply.JSON);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    if (retryAfter != null) {
      exchange.getResponseHeaders().set("Retry-After", retryAfter);
    }
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private Known awaitKnown(String runId, Map<String, String> passed) throws InterruptedException {
    long deadline = System.nanoTime() + UNKNOWN_RUN_GRACE.toNanos();
    while (true) {
      Known known = runs.known(runId, passed);
      if (known != Known.NO || System.nanoTime() > deadline) {
        return known;
      }
      Thread.sleep(200);
    }
  }

  private static void stream(HttpExchange exchange, StreamFollower follower) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.getResponseHeaders().set("X-Accel-Buffering", "no"); // nginx: do not buffer the stream
    exchange.sendResponseHeaders(200, 0);
    OutputStream out = exchange.getResponseBody();
    write(out, "retry: 3000\n\n");
    while (!Thread.currentThread().isInterrupted()) {
      StreamEvent event = follower.next(HEARTBEAT);
      if (event == null) {
        write(out, ": heartbeat\n\n");
        continue;
      }
      write(out, message(event));
      if (event.kind() == StreamEvent.Kind.RUN_END) {
        out.close();
        return;
      }
    }
  }

  /** Ends every stream (their clients reconnect elsewhere with Last-Event-ID). */
  @Override
  public void close() {
    threads.shutdownNow();
  }

  static String message(StreamEvent e) {
    String type = e.kind() == StreamEvent.Kind.RUN_END ? StreamRecord.RUN_END : e.kind().name().toLowerCase(Locale.ROOT);
    StreamRecord r = new StreamRecord(type, e.runId(), e.step(), e.attempt(), e.executionId(), e.sequence(), e.text(), e.status(), e.error(),
        e.at().toEpochMilli());
    return "id: " + e.position() + "\nevent: " + type + "\ndata: " + new String(StreamRecords.encode(r), StandardCharsets.UTF_8) + "\n\n";
  }

  private static void write(OutputStream out, String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}
