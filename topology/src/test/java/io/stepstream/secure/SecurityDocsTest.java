package io.stepstream.secure;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.client.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** docs/security.md lists the ACLs the tests grant: the same bindings, as kafka-acls.sh commands. */
class SecurityDocsTest {
  static final Topics TOPICS = Topics.withPrefix(Topics.DEFAULT_PREFIX);
  static final String APPLICATION_ID = "stepstream-engine";
  /** The example emit topic of docs/security.md. */
  static final String EMIT_TOPIC = "orders.shipped";
  /** The example task queue of docs/security.md. */
  static final String TASK_QUEUE = "llm-tasks";

  @Test
  void everyRolesAclsAppearInDocsSecurityMdAsKafkaAclsCommands() throws Exception {
    String docs = Files.readString(Path.of("..", "docs", "security.md"));

    assertThat(docs).contains(StepstreamAcls.kafkaAclsCommands(StepstreamAcls.engine("User:engine", TOPICS, APPLICATION_ID)));
    assertThat(docs).contains(StepstreamAcls.kafkaAclsCommands(StepstreamAcls.client("User:client", TOPICS)));
    assertThat(docs).contains(StepstreamAcls.kafkaAclsCommands(StepstreamAcls.approver("User:approver", TOPICS)));
    assertThat(docs).contains(StepstreamAcls.kafkaAclsCommands(StepstreamAcls.engineEmitTopic("User:engine", EMIT_TOPIC)));
    assertThat(docs).contains(StepstreamAcls.kafkaAclsCommands(StepstreamAcls.worker("User:worker", TOPICS, TASK_QUEUE)));
  }

  @Test
  void theDocsHaveNoKafkaAclsCommandThatNoRoleGrants() throws Exception {
    List<String> documented = Files.readAllLines(Path.of("..", "docs", "security.md")).stream()
        .filter(line -> line.startsWith("kafka-acls.sh ") && line.contains(" --add "))
        .toList();
    List<String> granted = new java.util.ArrayList<>();
    granted.addAll(StepstreamAcls.kafkaAclsCommands(StepstreamAcls.engine("User:engine", TOPICS, APPLICATION_ID)));
    granted.addAll(StepstreamAcls.kafkaAclsCommands(StepstreamAcls.client("User:client", TOPICS)));
    granted.addAll(StepstreamAcls.kafkaAclsCommands(StepstreamAcls.approver("User:approver", TOPICS)));
    granted.addAll(StepstreamAcls.kafkaAclsCommands(StepstreamAcls.engineEmitTopic("User:engine", EMIT_TOPIC)));
    granted.addAll(StepstreamAcls.kafkaAclsCommands(StepstreamAcls.worker("User:worker", TOPICS, TASK_QUEUE)));

    assertThat(granted).containsAll(documented);
  }
}
