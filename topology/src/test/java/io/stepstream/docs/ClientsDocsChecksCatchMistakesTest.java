package io.stepstream.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The checks of {@link ClientsDocsTest} would be worthless if they let mistakes through: each test
 * here breaks a copy of docs/clients.md (or adds a made-up source file) the way people do and shows
 * the check that catches it.
 */
@Timeout(60)
class ClientsDocsChecksCatchMistakesTest {
  private static String broken(String from, String to) throws Exception {
    String doc = ClientsDocChecks.doc();
    assertThat(doc).as("the edit applies to docs/clients.md").contains(from);
    return doc.replace(from, to);
  }

  /** Removes the table row that starts with {@code start}. */
  private static String withoutRow(String start) throws Exception {
    String doc = ClientsDocChecks.doc();
    List<String> rows = doc.lines().filter(l -> l.startsWith(start)).toList();
    assertThat(rows).as("one row starts with %s", start).hasSize(1);
    return doc.replace(rows.get(0) + "\n", "");
  }

  // (a) audit events

  @Test
  void anAuditEventTypeWithoutARowIsCaught() throws Exception {
    assertThat(ClientsDocChecks.auditEventProblems(withoutRow("| `STALE_OUTCOME` |")))
        .anyMatch(p -> p.contains("AuditEventType.STALE_OUTCOME has no row"));
  }

  @Test
  void aRowForATypeTheSchemaDoesNotHaveIsCaught() throws Exception {
    String doc = broken("| `RUN_STARTED` |", "| `RUN_EXPLODED` | never | | |\n| `RUN_STARTED` |");
    assertThat(ClientsDocChecks.auditEventProblems(doc)).anyMatch(p -> p.contains("RUN_EXPLODED, which is not an AuditEventType"));
  }

  // (b) dead-letter codes

  @Test
  void aDeadLetterCodeWithoutARowIsCaught() throws Exception {
    assertThat(ClientsDocChecks.deadLetterProblems(withoutRow("| `UNKNOWN_RUN` |"), ClientsDocChecks.engineSources()))
        .anyMatch(p -> p.contains("dead-letter code UNKNOWN_RUN") && p.contains("has no row"));
  }

  @Test
  void oneIdentityCodeMissingFromItsSharedRowIsCaught() throws Exception {
    String doc = broken("`IDENTITY_WRONG_AUDIENCE`, `IDENTITY_NO_USERNAME`", "`IDENTITY_WRONG_AUDIENCE`");
    assertThat(ClientsDocChecks.deadLetterProblems(doc, ClientsDocChecks.engineSources()))
        .anyMatch(p -> p.contains("dead-letter code IDENTITY_NO_USERNAME"));
  }

  @Test
  void aRowForACodeNothingProducesIsCaught() throws Exception {
    String doc = broken("| `ENGINE_ERROR` |", "| `PAYLOAD_ON_FIRE` | x | y |\n| `ENGINE_ERROR` |");
    assertThat(ClientsDocChecks.deadLetterProblems(doc, ClientsDocChecks.engineSources()))
        .anyMatch(p -> p.contains("row for PAYLOAD_ON_FIRE, which no code produces"));
  }

  @Test
  void aNewCodeThrownAnywhereInTheCodeIsCaught() throws Exception {
    JavaSources sources = ClientsDocChecks.engineSources().with("NewHandler.java", """
        final class NewHandler {
          void handle(Record<String, byte[]> record) {
            // a comment mentioning new InvalidInputException("NOT_A_CODE", ...) is not a call
            if (record.value().length > 3) {
              throw new InvalidInputException(
                  "VALUE_TOO_SHOUTY", "the value is too long");
            }
          }
        }
        """);
    assertThat(ClientsDocChecks.deadLetterProblems(ClientsDocChecks.doc(), sources))
        .anyMatch(p -> p.contains("dead-letter code VALUE_TOO_SHOUTY"))
        .noneMatch(p -> p.contains("NOT_A_CODE"));
  }

  @Test
  void aNewCodeWrittenAsAConstantIsCaught() throws Exception {
    JavaSources sources = ClientsDocChecks.engineSources().with("RegistryReader.java", """
        final class RegistryReader {
          static final String REGISTRY_DOWN = "REGISTRY_DOWN";
          Object read(byte[] value) {
            throw new InvalidInputException(REGISTRY_DOWN, "the registry did not answer");
          }
        }
        """);
    assertThat(ClientsDocChecks.deadLetterProblems(ClientsDocChecks.doc(), sources))
        .anyMatch(p -> p.contains("dead-letter code REGISTRY_DOWN"));
  }

  @Test
  void aCodeTheScanCannotReadIsCaughtInsteadOfSkipped() throws Exception {
    JavaSources sources = ClientsDocChecks.engineSources().with("Sneaky.java", """
        final class Sneaky {
          void handle(Record<String, byte[]> record) {
            outputs.deadLetter(record, record.key(), codeFor(record), "computed code");
          }
        }
        """);
    assertThat(ClientsDocChecks.deadLetterProblems(ClientsDocChecks.doc(), sources))
        .anyMatch(p -> p.contains("cannot read (Sneaky.java: codeFor(record))"));
  }

  // (c) JSON inputs

  @Test
  void aMisspeltFieldInAnExampleIsCaught() throws Exception {
    String doc = broken("{\"approvalName\": \"refund-review\", \"approved\": false,", "{\"approvalName\": \"refund-review\", \"aproved\": false,");
    assertThat(ClientsDocChecks.jsonInputProblems(doc))
        .anyMatch(p -> p.contains("input=reject") && p.contains("refused by the engine: INVALID_DECISION") && p.contains("aproved"));
  }

  @Test
  void aFieldTheDecoderAcceptsButTheTableLeavesOutIsCaught() throws Exception {
    assertThat(ClientsDocChecks.jsonInputProblems(withoutRow("| `signalId` |")))
        .anyMatch(p -> p.contains("the decoder accepts field \"signalId\"") && p.contains("fields:signal"))
        .anyMatch(p -> p.contains("input=signal") && p.contains("uses field \"signalId\", which the table fields:signal does not list"));
  }

  @Test
  void aDocumentedFieldTheDecoderRefusesIsCaught() throws Exception {
    String doc = broken("| `sentAt` | integer, epoch ms |", "| `priority` | integer | no | made up |\n| `sentAt` | integer, epoch ms |");
    assertThat(ClientsDocChecks.jsonInputProblems(doc))
        .anyMatch(p -> p.contains("lists field \"priority\", which the decoder refuses as unknown"));
  }

  @Test
  void aRequiredFieldDocumentedAsOptionalIsCaught() throws Exception {
    String doc = broken("| `name` | string | yes |", "| `name` | string | no |");
    assertThat(ClientsDocChecks.jsonInputProblems(doc))
        .anyMatch(p -> p.contains("input=signal") && p.contains("refused without \"name\"") && p.contains("says is optional"));
  }

  @Test
  void anOptionalFieldDocumentedAsRequiredIsCaught() throws Exception {
    String doc = broken("| `comment` | string | no |", "| `comment` | string | yes |");
    assertThat(ClientsDocChecks.jsonInputProblems(doc))
        .anyMatch(p -> p.contains("still decodes without \"comment\", which fields:decision says is required"));
  }

  @Test
  void anExampleThatIsNotWhatItsTagSaysIsCaught() throws Exception {
    String doc = broken("{\"command\": \"resume\",", "{\"command\": \"cancel\",");
    assertThat(ClientsDocChecks.jsonInputProblems(doc)).anyMatch(p -> p.contains("input=resume") && p.contains("not RESUME"));
  }

  @Test
  void aMissingKindOfExampleIsCaught() throws Exception {
    String doc = broken("```json input=approve-with-changes", "```json");
    assertThat(ClientsDocChecks.jsonInputProblems(doc)).contains("docs/clients.md has no ```json input=approve-with-changes example");
  }

  // (d) headers

  @Test
  void aHeaderTheCodeWritesWithoutARowIsCaught() throws Exception {
    assertThat(ClientsDocChecks.headerProblems(withoutRow("| `stepstream.error.run-id` |"), ClientsDocChecks.recordSources()))
        .anyMatch(p -> p.contains("header stepstream.error.run-id is read or written by the code but has no row"));
  }

  @Test
  void aDocumentedHeaderNoCodeWritesIsCaught() throws Exception {
    String doc = broken("| `stepstream.error.type` |", "| `stepstream.error.retries` | DLQ | the engine | a number | `2` |\n| `stepstream.error.type` |");
    assertThat(ClientsDocChecks.headerProblems(doc, ClientsDocChecks.recordSources()))
        .anyMatch(p -> p.contains("row for stepstream.error.retries, which no code reads or writes"));
  }

  @Test
  void aKafkaStreamsHeaderLeftOutIsCaught() throws Exception {
    assertThat(ClientsDocChecks.headerProblems(withoutRow("| `__streams.errors.offset` |"), ClientsDocChecks.recordSources()))
        .anyMatch(p -> p.contains("header __streams.errors.offset is on Kafka Streams' dead letters"));
  }

  @Test
  void aNewHeaderInTheCodeIsCaughtWhetherLiteralOrConstant() throws Exception {
    JavaSources sources = ClientsDocChecks.recordSources().with("Tagger.java", """
        final class Tagger {
          static final String ATTEMPT = "stepstream.attempt";
          void tag(ProducerRecord<String, byte[]> record) {
            record.headers().add(ATTEMPT, new byte[] {1});
            record.headers().add(new RecordHeader("stepstream.origin", new byte[0]));
          }
        }
        """);
    assertThat(ClientsDocChecks.headerProblems(ClientsDocChecks.doc(), sources))
        .anyMatch(p -> p.contains("header stepstream.attempt is read or written by the code"))
        .anyMatch(p -> p.contains("header stepstream.origin is read or written by the code"));
  }

  @Test
  void aHeaderNameTheScanCannotReadIsCaught() throws Exception {
    JavaSources sources = ClientsDocChecks.recordSources().with("Reader.java", """
        final class Reader {
          String read(ConsumerRecord<String, byte[]> record) {
            return new String(record.headers().lastHeader(prefix + "kind").value());
          }
        }
        """);
    assertThat(ClientsDocChecks.headerProblems(ClientsDocChecks.doc(), sources))
        .anyMatch(p -> p.contains("header name this check cannot read (Reader.java: prefix + \"kind\")"));
  }
}
