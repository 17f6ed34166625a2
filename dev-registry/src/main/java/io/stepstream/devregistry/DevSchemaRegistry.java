package io.stepstream.devregistry;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * A real schema registry speaking the Confluent REST API, for tests: Apicurio Registry (its published
 * Quarkus app, in-memory H2 storage) started as a child JVM on free 127.0.0.1 ports.
 *
 * <pre>{@code
 * try (DevSchemaRegistry registry = DevSchemaRegistry.builder().start()) {
 *   Map<String, String> props = Map.of("schema.registry.url", registry.url());
 *   // ... a producer, the engine or SchemaRegistryClient.fromProperties(props)
 * }
 * }</pre>
 *
 * <p>Why a child process: Apicurio is a Quarkus application built for Java 21 while the project builds
 * on Java 17, and its hundreds of jars must stay off the test's classpath. Confluent's own registry is
 * not published on Maven Central; Apicurio's {@code apicurio-registry-app:<version>:tar.gz:all} is, and
 * this module depends on it so Maven downloads it. The first start on a machine unpacks it (with
 * {@code tar}) into {@code <java.io.tmpdir>/stepstream-dev-registry/apicurio-registry-<version>}.
 *
 * <p>The Java that runs it: {@code -Dstepstream.devregistry.java=/path/to/bin/java}, else {@code
 * $STEPSTREAM_REGISTRY_JAVA_HOME}, else this JVM when it is 21 or later, else the newest JDK 21+ under
 * {@code /usr/lib/jvm}. Its output goes to {@code target/dev-registry/registry-<port>.log} (relative to
 * the working directory, the module's directory under Maven).
 */
public final class DevSchemaRegistry implements AutoCloseable {
  /** The path under the server's root where Apicurio serves the Confluent API. */
  public static final String CCOMPAT_PATH = "/apis/ccompat/v7";

  private static final int MIN_JAVA = 21;

  private final Process process;
  private final int port;
  private final Optional<Integer> httpsPort;
  private final Path log;

  private DevSchemaRegistry(Process process, int port, Optional<Integer> httpsPort, Path log) {
    this.process = process;
    this.port = port;
    this.httpsPort = httpsPort;
    this.log = log;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The Confluent-compatible base URL, e.g. {@code http://127.0.0.1:40123/apis/ccompat/v7}. */
  public String url() {
    return "http://127.0.0.1:" + port + CCOMPAT_PATH;
  }

  /** The same API over TLS, when {@link Builder#tls} was set: {@code https://localhost:<port>/apis/ccompat/v7}. */
  public Optional<String> httpsUrl() {
    return httpsPort.map(p -> "https://localhost:" + p + CCOMPAT_PATH);
  }

  public long pid() {
    return process.pid();
  }

  public Path logFile() {
    return log;
  }

  /** Stops the server (SIGTERM, then SIGKILL after 30 s); its in-memory schemas are gone. */
  @Override
  public void close() {
    stop(process);
  }

  private static void stop(Process process) {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      // 30 s: the first run on a machine writes the class data sharing archive as it exits
      if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** How to start one. */
  public static final class Builder {
    private String user;
    private String password;
    private Path keyStore;
    private String keyStorePassword;
    private String maxHeap = "128m";
    private Duration startTimeout = Duration.ofSeconds(120);

    private Builder() {}

    /**
     * Requires HTTP basic auth on every call with this user (an admin), through Quarkus' embedded users.
     * Unauthenticated calls get 401.
     */
    public Builder basicAuth(String user, String password) {
      this.user = user;
      this.password = password;
      return this;
    }

    /**
     * Also serves HTTPS on a second free port with the (PKCS12) key store's certificate; give it one
     * for the host name {@code localhost}. Plain HTTP stays on.
     */
    public Builder tls(Path pkcs12KeyStore, String storePassword) {
      this.keyStore = pkcs12KeyStore.toAbsolutePath();
      this.keyStorePassword = storePassword;
      return this;
    }

    /** The server's {@code -Xmx} (default 128m; it used about 60 MB after 50 registrations). */
    public Builder maxHeap(String maxHeap) {
      this.maxHeap = maxHeap;
      return this;
    }

    public Builder startTimeout(Duration timeout) {
      this.startTimeout = timeout;
      return this;
    }

    /**
     * Starts the server and returns once its Confluent API answers.
     *
     * @throws IllegalStateException with the server's last log lines if it does not come up
     */
    public DevSchemaRegistry start() {
      Path home = Distribution.home();
      String java = JavaFinder.java(MIN_JAVA);
      int port = freePort();
      int managementPort = freePort();
      Optional<Integer> httpsPort = keyStore == null ? Optional.empty() : Optional.of(freePort());
      Path logDir = Path.of("target", "dev-registry").toAbsolutePath();
      Path log = logDir.resolve("registry-" + port + ".log");

      List<String> command = new ArrayList<>();
      command.add(java);
      command.add("-Xmx" + maxHeap);
      command.add("-XX:+UseSerialGC"); // 2 cores shared by the build: no parallel GC threads
      command.add("-XX:TieredStopAtLevel=1"); // starts faster; a test registry needs no C2
      // Class data sharing: the first run writes an archive of the classes it loaded (78 MB, at exit), later
      // runs map it and start about twice as fast. Keyed by the java used; a stale or half-written archive is
      // ignored and rewritten by the JVM.
      command.add("-XX:+AutoCreateSharedArchive");
      command.add("-XX:SharedArchiveFile=" + home.resolve("app-cds-" + Integer.toHexString(java.hashCode()) + ".jsa"));
      command.add("-Dquarkus.http.host=127.0.0.1");
      command.add("-Dquarkus.http.port=" + port);
      // the management interface (health, metrics) is on by build; keep it on loopback and off 9000
      command.add("-Dquarkus.management.host=127.0.0.1");
      command.add("-Dquarkus.management.port=" + managementPort);
      command.add("-Dapicurio.storage.kind=sql");
      command.add("-Dapicurio.storage.sql.kind=h2"); // in memory: nothing is kept after close()
      if (user != null) {
        // Quarkus logs that this is "build time fixed"; Apicurio reads it at run time all the same and
        // requires the credentials (SchemaRegistryIT checks the 401s)
        command.add("-Dquarkus.http.auth.basic=true");
        command.add("-Dquarkus.security.users.embedded.enabled=true");
        command.add("-Dquarkus.security.users.embedded.plain-text=true");
        command.add("-Dquarkus.security.users.embedded.users." + user + "=" + password);
        command.add("-Dquarkus.security.users.embedded.roles." + user + "=sr-admin");
      }
      if (keyStore != null) {
        command.add("-Dquarkus.http.ssl-port=" + httpsPort.get());
        command.add("-Dquarkus.http.ssl.certificate.key-store-file=" + keyStore);
        command.add("-Dquarkus.http.ssl.certificate.key-store-password=" + keyStorePassword);
        command.add("-Dquarkus.http.ssl.certificate.key-store-file-type=PKCS12");
      }
      command.add("-jar");
      command.add(home.resolve("quarkus-run.jar").toString());

      Process process;
      try {
        Files.createDirectories(logDir);
        process =
            new ProcessBuilder(command)
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start the dev schema registry with " + java + ": " + e.getMessage(), e);
      }
      // if the test JVM exits without close(), do not leave a registry behind
      Thread reaper = new Thread(() -> stop(process), "dev-registry-reaper-" + process.pid());
      Runtime.getRuntime().addShutdownHook(reaper);
      process.onExit().thenRun(() -> {
        try {
          Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException shuttingDown) {
          // the hook is running or has run
        }
      });

      DevSchemaRegistry registry = new DevSchemaRegistry(process, port, httpsPort, log);
      try {
        registry.awaitReady(startTimeout, user == null ? null : user + ":" + password);
      } catch (RuntimeException e) {
        registry.close();
        throw e;
      }
      return registry;
    }
  }

  /** Waits until the ccompat API answers (200, or 401 when auth is on: both mean it is serving). */
  private void awaitReady(Duration timeout, String userInfo) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "the dev schema registry (pid " + process.pid() + ") exited with code " + process.exitValue()
                + " while starting; its log " + log + " ends with:\n" + tail(log));
      }
      int status = probe(userInfo);
      if (status == 200) {
        return;
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the dev schema registry", e);
      }
    }
    throw new IllegalStateException(
        "the dev schema registry (pid " + process.pid() + ") did not answer on " + url() + " within " + timeout
            + "; its log " + log + " ends with:\n" + tail(log));
  }

  private int probe(String userInfo) {
    try {
      HttpURLConnection c = (HttpURLConnection) new URL(url() + "/subjects").openConnection();
      c.setConnectTimeout(1000);
      c.setReadTimeout(5000);
      if (userInfo != null) {
        c.setRequestProperty(
            "Authorization", "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8)));
      }
      int status = c.getResponseCode();
      try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
        if (in != null) {
          in.readAllBytes();
        }
      }
      return status;
    } catch (IOException e) {
      return -1; // not listening yet
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(cannot read it: " + e.getMessage() + ")";
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1", e);
    }
  }

  /** The version of Apicurio Registry this module depends on (filtered into a resource by Maven). */
  static Properties buildInfo() {
    try (InputStream in = DevSchemaRegistry.class.getResourceAsStream("dev-registry.properties")) {
      if (in == null) {
        throw new IllegalStateException(
            "io/stepstream/devregistry/dev-registry.properties is missing: build stepstream-dev-registry with Maven");
      }
      Properties p = new Properties();
      p.load(in);
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
