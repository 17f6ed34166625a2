package io.stepstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.client.Topics;
import io.stepstream.engine.Stepstream;
import io.stepstream.secure.SecuredBroker;
import io.stepstream.secure.StepstreamAcls;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.acl.AclBinding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The CLI on a secured cluster: {@code --command-config} carries SASL_SSL/SCRAM settings, as for Kafka's own tools. */
class SecuredCliIT {
  static final Topics TOPICS = Topics.withPrefix("cli");

  @TempDir Path dir;

  record Run(int exitCode, String out, String err) {}

  @Test
  @Timeout(300) // certificates, a broker and an engine on a shared machine
  void startAndResultWorkWithACommandConfigAndARefusedPrincipalGetsTheReasonNotAStackTrace() throws Exception {
    try (SecuredBroker kafka = SecuredBroker.start(dir)) {
      String engine = SecuredBroker.randomPassword();
      String client = SecuredBroker.randomPassword();
      String approver = SecuredBroker.randomPassword();
      kafka.addUser("engine", engine);
      kafka.addUser("client", client);
      kafka.addUser("approver", approver);
      List<AclBinding> acls = new ArrayList<>(StepstreamAcls.engine("User:engine", TOPICS, "cli-engine"));
      acls.addAll(StepstreamAcls.client("User:client", TOPICS));
      acls.addAll(StepstreamAcls.approver("User:approver", TOPICS));
      kafka.allow(acls);
      Path clientConfig = propertiesFile(kafka.clientProperties("client", client), "client.properties");
      Path approverConfig = propertiesFile(kafka.clientProperties("approver", approver), "approver.properties");

      try (Stepstream ignored = Stepstream.builder()
          .kafkaProperties(kafka.clientProperties("engine", engine))
          .topicPrefix(TOPICS.prefix())
          .stateDir(dir.resolve("engine-state"))
          .partitions(3)
          .approvalSecret("secured-cli-approval-secret")
          .register("greet", String.class, (ctx, name) -> ctx.step("hello", String.class, s -> "hello " + name))
          .build()
          .start()) {
        Run started = cli("start", "greet", "--run-id", "cli-1", "--input", "\"ada\"", "--wait", "--timeout", "PT60S",
            "--topic-prefix", TOPICS.prefix(), "--command-config", clientConfig.toString());
        Run result = cli("result", "cli-1", "--topic-prefix", TOPICS.prefix(), "--command-config", clientConfig.toString());
        Run refused = cli("start", "greet", "--run-id", "cli-refused", "--topic-prefix", TOPICS.prefix(),
            "--command-config", approverConfig.toString());

        assertThat(started.exitCode()).as(started.toString()).isZero();
        assertThat(started.out()).contains("started cli-1").contains("COMPLETED").contains("hello ada");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).contains("hello ada");
        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(StepstreamCli.REFUSED);
        assertThat(refused.err())
            .contains("stepstream start: User:approver may not WRITE topic cli.requests")
            .contains("--operation Write --topic cli.requests")
            .doesNotContain("\tat ");
        System.out.println("REFUSED (CLI): " + refused.err().trim());
      }
    }
  }

  private Path propertiesFile(Map<String, Object> properties, String name) throws Exception {
    Properties p = new Properties();
    properties.forEach((k, v) -> p.setProperty(k, String.valueOf(v)));
    Path file = dir.resolve(name);
    try (Writer out = Files.newBufferedWriter(file)) {
      p.store(out, "test client properties");
    }
    return file;
  }

  /** Runs a command in this JVM, as {@code ./stepstream} would, capturing what it prints. */
  private static synchronized Run cli(String... args) {
    PrintStream stdout = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StringWriter err = new StringWriter();
    int code;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      code = StepstreamCli.commandLine().setErr(new PrintWriter(err, true)).execute(args);
    } finally {
      System.setOut(stdout);
    }
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString());
  }
}
