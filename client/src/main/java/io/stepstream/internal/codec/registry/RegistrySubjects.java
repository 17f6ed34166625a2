package io.stepstream.internal.codec.registry;

import io.stepstream.client.Topics;
import io.stepstream.schemas.ReleasedSchemas;
import java.util.List;

/**
 * The registry subject of each public envelope type, by Confluent's usual strategies.
 *
 * <p>Every public topic holds one type, so its subject is {@code <topic>-value} (TopicNameStrategy),
 * except the requests topic, which holds two: {@code WorkflowRequest} stays under {@code
 * <prefix>.requests-value} and {@code RunCommand} goes under {@code
 * <prefix>.requests-io.stepstream.avro.RunCommand} (TopicRecordNameStrategy), so neither type's
 * compatibility check ever compares it with the other.
 *
 * <pre>{@code
 * RegistrySubjects.subjectOf(Topics.withPrefix("stepstream"), "io.stepstream.avro.WorkflowResult")
 *     // "stepstream.results-value"
 * }</pre>
 *
 * <p>Internal types (run state, journal, step outcomes) have no subject: they stay single-object
 * encoded, so a registry outage never blocks a restore.
 */
public final class RegistrySubjects {
  private static final String NS = "io.stepstream.avro.";

  /** The envelope types written to public topics, by full name ({@link ReleasedSchemas#PUBLIC_ENVELOPES}). */
  public static final List<String> PUBLIC_ENVELOPES = ReleasedSchemas.PUBLIC_ENVELOPES;

  /** The compatibility level the product sets on each subject it registers under. */
  public static final String COMPATIBILITY = "BACKWARD";

  private RegistrySubjects() {}

  /**
   * The subject {@code envelopeFullName} is registered under in the deployment of {@code topics}.
   *
   * @throws IllegalArgumentException for a type that is not a public envelope
   */
  public static String subjectOf(Topics topics, String envelopeFullName) {
    return switch (envelopeFullName) {
      case NS + "WorkflowRequest" -> value(topics.requests());
      case NS + "RunCommand" -> topics.requests() + "-" + envelopeFullName;
      case NS + "ApprovalDecision" -> value(topics.approvals());
      case NS + "Signal" -> value(topics.signals());
      case NS + "WorkflowResult" -> value(topics.results());
      case NS + "AuditEvent" -> value(topics.events());
      case NS + "ApprovalRequest" -> value(topics.approvalRequests());
      case NS + "DeadLetter" -> value(topics.deadLetters());
      default -> throw new IllegalArgumentException(
          envelopeFullName + " is not written to a public topic, so it has no registry subject;"
              + " public envelopes: " + PUBLIC_ENVELOPES);
    };
  }

  private static String value(String topic) {
    return topic + "-value";
  }
}
