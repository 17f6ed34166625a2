package io.stepstream.fault;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A child JVM running a main class from the test classpath; killable with SIGKILL, pausable with SIGSTOP. */
public final class InstanceProcess implements AutoCloseable {
  private final Process process;
  private final Path log;
  private volatile boolean paused;

  private InstanceProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  public static InstanceProcess start(Class<?> main, Path log, String... args) throws IOException {
    return start(main, List.of(), log, args);
  }

  /** Like {@link #start(Class, Path, String...)}, with extra JVM options. */
  public static InstanceProcess start(Class<?> main, List<String> jvmOptions, Path log, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-Xmx512m");
    command.addAll(jvmOptions);
    command.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
    // state changes and rebalances of the child engine, so a stall after a fault can be read from its log
    command.add("-Dorg.slf4j.simpleLogger.log.org.apache.kafka.streams.KafkaStreams=info");
    command.add("-Dorg.slf4j.simpleLogger.log.org.apache.kafka.streams.processor.internals.StreamThread=info");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new InstanceProcess(p, log);
  }

  /** Waits until the child printed {@code marker}; fails with its log if it died or timed out. */
  public void awaitOutput(String marker, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(log) && Files.readString(log).contains(marker)) {
        return;
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("child exited with " + process.exitValue() + ":\n" + Files.readString(log));
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("child did not print " + marker + " within " + timeout + ":\n" + Files.readString(log));
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public Path log() {
    return log;
  }

  /** SIGKILL: no shutdown hooks, no leave-group, no commit. */
  public void killHard() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
    paused = false;
  }

  /** SIGSTOP: the JVM freezes (heartbeats, stream thread, executions) until {@link #resume()}. */
  public void pause() throws IOException, InterruptedException {
    signal("STOP");
    paused = true;
  }

  /** SIGCONT: a paused JVM goes on as if nothing happened; whatever it does next, it must be fenced. */
  public void resume() throws IOException, InterruptedException {
    signal("CONT");
    paused = false;
  }

  private void signal(String name) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
    }
  }

  /** SIGTERM (a clean shutdown: commit, leave the group), SIGKILL after 30 s. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      if (paused) {
        try {
          resume(); // a stopped JVM would not act on SIGTERM
        } catch (IOException e) {
          killHard();
          return;
        }
      }
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        killHard();
      }
    }
  }
}
