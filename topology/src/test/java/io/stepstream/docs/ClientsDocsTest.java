package io.stepstream.docs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * docs/clients.md is the contract for clients in other languages, so it is checked against the
 * code: the audit event types of the schema, the dead-letter codes the code can produce, the
 * headers it reads and writes, and the JSON inputs its decoders accept. {@link
 * ClientsDocsChecksCatchMistakesTest} shows that each check fails on a broken copy.
 */
@Timeout(60)
class ClientsDocsTest {
  @Test
  void everyAuditEventTypeHasARowAndEveryRowIsAType() throws Exception {
    assertThat(ClientsDocChecks.auditEventProblems(ClientsDocChecks.doc())).isEmpty();
  }

  @Test
  void everyDeadLetterCodeTheCodeCanProduceHasARowAndEveryRowIsProduced() throws Exception {
    assertThat(ClientsDocChecks.deadLetterProblems(ClientsDocChecks.doc(), ClientsDocChecks.engineSources())).isEmpty();
  }

  @Test
  void theDeadLetterScanFindsTheCodesOfEveryKindOfSite() {
    // one code per way of writing one, so a scan that silently stopped seeing a kind of site fails here
    assertThat(DeadLetterCodes.scan(ClientsDocChecks.engineSources()).codes())
        .contains("EMPTY_REQUEST", "UNDECODABLE_REQUEST", "INVALID_REQUEST", "UNDECODABLE_DECISION", "INVALID_SIGNAL", "KEY_MISMATCH",
            "ENGINE_ERROR", "UNKNOWN_RUN", "APPROVER_NOT_ALLOWED", "BAD_TOKEN", "IDENTITY_MISSING",
            "IDENTITY_BAD_SIGNATURE", "UNDECODABLE_OUTCOME")
        .doesNotContain("INVALID_INPUT", "UNKNOWN_WORKFLOW_TYPE", "INPUT_TOO_LARGE"); // results' error types, not dead letters
  }

  @Test
  void everyJsonInputExampleIsAcceptedByTheDecodersAndDecodesToTheDocumentedFields() throws Exception {
    assertThat(ClientsDocChecks.jsonInputProblems(ClientsDocChecks.doc())).isEmpty();
  }

  @Test
  void everyHeaderTheCodeReadsOrWritesHasARowAndEveryDocumentedHeaderExists() throws Exception {
    assertThat(ClientsDocChecks.headerProblems(ClientsDocChecks.doc(), ClientsDocChecks.recordSources())).isEmpty();
  }

  @Test
  void theHeaderScanFindsTheTraceAndDeadLetterHeaders() {
    assertThat(HeaderNames.scan(ClientsDocChecks.recordSources()).names())
        .contains("traceparent", "tracestate", "stepstream.error.type", "stepstream.error.run-id", "stepstream.error.value-omitted");
  }
}
