package io.stepstream.examples.app;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stepstream.engine.Stepstream;
import io.stepstream.examples.SupportWorkflows;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** This module has the engine but not stepstream-dev-kafka, as a user's application would. */
@Timeout(30)
class DevModeWithoutTheDevBrokerTest {
  @TempDir Path dir;

  @Test
  void devModeWithoutTheDevBrokerOnTheClasspathSaysWhichDependencyToAdd() {
    Stepstream engine = Stepstream.builder().devMode().stateDir(dir).register(new SupportWorkflows()).build();

    assertThatThrownBy(engine::start)
        .hasMessageContaining("io.stepstream:stepstream-dev-kafka")
        .hasMessageContaining("bootstrapServers");
  }
}
