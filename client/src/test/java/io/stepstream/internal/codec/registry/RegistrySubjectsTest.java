package io.stepstream.internal.codec.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stepstream.client.Topics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class RegistrySubjectsTest {
  private final Topics topics = Topics.withPrefix("acme");

  @Test
  void eachPublicTopicsTypeIsUnderTheTopicsValueSubject() {
    assertThat(RegistrySubjects.subjectOf(topics, "io.stepstream.avro.WorkflowRequest")).isEqualTo("acme.requests-value");
    assertThat(RegistrySubjects.subjectOf(topics, "io.stepstream.avro.ApprovalDecision")).isEqualTo("acme.approvals-value");
    assertThat(RegistrySubjects.subjectOf(topics, "io.stepstream.avro.Signal")).isEqualTo("acme.signals-value");
    assertThat(RegistrySubjects.subjectOf(topics, "io.stepstream.avro.WorkflowResult")).isEqualTo("acme.results-value");
    assertThat(RegistrySubjects.subjectOf(topics, "io.stepstream.avro.AuditEvent")).isEqualTo("acme.events-value");
    assertThat(RegistrySubjects.subjectOf(topics, "io.stepstream.avro.ApprovalRequest"))
        .isEqualTo("acme.approval-requests-value");
    assertThat(RegistrySubjects.subjectOf(topics, "io.stepstream.avro.DeadLetter")).isEqualTo("acme.dlq-value");
  }

  @Test
  void runCommandsShareTheRequestsTopicUnderATopicRecordNameSubject() {
    assertThat(RegistrySubjects.subjectOf(topics, "io.stepstream.avro.RunCommand"))
        .isEqualTo("acme.requests-io.stepstream.avro.RunCommand");
  }

  @Test
  void everyPublicEnvelopeHasADistinctSubject() {
    assertThat(RegistrySubjects.PUBLIC_ENVELOPES.stream().map(t -> RegistrySubjects.subjectOf(topics, t)))
        .doesNotHaveDuplicates()
        .hasSize(8);
  }

  @Test
  void internalTypesHaveNoSubject() {
    assertThatThrownBy(() -> RegistrySubjects.subjectOf(topics, "io.stepstream.avro.RunState"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no registry subject");
  }
}
