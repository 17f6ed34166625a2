package io.stepstream.cli;

import io.stepstream.engine.Stepstream;
import io.stepstream.client.Topics;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every command shares: where Kafka is and which topics to use. */
final class ConnectionOptions {
  @Option(names = "--bootstrap-servers", description = "Kafka cluster to use. Without it, an embedded single-node broker is started.")
  String bootstrapServers;

  @Option(names = "--topic-prefix", defaultValue = Topics.DEFAULT_PREFIX, description = "Prefix of all topics (default: ${DEFAULT-VALUE}).")
  String topicPrefix;

  @Option(names = "--data-dir", defaultValue = ".stepstream", description = "Local state and embedded-broker data (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--approval-secret", defaultValue = "${env:STEPSTREAM_APPROVAL_SECRET}",
      description = "Secret approval tokens are signed with (default: $STEPSTREAM_APPROVAL_SECRET). Needed by engines on an external cluster; lets the CLI sign decisions itself.")
  String approvalSecret;

  Stepstream.Builder engineBuilder() {
    Stepstream.Builder b = Stepstream.builder().topicPrefix(topicPrefix).stateDir(dataDir);
    if (bootstrapServers != null) {
      b.bootstrapServers(bootstrapServers);
    }
    if (approvalSecret != null && !approvalSecret.isBlank()) {
      b.approvalSecret(approvalSecret);
    }
    return b;
  }

  /** A client for the cluster and topics these options name. */
  io.stepstream.client.WorkflowClient client() {
    var b = io.stepstream.client.WorkflowClient.builder().bootstrapServers(requireBootstrap()).topicPrefix(topicPrefix);
    if (approvalSecret != null && !approvalSecret.isBlank()) {
      b.approvalSecret(approvalSecret);
    }
    return b.build();
  }

  String requireBootstrap() {
    if (bootstrapServers == null) {
      throw new picocli.CommandLine.ParameterException(
          new picocli.CommandLine(this), "this command needs --bootstrap-servers (the cluster your engine uses; `./stepstream dev` prints it)");
    }
    return bootstrapServers;
  }
}
