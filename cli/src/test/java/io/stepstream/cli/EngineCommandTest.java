package io.stepstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

@Timeout(10)
class EngineCommandTest {

  @Test
  void emitTopicIsRepeatableAndNoneByDefault() {
    assertThat(parse("--workflows", "w.jar").emitTopics).isEmpty();
    assertThat(parse("--workflows", "w.jar", "--emit-topic", "orders.shipped", "--emit-topic", "audit").emitTopics)
        .containsExactly("orders.shipped", "audit");
  }

  @Test
  void healthAndMetricsAreOnLoopbackPort8080AndJmxIsOnByDefault() {
    EngineCommand command = parse("--workflows", "w.jar");

    assertThat(EngineCommand.HttpBind.parse(command.httpBind, command.spec)).isEqualTo(new EngineCommand.HttpBind("127.0.0.1", 8080));
    assertThat(command.jmx).isTrue();
  }

  @Test
  void httpBindTakesAnyHostAndPortOrOffAndJmxCanBeTurnedOff() {
    EngineCommand command = parse("--workflows", "w.jar", "--http-bind", "0.0.0.0:9090", "--no-jmx");

    assertThat(EngineCommand.HttpBind.parse(command.httpBind, command.spec)).isEqualTo(new EngineCommand.HttpBind("0.0.0.0", 9090));
    assertThat(EngineCommand.HttpBind.parse("[::1]:0", command.spec)).isEqualTo(new EngineCommand.HttpBind("::1", 0));
    assertThat(EngineCommand.HttpBind.parse("off", command.spec)).isNull();
    assertThat(command.jmx).isFalse();
  }

  @Test
  void aMalformedHttpBindIsRefusedWithTheExpectedForm() {
    EngineCommand command = parse("--workflows", "w.jar");

    for (String bad : new String[] {"8080", "localhost:http", "host:70000", ":8080"}) {
      assertThatThrownBy(() -> EngineCommand.HttpBind.parse(bad, command.spec))
          .isInstanceOf(CommandLine.ParameterException.class)
          .hasMessageContaining("expected HOST:PORT");
    }
  }

  @Test
  void retentionTakesDaysHoursMinutesSecondsIsoZeroOrForever() {
    EngineCommand command = parse("--workflows", "w.jar", "--retention", "7d");
    assertThat(command.retention).isEqualTo("7d");
    assertThat(EngineCommand.parseRetention("7d", command.spec)).isEqualTo(java.time.Duration.ofDays(7));
    assertThat(EngineCommand.parseRetention("12h", command.spec)).isEqualTo(java.time.Duration.ofHours(12));
    assertThat(EngineCommand.parseRetention("30m", command.spec)).isEqualTo(java.time.Duration.ofMinutes(30));
    assertThat(EngineCommand.parseRetention("45s", command.spec)).isEqualTo(java.time.Duration.ofSeconds(45));
    assertThat(EngineCommand.parseRetention("PT36H", command.spec)).isEqualTo(java.time.Duration.ofHours(36));
    assertThat(EngineCommand.parseRetention("0", command.spec)).isZero();
    assertThat(EngineCommand.parseRetention("forever", command.spec)).isNull();
    assertThat(EngineCommand.parseRetention("-1", command.spec)).isNull();
    assertThat(parse("--workflows", "w.jar").retention).as("default: the results topic's retention.ms").isNull();
  }

  @Test
  void aMalformedRetentionIsRefusedWithTheExpectedForm() {
    EngineCommand command = parse("--workflows", "w.jar");
    for (String bad : new String[] {"7", "7w", "-3d", "soon", "P-1D"}) {
      assertThatThrownBy(() -> EngineCommand.parseRetention(bad, command.spec))
          .isInstanceOf(CommandLine.ParameterException.class)
          .hasMessageContaining("expected e.g. 7d");
    }
  }

  @Test
  void tokenStreamsTakeARetentionWindowAndABoundOfSseFollowers() {
    EngineCommand command = parse("--workflows", "w.jar", "--stream-retention", "6h", "--max-stream-followers", "10");
    assertThat(command.streamRetention).isEqualTo("6h");
    assertThat(command.maxStreamFollowers).isEqualTo(10);
    assertThat(parse("--workflows", "w.jar").maxStreamFollowers).isEqualTo(64);

    java.io.StringWriter err = new java.io.StringWriter();
    CommandLine cli = StepstreamCli.commandLine();
    cli.setErr(new java.io.PrintWriter(err));
    int exit = cli.execute("engine", "--workflows", "w.jar", "--bootstrap-servers", "127.0.0.1:1", "--stream-retention", "forever");
    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("--stream-retention forever: token streams are transient");
  }

  @Test
  void aSettingTheEngineRefusesIsPrintedAsItsMessageWithoutAStackTrace() {
    java.io.StringWriter err = new java.io.StringWriter();
    CommandLine cli = StepstreamCli.commandLine();
    cli.setErr(new java.io.PrintWriter(err));

    int exit = cli.execute("engine", "--workflows", "w.jar", "--bootstrap-servers", "127.0.0.1:1", "--approval-secret", "short");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).startsWith("stepstream engine: ").contains("16").doesNotContain("\tat ");
  }

  @Test
  void devAlsoTakesAWireFormat() {
    DevCommand dev = new DevCommand();
    new CommandLine(dev).parseArgs("--wire-format", "json");

    assertThat(dev.wireFormat.parsed()).isEqualTo(io.stepstream.client.WireFormat.JSON);
  }

  @Test
  void streamsConfigTakesRepeatedKeyValuePairs() {
    EngineCommand command = parse("--workflows", "w.jar", "--streams-config", "producer.transaction.timeout.ms=30000",
        "--streams-config", "num.standby.replicas=1");

    assertThat(command.streamsConfig).containsExactly(
        java.util.Map.entry("producer.transaction.timeout.ms", "30000"), java.util.Map.entry("num.standby.replicas", "1"));
  }

  @Test
  void wireFormatIsJsonAvroOrRegistryAndDefaultsToTheEngineDefault() {
    assertThat(parse("--workflows", "w.jar").wireFormat()).isNull();
    assertThat(parse("--workflows", "w.jar", "--wire-format", "json").wireFormat()).isEqualTo(io.stepstream.client.WireFormat.JSON);
    assertThat(parse("--workflows", "w.jar", "--wire-format", "avro").wireFormat()).isEqualTo(io.stepstream.client.WireFormat.AVRO_SINGLE_OBJECT);
    assertThat(parse("--workflows", "w.jar", "--wire-format", "registry").wireFormat()).isEqualTo(io.stepstream.client.WireFormat.SCHEMA_REGISTRY);
    assertThatThrownBy(() -> parse("--workflows", "w.jar", "--wire-format", "protobuf").wireFormat())
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("choose json, avro (single-object) or registry");
  }

  @Test
  void theIdentityProviderAndRepeatableAdminGroupsAreOptions() {
    EngineCommand command = parse("--workflows", "w.jar", "--identity-jwks", "/etc/idp.json", "--identity-issuer", "https://idp",
        "--identity-audience", "stepstream", "--identity-username-claim", "preferred_username", "--http-admin-group", "ops",
        "--http-admin-group", "sre");

    assertThat(command.identityJwks).hasToString("/etc/idp.json");
    assertThat(command.identityIssuer).isEqualTo("https://idp");
    assertThat(command.identityAudience).isEqualTo("stepstream");
    assertThat(command.identityUsernameClaim).isEqualTo("preferred_username");
    assertThat(command.identityGroupsClaim).isEqualTo("groups");
    assertThat(command.httpAdminGroups).containsExactly("ops", "sre");
    assertThat(parse("--workflows", "w.jar").identityUsernameClaim).isEqualTo("sub");
  }

  @Test
  void adminGroupsWithoutAnIdentityProviderAreRefusedBeforeAnythingStarts() {
    java.io.StringWriter err = new java.io.StringWriter();
    CommandLine cli = StepstreamCli.commandLine();
    cli.setErr(new java.io.PrintWriter(err));

    int exit = cli.execute("engine", "--workflows", "w.jar", "--bootstrap-servers", "127.0.0.1:1", "--http-admin-group", "ops");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("--http-admin-group needs --identity-jwks");
  }

  @Test
  void devServesTheConsoleOnLoopbackByDefaultOrWhereTold() {
    DevCommand dev = new DevCommand();
    new CommandLine(dev).parseArgs();
    DevCommand elsewhere = new DevCommand();
    new CommandLine(elsewhere).parseArgs("--http-bind", "off");

    assertThat(dev.httpBind).isEqualTo("127.0.0.1:8080");
    assertThat(elsewhere.httpBind).isEqualTo("off");
  }

  private static EngineCommand parse(String... args) {
    EngineCommand command = new EngineCommand();
    new CommandLine(command).parseArgs(args);
    return command;
  }
}
