package io.stepstream.devkafka;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Kafka broker ({@link EmbeddedKafkaMain}) in a child JVM, for tests that kill -9 the broker and restart it.
 *
 * <pre>{@code
 * try (BrokerProcess broker = BrokerProcess.start(tempDir)) {
 *     produce(broker.bootstrapServers());
 *     broker.killHard();
 *     broker.restart();
 *     consume(broker.bootstrapServers());
 * }
 * }</pre>
 *
 * <p>The child runs with this JVM's binary and classpath, binds 127.0.0.1 only, writes its output to
 * {@code broker-process.log} in the data directory, and exits on its own if this JVM dies.
 */
public final class BrokerProcess implements AutoCloseable {

    public static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final Path dataDir;
    private final Path portFile;
    private final Path logFile;
    private final Map<String, String> overrides;
    private Process process;
    private String bootstrapServers;

    private BrokerProcess(Path dataDir, Map<String, String> overrides) {
        this.overrides = Map.copyOf(overrides);
        this.dataDir = dataDir.toAbsolutePath().normalize();
        this.portFile = this.dataDir.resolve("bootstrap.servers");
        this.logFile = this.dataDir.resolve("broker-process.log");
    }

    /** Launches the broker on {@code dataDir} and waits (up to 60 s) until it serves clients. */
    public static BrokerProcess start(Path dataDir) throws IOException {
        return start(dataDir, Map.of());
    }

    /** Like {@link #start(Path)}, with extra broker properties (kept for {@link #restart()}). */
    public static BrokerProcess start(Path dataDir, Map<String, String> overrides) throws IOException {
        BrokerProcess broker = new BrokerProcess(dataDir, overrides);
        broker.launch();
        return broker;
    }

    public synchronized String bootstrapServers() {
        return bootstrapServers;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path logFile() {
        return logFile;
    }

    public synchronized long pid() {
        return process.pid();
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL: no shutdown hook, no flush, no controlled shutdown. Waits until the process is gone. */
    public synchronized void killHard() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        awaitExit(STOP_TIMEOUT);
    }

    /** SIGTERM: the broker shuts down cleanly. Waits until the process is gone. */
    public synchronized void stop() {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        if (!waitFor(STOP_TIMEOUT)) {
            process.destroyForcibly(); // a broker stuck in shutdown must not outlive the test
            awaitExit(STOP_TIMEOUT);
        }
    }

    /** Starts the broker again on the same data directory (stopping it cleanly first if it still runs). */
    public synchronized void restart() throws IOException {
        stop();
        launch();
    }

    @Override
    public synchronized void close() {
        stop();
    }

    private synchronized void launch() throws IOException {
        Files.createDirectories(dataDir);
        Files.deleteIfExists(portFile); // a stale file would make us report the previous run as ready
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(
                java,
                "-Xmx1g",
                "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-cp", System.getProperty("java.class.path"),
                EmbeddedKafkaMain.class.getName(),
                "--data-dir", dataDir.toString(),
                "--port-file", portFile.toString(),
                "--parent-pid", String.valueOf(ProcessHandle.current().pid())));
        overrides.forEach((key, value) -> command.addAll(List.of("--override", key + "=" + value)));
        // Separates the runs of one data directory in the shared log.
        Files.writeString(logFile, "=== launching " + EmbeddedKafkaMain.class.getSimpleName() + " at " + Instant.now()
                + System.lineSeparator(), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
        bootstrapServers = awaitPortFile();
    }

    private String awaitPortFile() throws IOException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(portFile)) {
                String bootstrap = Files.readString(portFile, StandardCharsets.UTF_8).trim();
                if (!bootstrap.isEmpty()) {
                    return bootstrap;
                }
            }
            if (!process.isAlive()) {
                throw new IOException("Broker process exited with code " + process.exitValue() + " before it was ready; "
                        + "log " + logFile + ":\n" + tail(logFile, 40));
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
                throw new IOException("Interrupted while waiting for the broker process", e);
            }
        }
        process.destroyForcibly();
        awaitExit(STOP_TIMEOUT);
        throw new IOException("Broker process was not ready within " + START_TIMEOUT.toSeconds() + " s; log " + logFile
                + ":\n" + tail(logFile, 40));
    }

    private boolean waitFor(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return false;
        }
    }

    private void awaitExit(Duration timeout) {
        if (!waitFor(timeout)) {
            throw new IllegalStateException("Broker process " + process.pid() + " did not exit within " + timeout.toSeconds() + " s");
        }
    }

    private static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(could not read " + file + ": " + e + ")";
        }
    }
}
