package io.stepstream.connect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Kafka Connect standalone worker ({@code org.apache.kafka.connect.cli.ConnectStandalone}, connect-runtime
 * 4.4) in a child JVM, loading this module's plugin from {@code plugin.path} as a user's worker would.
 *
 * <p>Why a child JVM rather than the worker's classes in the test JVM: the plugin must be found through {@code
 * plugin.path} and loaded in its own class loader (plugin isolation), from the packaged plugin directory, with the
 * worker's classpath holding neither the plugin's classes nor the libraries it packages (Avro, the client), so a
 * packaging mistake fails here as it would in production; and the restart test stops the worker with SIGKILL, a
 * real crash, which only a process can take. The cost is a JVM start (a few seconds) per worker.
 *
 * <p>The worker's classpath is the test classpath minus everything of Stepstream and minus the jars the plugin
 * packages itself, except Jackson's core jars, which a Kafka distribution ships in {@code libs/} too.
 */
final class ConnectWorker implements AutoCloseable {
  static final Path MODULE = Path.of(System.getProperty("user.dir"));
  static final Path PLUGIN_DIR = MODULE.resolve("target/plugin");
  static final Path FILE_PLUGIN_DIR = MODULE.resolve("target/it-plugins");
  private static final Set<String> JARS_EVERY_WORKER_HAS = Set.of("jackson-core", "jackson-databind", "jackson-annotations");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final Path log;
  private final int restPort;
  private final Process process;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private ConnectWorker(Path dir, Path log, int restPort, Process process) {
    this.dir = dir;
    this.log = log;
    this.restPort = restPort;
    this.process = process;
  }

  /**
   * Starts a worker whose state (source offsets) lives in {@code dir}; the same {@code dir} after a stop is the same
   * worker restarted. {@code connectorFiles} are connector configurations given on the command line, as standalone
   * workers are usually run (a standalone worker keeps connectors created through REST in memory only).
   */
  static ConnectWorker start(Path dir, String bootstrapServers, Path... connectorFiles) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    requirePluginBuilt();
    int port = freePort();
    Properties worker = new Properties();
    worker.put("bootstrap.servers", bootstrapServers);
    worker.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
    worker.put("value.converter", "org.apache.kafka.connect.storage.StringConverter");
    worker.put("offset.storage.file.filename", dir.resolve("source-offsets").toString());
    worker.put("offset.flush.interval.ms", "500");
    worker.put("plugin.path", PLUGIN_DIR + "," + FILE_PLUGIN_DIR);
    // only plugins with META-INF/services manifests are found: checks that this plugin ships them
    worker.put("plugin.discovery", "service_load");
    worker.put("listeners", "http://127.0.0.1:" + port);
    worker.put("consumer.max.poll.records", "50");
    // a killed worker's sink consumer leaves the group when its session times out: the broker's minimum, not 45 s
    worker.put("consumer.session.timeout.ms", "6000");
    worker.put("consumer.heartbeat.interval.ms", "1000");
    Path workerFile = dir.resolve("worker.properties");
    try (var out = Files.newBufferedWriter(workerFile)) {
      worker.store(out, "written by ConnectWorker");
    }
    Path log = dir.resolve("worker-" + System.currentTimeMillis() + ".log");
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=info", "-Dorg.slf4j.simpleLogger.log.org.apache.kafka.clients=warn",
        "-Dorg.slf4j.simpleLogger.log.org.apache.kafka.common=warn", "-Dorg.slf4j.simpleLogger.showDateTime=true",
        "-cp", workerClasspath(), "org.apache.kafka.connect.cli.ConnectStandalone", workerFile.toString()));
    Arrays.stream(connectorFiles).map(Path::toString).forEach(command::add);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    ConnectWorker started = new ConnectWorker(dir, log, port, process);
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
    started.awaitRest(Duration.ofSeconds(90));
    return started;
  }

  private static void requirePluginBuilt() {
    if (!Files.isDirectory(PLUGIN_DIR.resolve("stepstream-connectors/lib"))) {
      throw new IllegalStateException(PLUGIN_DIR + "/stepstream-connectors is missing: run the integration tests through Maven"
          + " (mvn verify), which packages the plugin first");
    }
  }

  /** Writes a connector configuration file for {@link #start}. */
  static Path connectorFile(Path dir, Map<String, String> config) throws IOException {
    Files.createDirectories(dir);
    Properties props = new Properties();
    props.putAll(config);
    Path file = dir.resolve(config.get("name") + ".properties");
    try (var out = Files.newBufferedWriter(file)) {
      props.store(out, null);
    }
    return file;
  }

  private static String workerClasspath() throws IOException {
    Set<String> packaged;
    try (Stream<Path> jars = Files.list(PLUGIN_DIR.resolve("stepstream-connectors/lib"))) {
      packaged = jars.map(p -> artifactName(p.getFileName().toString()))
          .filter(name -> !JARS_EVERY_WORKER_HAS.contains(name)).collect(Collectors.toSet());
    }
    String all = Files.readString(MODULE.resolve("target/test-classpath.txt")).trim();
    return Stream.concat(Stream.of(fileSourceShim().toString()), Arrays.stream(all.split(File.pathSeparator))
        .filter(entry -> entry.endsWith(".jar"))
        .filter(entry -> !Path.of(entry).getFileName().toString().startsWith("stepstream-"))
        .filter(entry -> !packaged.contains(artifactName(Path.of(entry).getFileName().toString()))))
        .collect(Collectors.joining(File.pathSeparator));
  }

  /**
   * A directory holding only the test shim {@code org.apache.kafka.common.utils.AppInfoParser}, which the
   * FileStreamSource of connect-file 4.3.1 needs on a 4.4 worker (see that class).
   */
  private static Path fileSourceShim() throws IOException {
    String classFile = "org/apache/kafka/common/utils/AppInfoParser.class";
    Path shim = MODULE.resolve("target/it-shim");
    Files.createDirectories(shim.resolve(classFile).getParent());
    Files.copy(MODULE.resolve("target/test-classes").resolve(classFile), shim.resolve(classFile), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    return shim;
  }

  /** {@code avro-1.12.2.jar} -> {@code avro}. */
  private static String artifactName(String jar) {
    return jar.replaceFirst("-\\d[^-]*(-SNAPSHOT)?\\.jar$", "").replaceFirst("\\.jar$", "");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private void awaitRest(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the Connect worker exited with " + process.exitValue() + ":\n" + logTail());
      }
      try {
        if (get("/").statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    process.destroyForcibly();
    throw new IllegalStateException("the Connect worker's REST API did not answer within " + timeout + ":\n" + logTail());
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + restPort + path)).timeout(Duration.ofSeconds(30)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  JsonNode getJson(String path) throws IOException, InterruptedException {
    HttpResponse<String> response = get(path);
    if (response.statusCode() != 200) {
      throw new IllegalStateException("GET " + path + " answered " + response.statusCode() + ": " + response.body());
    }
    return JSON.readTree(response.body());
  }

  /** Creates or updates a connector through the REST API. */
  void putConnector(String name, Map<String, String> config) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + restPort + "/connectors/" + name + "/config"))
        .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(new LinkedHashMap<>(config)))).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() / 100 != 2) {
      throw new IllegalStateException("PUT connector " + name + " answered " + response.statusCode() + ": " + response.body() + "\n" + logTail());
    }
  }

  /** The connector's and its tasks' states, e.g. {@code [RUNNING, RUNNING]} (empty while it has no status yet). */
  List<String> states(String name) throws IOException, InterruptedException {
    HttpResponse<String> response = get("/connectors/" + name + "/status");
    if (response.statusCode() != 200) {
      return List.of();
    }
    JsonNode status = JSON.readTree(response.body());
    List<String> states = new ArrayList<>(List.of(status.path("connector").path("state").asText()));
    status.path("tasks").forEach(t -> states.add(t.path("state").asText() + (t.has("trace") ? ": " + t.get("trace").asText() : "")));
    return states;
  }

  /** Waits until the connector and its task run; a failed one fails the test with its trace. */
  void awaitRunning(String name, Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<String> states = List.of();
    while (System.nanoTime() < deadline) {
      states = states(name);
      if (states.stream().anyMatch(s -> s.startsWith("FAILED"))) {
        throw new IllegalStateException("connector " + name + " failed: " + states + "\n" + logTail());
      }
      if (states.size() >= 2 && states.stream().allMatch("RUNNING"::equals)) {
        return;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("connector " + name + " is not running after " + timeout + ": " + states + "\n" + logTail());
  }

  String log() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String logTail() {
    String all = log();
    return all.length() > 6000 ? "..." + all.substring(all.length() - 6000) : all;
  }

  /** A crash: SIGKILL, no shutdown of tasks, no offset commit. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  Path dir() {
    return dir;
  }
}
