package io.stepstream.loadtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A benchmark process in its own JVM (a broker or an engine), started with this JVM's java and
 * classpath, its output in a log file, and ready when a given line appears there. Ended by PID:
 * SIGTERM, then SIGKILL after a grace period.
 *
 * <pre>{@code
 * ChildJvm broker = ChildJvm.start("broker", dir, List.of("-Xmx1g"), EmbeddedKafkaMain.class, List.of("--data-dir", d));
 * String line = broker.awaitLine("KAFKA_READY", Duration.ofSeconds(60));
 * }</pre>
 */
final class ChildJvm implements AutoCloseable {
  private final String name;
  private final Process process;
  private final Path log;
  private final List<String> command;

  private ChildJvm(String name, Process process, Path log, List<String> command) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.command = command;
  }

  /** Starts {@code main} with {@code jvmOptions} and {@code args}; output goes to {@code dir/name.log}. */
  static ChildJvm start(String name, Path dir, List<String> jvmOptions, Class<?> main, List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
    cmd.addAll(args);
    Path logFile = dir.resolve(name + ".log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
    return new ChildJvm(name, p, logFile, List.copyOf(cmd));
  }

  /** Waits for the first log line containing {@code marker} and returns it; fails with the log if the child dies or times out. */
  String awaitLine(String marker, Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(log)) {
        for (String line : Files.readAllLines(log)) {
          if (line.contains(marker)) {
            return line;
          }
        }
      }
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited with " + process.exitValue() + " before '" + marker + "':\n" + tail());
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException(name + " did not print '" + marker + "' within " + timeout + ":\n" + tail());
  }

  long pid() {
    return process.pid();
  }

  /** The process itself, for callers that end it their own way. */
  Process process() {
    return process;
  }

  /** Where its output goes ({@code dir/name.log}). */
  Path log() {
    return log;
  }

  List<String> command() {
    return command;
  }

  /** CPU seconds the child has used so far (-1 if the OS does not say). */
  double cpuSeconds() {
    return process.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(-1.0);
  }

  private String tail() throws IOException {
    if (!Files.exists(log)) {
      return "(no log)";
    }
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }

  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy(); // SIGTERM: the engine commits and leaves, the broker shuts down cleanly
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + process.pid() + ", log " + log + ")";
  }
}
