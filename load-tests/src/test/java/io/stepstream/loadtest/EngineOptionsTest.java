package io.stepstream.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

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
}
