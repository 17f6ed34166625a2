package io.stepstream.internal.engine;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Starts the embedded single-node broker of dev mode. The broker lives in the optional
 * {@code stepstream-dev-kafka} module: applications that embed the engine do not get Kafka's broker
 * or Scala unless they add it, and this class is the only place the engine touches it, so nothing
 * else fails to load without it.
 */
public final class DevBroker implements AutoCloseable {
  private final AutoCloseable broker;
  private final String bootstrapServers;

  private DevBroker(AutoCloseable broker, String bootstrapServers) {
    this.broker = broker;
    this.bootstrapServers = bootstrapServers;
  }

  public static DevBroker start(Path dataDir) throws IOException {
    try {
      Class.forName("io.stepstream.devkafka.EmbeddedKafka");
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(
          "dev mode needs the embedded broker, which is not on the classpath: add the dependency"
              + " io.stepstream:stepstream-dev-kafka (for development and tests only), or give the engine a cluster"
              + " with bootstrapServers(...) instead of devMode()",
          e);
    }
    var kafka = io.stepstream.devkafka.EmbeddedKafka.start(dataDir);
    return new DevBroker(kafka, kafka.bootstrapServers());
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  @Override
  public void close() throws Exception {
    broker.close();
  }
}
