package io.stepstream.cli;

import io.stepstream.client.KafkaProperties;
import io.stepstream.client.Topics;
import io.stepstream.client.WorkflowClient;
import io.stepstream.engine.Stepstream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options every command shares: where Kafka is, how to reach it securely, which topics to use. */
final class ConnectionOptions {
  @Option(names = "--bootstrap-servers", description = "Kafka cluster to use (or bootstrap.servers in --command-config).")
  String bootstrapServers;

  @Option(names = "--command-config", paramLabel = "FILE",
      description = "Kafka client properties (security.protocol, sasl.*, ssl.*), as for Kafka's own tools: used by every client this command creates.")
  Path commandConfig;

  @Option(names = "--topic-prefix", defaultValue = Topics.DEFAULT_PREFIX, description = "Prefix of all topics (default: ${DEFAULT-VALUE}).")
  String topicPrefix;

  @Option(names = "--data-dir", defaultValue = ".stepstream", description = "Local state (and the dev broker's data in demo/dev) (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--approval-secret", defaultValue = "${env:STEPSTREAM_APPROVAL_SECRET}",
      description = "Secret approval tokens are signed with (default: $STEPSTREAM_APPROVAL_SECRET). Prefer --approval-secret-file: a command line is visible to other users.")
  String approvalSecret;

  @Option(names = "--approval-secret-file", paramLabel = "FILE", description = "File holding the approval secret (e.g. a mounted Kubernetes secret).")
  Path approvalSecretFile;

  private Map<String, String> kafkaProperties;

  /** Read once per command, so every client of the command sees the same file contents. */
  Map<String, String> kafkaProperties() {
    if (kafkaProperties == null) {
      kafkaProperties = commandConfig == null ? Map.of() : KafkaProperties.load(commandConfig);
    }
    return kafkaProperties;
  }

  String approvalSecret() {
    if (approvalSecretFile != null) {
      try {
        return Files.readString(approvalSecretFile).trim();
      } catch (java.io.IOException e) {
        throw new IllegalArgumentException("could not read the approval secret from " + approvalSecretFile + ": " + e.getMessage(), e);
      }
    }
    return approvalSecret == null || approvalSecret.isBlank() ? null : approvalSecret;
  }

  /** An engine on the given cluster; in demo/dev, without one, on an embedded dev broker. */
  Stepstream.Builder engineBuilder(boolean devModeWithoutCluster) {
    Stepstream.Builder b = Stepstream.builder().topicPrefix(topicPrefix).stateDir(dataDir).kafkaProperties(kafkaProperties());
    if (bootstrapServers != null) {
      b.bootstrapServers(bootstrapServers);
    } else if (devModeWithoutCluster && !kafkaProperties().containsKey("bootstrap.servers")) {
      b.devMode();
    }
    String secret = approvalSecret();
    if (secret != null) {
      b.approvalSecret(secret);
    }
    return b;
  }

  /** A client for the cluster and topics these options name. */
  WorkflowClient client() {
    var b = WorkflowClient.builder().kafkaProperties(kafkaProperties()).bootstrapServers(requireBootstrap()).topicPrefix(topicPrefix);
    String secret = approvalSecret();
    if (secret != null) {
      b.approvalSecret(secret);
    }
    return b.build();
  }

  String requireBootstrap() {
    if (bootstrapServers != null) {
      return bootstrapServers;
    }
    String fromFile = kafkaProperties().get("bootstrap.servers");
    if (fromFile == null) {
      throw new picocli.CommandLine.ParameterException(
          new picocli.CommandLine(this),
          "this command needs --bootstrap-servers (or bootstrap.servers in --command-config): the cluster your engine uses; `./stepstream dev` prints it");
    }
    return fromFile;
  }
}
