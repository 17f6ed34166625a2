package io.stepstream.client;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Kafka client properties from a file in the format of Kafka's own tools' {@code --command-config}
 * (Java properties): what a secured cluster needs (security protocol, SASL, TLS). The same file
 * works for the engine, {@link WorkflowClient}, the CLI and the load tests.
 *
 * <pre>{@code
 * Map<String, String> props = KafkaProperties.load(Path.of("client.properties"));
 * WorkflowClient client = WorkflowClient.builder().kafkaProperties(props).bootstrapServers("broker-1:9093").build();
 * }</pre>
 */
public final class KafkaProperties {
  private KafkaProperties() {}

  /**
   * Reads {@code file}.
   *
   * @throws UncheckedIOException naming the file if it cannot be read
   */
  public static Map<String, String> load(Path file) {
    Properties p = new Properties();
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("could not read Kafka client properties from " + file + ": " + e.getMessage(), e);
    }
    Map<String, String> map = new TreeMap<>();
    p.stringPropertyNames().forEach(k -> map.put(k, p.getProperty(k).trim()));
    return map;
  }
}
