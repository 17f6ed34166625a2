package io.stepstream.loadtest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * An {@link AutoApprover} in a child JVM (same java, same class path as this one): started, awaited
 * until it prints its ready line, watched while the benchmark runs, stopped (SIGTERM, then wait) at
 * the end. Its output is forwarded to stderr prefixed with {@code [auto-approver]}; the last lines
 * are kept for the error message if it dies.
 */
final class AutoApproverProcess implements AutoCloseable {
  private static final int TAIL_LINES = 40;

  private final Process process;
  private final List<String> command;
  private final Deque<String> tail = new ArrayDeque<>();
  private final CountDownLatch ready = new CountDownLatch(1);
  private final Thread pump;
  private volatile String readyLine;
  private volatile String doneLine;
  private volatile boolean stopping;
  private final long startedNanos = System.nanoTime();
  private long readyAfterMs = -1;

  private AutoApproverProcess(Process process, List<String> command) {
    this.process = process;
    this.command = command;
    this.pump = new Thread(this::pumpOutput, "auto-approver-output");
    pump.setDaemon(true);
    pump.start();
  }

  /**
   * Starts the child and returns once it is ready (its consumer has its partitions). The secret goes
   * through the environment, not the command line.
   */
  static AutoApproverProcess start(String bootstrapServers, java.nio.file.Path commandConfig, String topicPrefix, String secret, long thinkMs,
      int threads, Duration readyTimeout) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(
        ProcessHandle.current().info().command().orElse("java"), "-Xmx256m", "-XX:+UseSerialGC", "-Djava.awt.headless=true",
        "-cp", System.getProperty("java.class.path"),
        AutoApprover.class.getName(), "--bootstrap-servers", bootstrapServers, "--topic-prefix", topicPrefix,
        "--think-ms", Long.toString(thinkMs), "--threads", Integer.toString(threads),
        "--parent-pid", Long.toString(ProcessHandle.current().pid())));
    if (commandConfig != null) { // a file name, not its contents: passwords stay out of the command line
      cmd.addAll(List.of("--command-config", commandConfig.toAbsolutePath().toString()));
    }
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("STEPSTREAM_APPROVAL_SECRET", secret);
    AutoApproverProcess child = new AutoApproverProcess(pb.start(), cmd);
    child.awaitReady(readyTimeout);
    return child;
  }

  private void awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!ready.await(200, TimeUnit.MILLISECONDS)) {
      if (!process.isAlive()) {
        pump.join(2_000); // its last words
        throw new IllegalStateException("the auto-approver exited with code " + process.exitValue() + " before it was ready" + lastOutput());
      }
      if (System.nanoTime() > deadline) {
        close();
        throw new IllegalStateException("the auto-approver was not ready within " + timeout.toSeconds() + " s" + lastOutput());
      }
    }
    readyAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
  }

  private void pumpOutput() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        synchronized (tail) {
          tail.addLast(line);
          if (tail.size() > TAIL_LINES) {
            tail.removeFirst();
          }
        }
        if (line.startsWith(AutoApprover.READY)) {
          readyLine = line;
          ready.countDown();
        } else if (line.startsWith(AutoApprover.DONE)) {
          doneLine = line;
        }
        System.err.println("[auto-approver] " + line);
      }
    } catch (IOException e) {
      // the child is gone
    }
  }

  long pid() {
    return process.pid();
  }

  /** Null while the child runs as it should; otherwise why the benchmark cannot go on. */
  String failure() {
    if (stopping || process.isAlive()) {
      return null;
    }
    try {
      pump.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return "the auto-approver (pid " + process.pid() + ") exited with code " + process.exitValue()
        + " while runs were waiting for its decisions" + lastOutput();
  }

  /** CPU seconds the child has used so far, or -1 if the OS does not say. */
  double cpuSeconds() {
    return process.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(-1.0);
  }

  /** The child's command line (the secret is not on it). */
  List<String> command() {
    return command;
  }

  long readyAfterMs() {
    return readyAfterMs;
  }

  String readyLine() {
    return readyLine;
  }

  /** Stops the child (SIGTERM, then SIGKILL after 15 s) and returns its exit summary (empty if it printed none). */
  Map<String, Object> stop() throws InterruptedException {
    close();
    Map<String, Object> out = new LinkedHashMap<>();
    String done = doneLine;
    if (done != null) {
      for (String kv : done.substring(AutoApprover.DONE.length()).trim().split("\\s+")) {
        int eq = kv.indexOf('=');
        if (eq > 0) {
          String v = kv.substring(eq + 1);
          out.put(kv.substring(0, eq), v.matches("-?\\d+") ? (Object) Long.valueOf(v) : v.matches("-?\\d+\\.\\d+") ? (Object) Double.valueOf(v) : v);
        }
      }
    }
    return out;
  }

  @Override
  public void close() {
    stopping = true;
    if (!process.isAlive()) {
      return;
    }
    // SIGTERM: it prints its summary from a shutdown hook. Through the handle: Process.destroy() would
    // also close our end of its output at once, and the summary would be lost.
    process.toHandle().destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
      pump.join(2_000);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private String lastOutput() {
    synchronized (tail) {
      return tail.isEmpty() ? " (no output)" : "; its last output:\n  " + String.join("\n  ", tail);
    }
  }
}
