package io.stepstream.internal.codec;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stepstream.schemas.ReleasedSchemas;
import io.stepstream.schemas.ReleasedSchemas.Released;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParser;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificRecordBase;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every envelope version ever released still decodes with today's decoders: the committed byte
 * fixtures ({@code schemas/src/test/resources/fixtures/<version>/}, written from the released
 * schemas) go through {@link Envelopes} and every field the old writer wrote comes back unchanged.
 * Fails when a schema changed but the decoders do not know the released writer schema.
 */
@Timeout(60)
class ReleasedEnvelopesTest {
  private static final Path FIXTURES = Path.of("../schemas/src/test/resources/fixtures");

  /** How the engine decodes each envelope type. A new envelope type needs its decoder here. */
  private static final Map<String, Function<byte[], ? extends SpecificRecordBase>> DECODERS =
      Map.ofEntries(
          entry("io.stepstream.avro.WorkflowRequest", Envelopes::request),
          entry("io.stepstream.avro.RunCommand", Envelopes::command),
          entry("io.stepstream.avro.ApprovalDecision", Envelopes::decision),
          entry("io.stepstream.avro.ApprovalRequest", Envelopes::approvalRequest),
          entry("io.stepstream.avro.Signal", Envelopes::signal),
          entry("io.stepstream.avro.WorkflowResult", Envelopes::result),
          entry("io.stepstream.avro.StepOutcome", Envelopes::outcome),
          entry("io.stepstream.avro.JournalEntry", Envelopes::journalEntry),
          entry("io.stepstream.avro.RunState", Envelopes::runState),
          entry("io.stepstream.avro.AuditEvent", Envelopes::auditEvent),
          entry("io.stepstream.avro.DeadLetter", Envelopes::deadLetter));

  /**
   * {@code <type full name>.<field>} of fields deliberately removed since a release: what old records
   * hold in them is dropped on read. Anything else an old writer wrote must come back.
   */
  private static final Set<String> DROPPED_FIELDS = Set.of();

  static Stream<Named<Released>> releasedEnvelopes() {
    return ReleasedSchemas.onClasspath().all().stream()
        .filter(Released::envelope)
        .map(r -> Named.of(r.version() + " " + r.schema().getName(), r));
  }

  @Test
  void everyReleasedEnvelopeHasAFixtureAndADecoder() {
    List<Released> envelopes = releasedEnvelopes().map(Named::getPayload).toList();

    assertThat(envelopes).isNotEmpty();
    assertThat(envelopes)
        .allSatisfy(r -> assertThat(fixture(r)).as("fixture of %s %s", r.version(), r.fullName()).exists())
        .allSatisfy(r -> assertThat(DECODERS).as("decoder of " + r.fullName()).containsKey(r.fullName()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("releasedEnvelopes")
  void whatAReleaseWroteDecodesWithTheCurrentDecoderWithEveryFieldIntact(Released released) throws IOException {
    byte[] bytes = Files.readAllBytes(fixture(released));

    SpecificRecordBase decoded = DECODERS.get(released.fullName()).apply(bytes);

    assertSameValues(released.schema(), writtenValue(released, bytes), decoded, released.schema().getName());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("releasedEnvelopes")
  void whileASchemaIsUnchangedTheEngineWritesTheReleasedBytes(Released released) throws IOException {
    byte[] bytes = Files.readAllBytes(fixture(released));
    SpecificRecordBase decoded = DECODERS.get(released.fullName()).apply(bytes);
    assumeTrue(
        ReleasedSchemas.fingerprint(decoded.getSchema()) == released.fingerprint(),
        released.fullName() + " changed since " + released.version());

    // proves the fixture generator (GenericRecord from the baseline) writes what the engine writes
    assertThat(Envelopes.encode(decoded)).isEqualTo(bytes);
  }

  @Test
  void releasedCommandsAndRequestsAreToldApartOnTheRequestsTopic() throws IOException {
    for (Released r : releasedEnvelopes().map(Named::getPayload).toList()) {
      byte[] bytes = Files.readAllBytes(fixture(r));
      switch (r.schema().getName()) {
        case "RunCommand" ->
            assertThat(RequestDecoder.decodeInbound(bytes)).as(r.version()).isInstanceOf(RequestDecoder.Command.class);
        case "WorkflowRequest" ->
            assertThat(RequestDecoder.decodeInbound(bytes)).as(r.version()).isInstanceOf(RequestDecoder.Start.class);
        default -> {}
      }
    }
  }

  @Test
  void aValueTheDecoderChangedIsReported() {
    Schema schema = record("{\"name\":\"a\",\"type\":\"string\"},{\"name\":\"b\",\"type\":\"int\"}");
    GenericRecord written = new GenericRecordBuilder(schema).set("a", "x").set("b", 1).build();
    GenericRecord read = new GenericRecordBuilder(schema).set("a", "x").set("b", 2).build();

    assertThatThrownBy(() -> assertSameValues(schema, written, read, "R"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("R.b");
  }

  @Test
  void aFieldTheCurrentSchemaLacksIsReported() {
    Schema writer = record("{\"name\":\"a\",\"type\":\"string\"},{\"name\":\"b\",\"type\":\"int\"}");
    Schema reader = record("{\"name\":\"a\",\"type\":\"string\"}");
    GenericRecord written = new GenericRecordBuilder(writer).set("a", "x").set("b", 1).build();
    GenericRecord read = new GenericRecordBuilder(reader).set("a", "x").build();

    assertThatThrownBy(() -> assertSameValues(writer, written, read, "R"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("R.b has no field in the current schema");
  }

  private static Schema record(String fields) {
    return SchemaParser.parseSingle("{\"type\":\"record\",\"name\":\"R\",\"fields\":[" + fields + "]}");
  }

  private static Path fixture(Released r) {
    String file = Path.of(r.path()).getFileName().toString(); // RunState.avsc -> RunState.bin
    return FIXTURES.resolve(r.version()).resolve(file.replaceFirst("\\.avsc$", ".bin"));
  }

  /** The fixture read with exactly the schema that wrote it: what the old writer meant. */
  private static GenericRecord writtenValue(Released released, byte[] bytes) throws IOException {
    return new GenericDatumReader<GenericRecord>(released.schema())
        .read(null, DecoderFactory.get().binaryDecoder(bytes, 10, bytes.length - 10, null));
  }

  /** Every value the writer schema has is in the decoded record, unchanged (fields matched by name or alias). */
  private static void assertSameValues(Schema writer, Object written, Object read, String path) {
    switch (writer.getType()) {
      case RECORD -> {
        assertThat(read).as(path).isInstanceOf(IndexedRecord.class);
        IndexedRecord readRecord = (IndexedRecord) read;
        for (Schema.Field field : writer.getFields()) {
          Schema.Field readerField = readerField(readRecord.getSchema(), field.name());
          if (readerField == null && DROPPED_FIELDS.contains(writer.getFullName() + "." + field.name())) {
            continue;
          }
          assertThat(readerField)
              .as("%s.%s has no field in the current schema: old values would be lost (if on purpose, list %s.%s"
                  + " in DROPPED_FIELDS)", path, field.name(), writer.getFullName(), field.name())
              .isNotNull();
          assertSameValues(
              field.schema(),
              ((IndexedRecord) written).get(field.pos()),
              readRecord.get(readerField.pos()),
              path + "." + field.name());
        }
      }
      case UNION -> {
        int branch = GenericData.get().resolveUnion(writer, written);
        assertSameValues(writer.getTypes().get(branch), written, read, path);
      }
      case ARRAY -> {
        List<?> w = (List<?>) written;
        assertThat((List<?>) read).as(path).hasSameSizeAs(w);
        for (int i = 0; i < w.size(); i++) {
          assertSameValues(writer.getElementType(), w.get(i), ((List<?>) read).get(i), path + "[" + i + "]");
        }
      }
      case MAP -> {
        Map<?, ?> w = (Map<?, ?>) written;
        Map<String, Object> r = new HashMap<>();
        ((Map<?, ?>) read).forEach((k, v) -> r.put(k.toString(), v));
        assertThat(r.keySet()).as(path).hasSameSizeAs(w.keySet());
        w.forEach((k, v) -> assertSameValues(writer.getValueType(), v, r.get(k.toString()), path + "[" + k + "]"));
      }
      case ENUM, STRING -> assertThat(String.valueOf(read)).as(path).isEqualTo(String.valueOf(written));
      case BYTES -> assertThat((ByteBuffer) read).as(path).isEqualTo(written);
      case INT, LONG, FLOAT, DOUBLE ->
          // a number may have been promoted (int -> long), its value may not change
          assertThat(new BigDecimal(String.valueOf(read))).as(path).isEqualByComparingTo(String.valueOf(written));
      default -> assertThat(read).as(path).isEqualTo(written);
    }
  }

  private static Schema.Field readerField(Schema reader, String writerName) {
    Schema.Field byName = reader.getField(writerName);
    if (byName != null) {
      return byName;
    }
    return reader.getFields().stream().filter(f -> f.aliases().contains(writerName)).findFirst().orElse(null);
  }
}
