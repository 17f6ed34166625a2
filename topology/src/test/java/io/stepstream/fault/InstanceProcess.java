package io.stepstream.fault;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A child JVM running a main class from the test classpath; killable with SIGKILL. */
public final class InstanceProcess implements AutoCloseable {
  private final Process process;
  private final Path log;

  private InstanceProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  public static InstanceProcess start(Class<?> main, Path log, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-Xmx512m");
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

  /** SIGKILL: no shutdown hooks, no leave-group, no commit. */
  public void killHard() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
        killHard();
      }
    }
  }
}
