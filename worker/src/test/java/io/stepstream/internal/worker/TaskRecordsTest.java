package io.stepstream.internal.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import io.stepstream.worker.Task;

class TaskRecordsTest {

  record Doc(String text) {}

  private static byte[] bytes(String json) {
    return json.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void a_task_record_of_the_protocol_decodes_and_unknown_fields_are_ignored() {
    Task task = TaskRecords.decode(bytes("{\"taskId\":\"prm_1\",\"queue\":\"llm-tasks\",\"runId\":\"order-42\",\"workflowType\":\"summarize-doc\","
        + "\"step\":\"summarize\",\"attempt\":2,\"maxAttempts\":3,\"idempotencyKey\":\"order-42/summarize\","
        + "\"input\":{\"text\":\"hi\",\"more\":1},\"dispatchedAt\":1767225600000,\"deadline\":1767225900000,"
        + "\"heartbeatTimeoutMs\":10000,\"addedLater\":{\"x\":1}}"));
    assertThat(task.taskId()).isEqualTo("prm_1");
    assertThat(task.queue()).isEqualTo("llm-tasks");
    assertThat(task.runId()).isEqualTo("order-42");
    assertThat(task.workflowType()).isEqualTo("summarize-doc");
    assertThat(task.step()).isEqualTo("summarize");
    assertThat(task.attempt()).isEqualTo(2);
    assertThat(task.maxAttempts()).isEqualTo(3);
    assertThat(task.idempotencyKey()).isEqualTo("order-42/summarize");
    assertThat(task.deadline()).contains(Instant.ofEpochMilli(1767225900000L));
    assertThat(task.heartbeatTimeout()).contains(Duration.ofSeconds(10));
    assertThat(task.input(Doc.class)).isEqualTo(new Doc("hi"));
    assertThat(task.inputJson()).isEqualTo("{\"text\":\"hi\",\"more\":1}");
  }

  @Test
  void null_heartbeat_timeout_and_input_mean_none() {
    Task task = TaskRecords.decode(bytes("{\"taskId\":\"prm_2\",\"heartbeatTimeoutMs\":null,\"deadline\":null}"));
    assertThat(task.heartbeatTimeout()).isEmpty();
    assertThat(task.deadline()).isEmpty();
    assertThat(task.inputJson()).isEqualTo("null");
  }

  @Test
  void what_is_not_a_task_record_is_refused_with_the_reason() {
    assertThatThrownBy(() -> TaskRecords.decode(null)).hasMessageContaining("tombstone");
    assertThatThrownBy(() -> TaskRecords.decode(bytes("{oops"))).hasMessageContaining("not JSON");
    assertThatThrownBy(() -> TaskRecords.decode(bytes("[1,2]"))).hasMessageContaining("not a JSON object");
    assertThatThrownBy(() -> TaskRecords.decode(bytes("{\"runId\":\"r\"}"))).hasMessageContaining("no taskId");
    assertThatThrownBy(() -> TaskRecords.decode(bytes("{\"taskId\":\"p\",\"deadline\":\"soon\"}"))).hasMessageContaining("deadline");
  }
}
