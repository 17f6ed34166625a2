package io.stepstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.stepstream.RunResult;
import io.stepstream.client.WorkflowClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.output.Slf4jLogConsumer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * deploy/docker for real: builds the engine image from the Dockerfile and the runnable jar, starts
 * the broker image of compose.yaml and the engine with compose.yaml's command (same network alias,
 * same listener), mounts a workflows jar found through ServiceLoader, and runs one workflow with
 * WorkflowClient from the test JVM.
 *
 * <p>Needs Docker: without it JUnit reports this class skipped ("disabledWithoutDocker"), never
 * passed. Needs cli/target/stepstream.jar: a full `mvn verify` builds it before this module; with
 * `-pl deploy` build it first (`mvn -B -pl cli -am package -DskipTests`), else this test fails saying so.
 */
@Testcontainers(disabledWithoutDocker = true)
@Timeout(600)
class DockerEngineIT {
  @TempDir Path tmp;

  @Test
  void theImageRunsTheEngineOnTheComposeBrokerAndARunStartedFromTheHostCompletes() throws Exception {
    Path jar = DockerfileAndComposeTest.REPO.resolve("cli/target/stepstream.jar").toAbsolutePath().normalize();
    assertThat(jar).as("the runnable jar; build it with: mvn -B -pl cli -am package -DskipTests").exists();
    JsonNode compose = Yaml.single(DockerfileAndComposeTest.COMPOSE);
    List<String> command = DockerfileAndComposeTest.strings(compose.path("services").path("engine").path("command"));
    var flags = Engine.flags(command);
    String[] bootstrap = flags.get("--bootstrap-servers").split(":");
    Path workflows = workflowsJar();

    ImageFromDockerfile image = new ImageFromDockerfile("stepstream-it", true)
        .withFileFromPath("Dockerfile", DockerfileAndComposeTest.DOCKER.resolve("Dockerfile").toAbsolutePath())
        .withFileFromPath("cli/target/stepstream.jar", jar);

    try (Network network = Network.newNetwork();
        KafkaContainer kafka = new KafkaContainer(DockerImageName.parse(compose.path("services").path("kafka").path("image").asText()))
            .withNetwork(network)
            .withNetworkAliases(bootstrap[0])
            .withListener(flags.get("--bootstrap-servers"));
        GenericContainer<?> engine = new GenericContainer<>(image)
            .withNetwork(network)
            .withCommand(command.toArray(String[]::new))
            .withCopyFileToContainer(MountableFile.forHostPath(workflows), flags.get("--workflows"))
            .withCopyFileToContainer(MountableFile.forHostPath(DockerfileAndComposeTest.DOCKER.resolve("dev-approval-secret").toAbsolutePath()),
                flags.get("--approval-secret-file"))
            .withExposedPorts(8080)
            .withLogConsumer(new Slf4jLogConsumer(LoggerFactory.getLogger("engine")))
            .waitingFor(Wait.forHttp("/health/ready").forPort(8080).forStatusCode(200).withStartupTimeout(Duration.ofMinutes(4)))) {
      kafka.start();
      engine.start();
      try (WorkflowClient client = WorkflowClient.builder().bootstrapServers(kafka.getBootstrapServers()).topicPrefix(flags.get("--topic-prefix")).build()) {
        RunResult result = client.start("echo", "docker-it-1", "hello").await(Duration.ofMinutes(2));
        assertThat(result.outputOrThrow(String.class)).isEqualTo("HELLO!");
      }
      assertThat(engine.execInContainer("curl", "-fsS", "http://127.0.0.1:8080/metrics").getStdout()).isNotBlank();
    }
  }

  /** it-workflows/ compiled against the API on the test class path and packed with its ServiceLoader entry. */
  private Path workflowsJar() throws Exception {
    Path sources = Path.of(getClass().getResource("/it-workflows").toURI());
    Path classes = Files.createDirectories(tmp.resolve("classes"));
    List<String> files;
    try (Stream<Path> s = Files.walk(sources)) {
      files = s.filter(p -> p.toString().endsWith(".java")).map(Path::toString).toList();
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    String[] args = Stream.concat(Stream.of("--release", "17", "-cp", System.getProperty("java.class.path"), "-d", classes.toString()), files.stream())
        .toArray(String[]::new);
    assertThat(javac.run(null, null, null, args)).as("compiling the test workflows against stepstream-api").isZero();
    Path jar = tmp.resolve("workflows.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar)); Stream<Path> s = Files.walk(classes)) {
      for (Path c : s.filter(Files::isRegularFile).toList()) {
        add(out, classes.relativize(c).toString().replace('\\', '/'), Files.readAllBytes(c));
      }
      add(out, "META-INF/services/io.stepstream.WorkflowRegistrar", "it.workflows.EchoWorkflows\n".getBytes());
    }
    return jar;
  }

  private static void add(JarOutputStream out, String name, byte[] bytes) throws IOException {
    out.putNextEntry(new JarEntry(name));
    out.write(bytes);
    out.closeEntry();
  }
}
