package io.stepstream.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class EngineOptionsTest {
  @Test
  void credentialsFromACommandConfigAreNeverPrintedWithTheEngineConfiguration() {
    assertThat(EngineOptions.isSecret("sasl.jaas.config")).isTrue();
    assertThat(EngineOptions.isSecret("ssl.truststore.password")).isTrue();
    assertThat(EngineOptions.isSecret("producer.ssl.keystore.password")).isTrue();
    assertThat(EngineOptions.isSecret("ssl.keystore.key")).isTrue();
    assertThat(EngineOptions.isSecret("security.protocol")).isFalse();
    assertThat(EngineOptions.isSecret("commit.interval.ms")).isFalse();
  }

  /** Holds the mixin, as BenchEngine and the generator do. */
  static final class Holder {
    @CommandLine.Mixin EngineOptions engine = new EngineOptions();
  }

  private static EngineOptions parse(String... args) {
    Holder h = new Holder();
    new CommandLine(h).parseArgs(args);
    return h.engine;
  }

  @Test
  void theFlagsGivenToTheGeneratorReachAnEngineInItsOwnJvmUnchanged() {
    String[] given = {"--commit-interval-ms", "25", "--early-commit-below", "0", "--partitions", "12", "--audit-level", "LEAN",
        "--streams-config", "producer.linger.ms=20", "--streams-config", "consumer.fetch.max.wait.ms=500", "--wire-format", "json"};
    EngineOptions original = parse(given);
    EngineOptions passedOn = parse(original.toArgs().toArray(String[]::new));
    assertThat(passedOn.given()).isEqualTo(original.given());
    assertThat(passedOn.given()).containsEntry("audit-level", "LEAN").containsEntry("partitions", 12);
    assertThat(passedOn.toArgs()).containsSequence("--wire-format", "json");
  }

  @Test
  void noFlagsPassNothingOn() {
    assertThat(parse().toArgs()).isEmpty();
  }
}
