package io.stepstream.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.PayloadEncoding;
import io.stepstream.avro.Signal;
import io.stepstream.avro.WorkflowRequest;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.client.Topics;
import io.stepstream.client.WireFormat;
import io.stepstream.schemas.ReleasedSchemas;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@Timeout(10)
class WireFormatsTest {
  private static final Topics TOPICS = Topics.withPrefix("t");
  private static final ObjectMapper PLAIN_JACKSON = new ObjectMapper();

  static Stream<Named<SpecificRecordBase>> everyEnvelope() {
    return Stream.of(WireEnvelopes.full(), WireEnvelopes.minimal(), WireEnvelopes.withAvroPayloads())
        .flatMap(List::stream)
        .map(r -> Named.of(r.getSchema().getName() + " " + r.get(0), r));
  }

  @ParameterizedTest
  @MethodSource("everyEnvelope")
  void everyPublicEnvelopeComesBackUnchangedFromJson(SpecificRecordBase envelope) {
    WireCodec json = WireCodec.withRegistry(WireFormat.JSON, null);

    byte[] bytes = encode(json, envelope, new RecordHeaders());

    assertThat(bytes[0]).isEqualTo((byte) '{');
    assertThat(readBack(envelope, bytes, json.reader())).isEqualTo(envelope);
  }

  @ParameterizedTest
  @MethodSource("everyEnvelope")
  void everyPublicEnvelopeComesBackUnchangedFromTheRegistryWireFormat(SpecificRecordBase envelope) {
    WireCodec registry = WireCodec.withRegistry(WireFormat.SCHEMA_REGISTRY, new InMemorySchemaIds());

    byte[] bytes = encode(registry, envelope, new RecordHeaders());

    assertThat(bytes[0]).isZero();
    assertThat(readBack(envelope, bytes, registry.reader())).isEqualTo(envelope);
  }

  @ParameterizedTest
  @MethodSource("everyEnvelope")
  void jsonRecordsNameTheirSchemaAndItsFingerprintInHeaders(SpecificRecordBase envelope) {
    Headers headers = new RecordHeaders();

    encode(WireCodec.withRegistry(WireFormat.JSON, null), envelope, headers);

    assertThat(utf8(headers.lastHeader("stepstream.schema").value())).isEqualTo(envelope.getSchema().getFullName());
    assertThat(utf8(headers.lastHeader("stepstream.schema.fingerprint").value()))
        .matches("[0-9a-f]{16}")
        .isEqualTo(String.format("%016x", ReleasedSchemas.fingerprint(envelope.getSchema())));
  }

  @Test
  void singleObjectAndRegistryRecordsHaveNoHeaders() {
    for (WireFormat format : List.of(WireFormat.AVRO_SINGLE_OBJECT, WireFormat.SCHEMA_REGISTRY)) {
      Headers headers = new RecordHeaders();
      encode(WireCodec.withRegistry(format, new InMemorySchemaIds()), WireEnvelopes.full().get(0), headers);
      assertThat(headers.toArray()).as(format.name()).isEmpty();
    }
  }

  @Test
  void aJsonResultIsPlainJsonWithTheAvroFieldNamesAndTheOutputAsItself() throws Exception {
    WorkflowResult result = (WorkflowResult) WireEnvelopes.full().get(0);

    JsonNode json = PLAIN_JACKSON.readTree(encode(WireCodec.withRegistry(WireFormat.JSON, null), result, new RecordHeaders()));

    assertThat(json.get("runId").asText()).isEqualTo("r-1");
    assertThat(json.get("status").asText()).isEqualTo("FAILED");
    assertThat(json.get("output").get("reply").asText()).isEqualTo("hello"); // the value, no {encoding, data} wrapper
    assertThat(json.get("output").get("n").get(1).asInt()).isEqualTo(2);
    assertThat(json.get("error").get("type").asText()).isEqualTo("REFUND_LIMIT"); // a nullable record: no union wrapper
    assertThat(json.get("error").get("stackTrace").asText()).isEqualTo("at x");
    assertThat(json.get("finishedAt").isIntegralNumber()).isTrue();
    assertThat(json.get("requestedAt").asLong()).isEqualTo(3L);
  }

  @Test
  void unsetOptionalFieldsAreJsonNullAndBytesAreBase64() throws Exception {
    WireCodec json = WireCodec.withRegistry(WireFormat.JSON, null);

    JsonNode result = PLAIN_JACKSON.readTree(encode(json, WireEnvelopes.minimal().get(0), new RecordHeaders()));
    JsonNode letter = PLAIN_JACKSON.readTree(encode(json, WireEnvelopes.full().get(3), new RecordHeaders()));

    assertThat(result.get("output").isNull()).isTrue();
    assertThat(result.get("error").isNull()).isTrue();
    assertThat(Base64.getDecoder().decode(letter.get("key").asText())).containsExactly(1, 2, 0xff);
    assertThat(Base64.getDecoder().decode(letter.get("value").asText())).containsExactly(0xC3, 1, 0);
  }

  @Test
  void anAvroEncodedPayloadIsDollarAvroWithTheBase64OfItsSingleObjectBytes() throws Exception {
    WorkflowResult result = (WorkflowResult) WireEnvelopes.withAvroPayloads().get(0);

    JsonNode output = PLAIN_JACKSON.readTree(encode(WireCodec.withRegistry(WireFormat.JSON, null), result, new RecordHeaders())).get("output");

    assertThat(output.size()).isEqualTo(1);
    byte[] avro = Base64.getDecoder().decode(output.get("$avro").asText());
    assertThat(avro).isEqualTo(PayloadCodec.bytes(result.getOutput()));
    assertThat(avro[0]).isEqualTo((byte) 0xC3);
    assertThat(PayloadCodec.decode(JsonEnvelopes.payload(output), io.stepstream.avro.ErrorInfo.class).getMessage()).isEqualTo("an avro value");
  }

  @Test
  void inputsAreWrittenInTheJsonFormsTheEngineHasAlwaysAccepted() throws Exception {
    WireCodec json = WireCodec.withRegistry(WireFormat.JSON, null);

    JsonNode command = PLAIN_JACKSON.readTree(encode(json, WireEnvelopes.full().get(5), new RecordHeaders()));
    JsonNode decision = PLAIN_JACKSON.readTree(encode(json, WireEnvelopes.full().get(6), new RecordHeaders()));
    JsonNode signal = PLAIN_JACKSON.readTree(encode(json, WireEnvelopes.full().get(7), new RecordHeaders()));

    assertThat(command.get("command").asText()).isEqualTo("CANCEL");
    assertThat(command.has("type")).isFalse();
    assertThat(decision.has("timedOut")).isFalse();
    assertThat(decision.get("editedPayload").get("amount").asInt()).isEqualTo(200);
    assertThat(signal.get("data").get("amount").asInt()).isEqualTo(42);
    assertThat(signal.has("payload")).isFalse();
    assertThat(signal.has("timedOut")).isFalse();
  }

  @Test
  void aReaderTellsTheThreeFormsApartByTheirFirstByte() {
    InMemorySchemaIds ids = new InMemorySchemaIds();
    WorkflowResult result = (WorkflowResult) WireEnvelopes.full().get(0);
    EnvelopeReader reader = WireCodec.withRegistry(WireFormat.AVRO_SINGLE_OBJECT, ids).reader();

    for (WireFormat format : WireFormat.values()) {
      byte[] bytes = encode(WireCodec.withRegistry(format, ids), result, new RecordHeaders());
      assertThat(reader.result(bytes)).as(format.name()).isEqualTo(result);
    }
    assertThat(reader.result(("\n  " + new String(encode(WireCodec.withRegistry(WireFormat.JSON, null), result, new RecordHeaders()),
        StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8))).isEqualTo(result);
    assertThatThrownBy(() -> reader.result("hello".getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("neither Avro single-object (C3 01), the schema-registry wire format (00 and a schema id) nor JSON");
  }

  @Test
  void theRegistryFormIsMagicZeroTheBigEndianIdAndTheAvroBody() throws Exception {
    InMemorySchemaIds ids = new InMemorySchemaIds();
    WorkflowResult result = (WorkflowResult) WireEnvelopes.full().get(0);

    byte[] bytes = encode(WireCodec.withRegistry(WireFormat.SCHEMA_REGISTRY, ids), result, new RecordHeaders());

    int id = ids.idBySubject.values().iterator().next();
    assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(id);
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(body, null);
    new org.apache.avro.specific.SpecificDatumWriter<>(WorkflowResult.getClassSchema()).write(result, encoder);
    encoder.flush();
    assertThat(java.util.Arrays.copyOfRange(bytes, 5, bytes.length)).isEqualTo(body.toByteArray());
  }

  @Test
  void schemasAreRegisteredUnderTopicNameSubjectsAndRunCommandUnderItsRecordName() {
    InMemorySchemaIds ids = new InMemorySchemaIds();
    WireCodec registry = WireCodec.withRegistry(WireFormat.SCHEMA_REGISTRY, ids);

    for (SpecificRecordBase envelope : WireEnvelopes.full()) {
      encode(registry, envelope, new RecordHeaders());
    }

    assertThat(ids.registrations).containsExactlyInAnyOrder(
        "t.results-value", "t.events-value", "t.approval-requests-value", "t.dlq-value", "t.requests-value",
        "t.requests-io.stepstream.avro.RunCommand", "t.approvals-value", "t.signals-value");
  }

  @Test
  void subjectsAreThoseOfTheRegistryContract() {
    for (SpecificRecordBase envelope : WireEnvelopes.full()) {
      assertThat(WireCodec.subject(topicOf(envelope), envelope.getSchema()))
          .isEqualTo(io.stepstream.internal.codec.registry.RegistrySubjects.subjectOf(TOPICS, envelope.getSchema().getFullName()));
    }
    assertThat(WireEnvelopes.full()).extracting(e -> e.getSchema().getFullName())
        .containsExactlyInAnyOrderElementsOf(io.stepstream.internal.codec.registry.RegistrySubjects.PUBLIC_ENVELOPES);
  }

  @Test
  void idsAreLookedUpOnceSoAnOutageLaterCostsNothingForKnownOnes() {
    InMemorySchemaIds ids = new InMemorySchemaIds();
    WireCodec registry = WireCodec.withRegistry(WireFormat.SCHEMA_REGISTRY, ids);
    WorkflowResult result = (WorkflowResult) WireEnvelopes.full().get(0);
    registry.encoder(TOPICS.results(), WorkflowResult.class).prepare();
    byte[] first = encode(registry, result, new RecordHeaders());
    registry.reader().result(first);

    ids.down = true;
    for (int i = 0; i < 5; i++) {
      byte[] again = encode(registry, result, new RecordHeaders());
      assertThat(registry.reader().result(again)).isEqualTo(result);
    }

    assertThat(ids.registrations).hasSize(1);
    assertThat(ids.lookups).isEqualTo(1);
  }

  @Test
  void anInputWithAnUnseenIdWhileTheRegistryIsDownIsDeadLetteredAsRedrivable() {
    InMemorySchemaIds ids = new InMemorySchemaIds();
    byte[] request = encode(WireCodec.withRegistry(WireFormat.SCHEMA_REGISTRY, ids), WireEnvelopes.full().get(4), new RecordHeaders());
    ids.down = true;
    EnvelopeReader engine = WireCodec.withRegistry(WireFormat.AVRO_SINGLE_OBJECT, ids).reader();

    assertThatThrownBy(() -> RequestDecoder.decodeInbound(request, engine))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.code()).isEqualTo("SCHEMA_REGISTRY_UNAVAILABLE"))
        .hasMessageContaining("http://in-memory did not answer")
        .hasMessageContaining("re-produce it from the DLQ");
  }

  @Test
  void afterARegistryOutageUnseenIdsAreDeadLetteredWithoutAskingAgainForAWhile() {
    InMemorySchemaIds ids = new InMemorySchemaIds();
    byte[] request = encode(WireCodec.withRegistry(WireFormat.SCHEMA_REGISTRY, ids), WireEnvelopes.full().get(4), new RecordHeaders());
    ids.down = true;
    java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(1_000);
    EnvelopeReader engine = new EnvelopeReader(ids, now::get);

    for (int i = 0; i < 5; i++) {
      assertThatThrownBy(() -> RequestDecoder.decodeInbound(request, engine))
          .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.code()).isEqualTo("SCHEMA_REGISTRY_UNAVAILABLE"));
    }
    assertThat(ids.lookups).as("one stream-thread wait per outage window, not one per record").isEqualTo(1);

    ids.down = false;
    now.addAndGet(EnvelopeReader.OUTAGE_MEMORY_NANOS + 1);
    assertThat(RequestDecoder.decodeInbound(request, engine)).isNotNull();
    assertThat(ids.lookups).isEqualTo(2);
  }

  @Test
  void theEnginesRegistryTimeoutsAreCappedSoALookupCannotOutlastItsTransaction() {
    assertThat(WireCodec.cappedTimeout(null, 2000)).isEqualTo(2000);
    assertThat(WireCodec.cappedTimeout("30000", 2000)).isEqualTo(2000);
    assertThat(WireCodec.cappedTimeout("500", 2000)).isEqualTo(500);
    assertThat(WireCodec.cappedTimeout("soon", 2000)).isEqualTo(2000);
  }

  @Test
  void aRegistryFramedRecordWithoutARegistryIsRefusedSayingToSetTheUrl() {
    byte[] bytes = encode(WireCodec.withRegistry(WireFormat.SCHEMA_REGISTRY, new InMemorySchemaIds()), WireEnvelopes.full().get(0),
        new RecordHeaders());
    byte[] signal = encode(WireCodec.withRegistry(WireFormat.SCHEMA_REGISTRY, new InMemorySchemaIds()), WireEnvelopes.full().get(7),
        new RecordHeaders());

    assertThatThrownBy(() -> EnvelopeReader.withoutRegistry().result(bytes)).hasMessageContaining("set schema.registry.url");
    assertThatThrownBy(() -> ExternalInputDecoder.signal(signal))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.code()).isEqualTo("UNDECODABLE_SIGNAL"))
        .hasMessageContaining("no schema.registry.url");
  }

  @Test
  void aRegistryFramedInputOfTheWrongTypeOrUnknownIdIsUndecodable() {
    InMemorySchemaIds ids = new InMemorySchemaIds();
    WireCodec registry = WireCodec.withRegistry(WireFormat.SCHEMA_REGISTRY, ids);
    byte[] signal = encode(registry, WireEnvelopes.full().get(7), new RecordHeaders());
    byte[] unknownId = signal.clone();
    unknownId[4] = 99;

    assertThatThrownBy(() -> ExternalInputDecoder.decision(signal, registry.reader()))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.code()).isEqualTo("UNDECODABLE_DECISION"))
        .hasMessageContaining("is a io.stepstream.avro.Signal, not a io.stepstream.avro.ApprovalDecision");
    assertThatThrownBy(() -> ExternalInputDecoder.signal(unknownId, registry.reader()))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.code()).isEqualTo("UNDECODABLE_SIGNAL"))
        .hasMessageContaining("not known to the schema registry");
  }

  @Test
  void aRegistryRecordWithALyingBodyIsRefusedBeforeAvroAllocates() {
    InMemorySchemaIds ids = new InMemorySchemaIds();
    WireCodec registry = WireCodec.withRegistry(WireFormat.SCHEMA_REGISTRY, ids);
    byte[] request = encode(registry, WireEnvelopes.minimal().get(4), new RecordHeaders());
    byte[] lying = java.util.Arrays.copyOf(request, 10);
    lying[5] = (byte) 0xfe; // the run id's length: a huge varint
    lying[6] = (byte) 0xff;
    lying[7] = (byte) 0xff;
    lying[8] = (byte) 0xff;
    lying[9] = (byte) 0x0f;

    assertThatThrownBy(() -> RequestDecoder.decodeInbound(lying, registry.reader()))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.code()).isEqualTo("UNDECODABLE_REQUEST"))
        .hasMessageContaining("does not decode");
  }

  @Test
  void aRegistryRecordWrittenWithAnOlderSchemaIsReadIntoTheCurrentOne() throws Exception {
    InMemorySchemaIds ids = new InMemorySchemaIds();
    Schema old = ReleasedSchemas.onClasspath().writerSchemasOf(AuditEvent.getClassSchema().getFullName()).get(0);
    ids.put(7, old);
    GenericRecord event = new GenericData.Record(old);
    for (Schema.Field f : old.getFields()) {
      if (f.hasDefaultValue()) {
        event.put(f.name(), GenericData.get().getDefaultValue(f));
      }
    }
    event.put("runId", "r-old");
    event.put("type", new GenericData.EnumSymbol(old.getField("type").schema(), "RUN_STARTED"));
    event.put("timestamp", 5L);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {0, 0, 0, 0, 7});
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(old).write(event, encoder);
    encoder.flush();

    AuditEvent read = WireCodec.withRegistry(WireFormat.AVRO_SINGLE_OBJECT, ids).reader().auditEvent(out.toByteArray());

    assertThat(read.getRunId()).isEqualTo("r-old");
    assertThat(read.getType()).isEqualTo(AuditEventType.RUN_STARTED);
    assertThat(read.getTimestamp()).isEqualTo(5L);
  }

  @Test
  void aJsonReaderTakesDefaultsForMissingFieldsIgnoresNewOnesAndMapsNewEnumSymbolsToTheDefault() {
    byte[] newer = ("{\"runId\":\"r-9\",\"type\":\"SOMETHING_NEW\",\"timestamp\":5,\"resolution\":\"APPROVED\",\"addedLater\":{\"x\":1}}")
        .getBytes(StandardCharsets.UTF_8);

    AuditEvent event = EnvelopeReader.withoutRegistry().auditEvent(newer);

    assertThat(event.getType()).isEqualTo(AuditEventType.UNKNOWN);
    assertThat(event.getAttempt()).isZero();
    assertThat(event.getStep()).isNull();
    assertThatThrownBy(() -> EnvelopeReader.withoutRegistry().auditEvent("{\"runId\":\"r\",\"type\":\"RUN_STARTED\"}".getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("\"AuditEvent.timestamp\" is missing");
    assertThatThrownBy(() -> EnvelopeReader.withoutRegistry().auditEvent("{\"runId\":1,\"type\":\"RUN_STARTED\",\"timestamp\":1}".getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("\"AuditEvent.runId\" must be a string, got 1");
  }

  @Test
  void jsonInputsMapDollarAvroBackToAnAvroPayload() {
    String avro = Base64.getEncoder().encodeToString(PayloadCodec.bytes(WireEnvelopes.avro()));

    WorkflowRequest request = RequestDecoder.decode(("{\"workflowType\":\"w\",\"input\":{\"$avro\":\"" + avro + "\"}}").getBytes(StandardCharsets.UTF_8));
    Signal signal = ExternalInputDecoder.signal(("{\"name\":\"n\",\"data\":{\"$avro\":\"" + avro + "\"}}").getBytes(StandardCharsets.UTF_8));

    assertThat(request.getInput().getEncoding()).isEqualTo(PayloadEncoding.AVRO);
    assertThat(signal.getPayload()).isEqualTo(WireEnvelopes.avro());
    assertThatThrownBy(() -> RequestDecoder.decode("{\"workflowType\":\"w\",\"input\":{\"$avro\":\"not base64!\"}}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.code()).isEqualTo("INVALID_REQUEST"))
        .hasMessageContaining("base64");
  }

  @Test
  void aSchemaRegistryFormatWithoutARegistryUrlIsRefused() {
    assertThatThrownBy(() -> WireCodec.create(WireFormat.SCHEMA_REGISTRY, Map.of()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("set schema.registry.url");
    assertThat(WireFormat.defaultFor(Map.of("schema.registry.url", "http://r:8081"))).isEqualTo(WireFormat.SCHEMA_REGISTRY);
    assertThat(WireFormat.defaultFor(Map.of())).isEqualTo(WireFormat.AVRO_SINGLE_OBJECT);
  }

  // ---- helpers ----

  @SuppressWarnings({"unchecked", "rawtypes"})
  static byte[] encode(WireCodec wire, SpecificRecordBase envelope, Headers headers) {
    EnvelopeEncoder encoder = wire.encoder(topicOf(envelope), envelope.getClass());
    return encoder.encode(envelope, headers);
  }

  static String topicOf(SpecificRecordBase envelope) {
    return switch (envelope.getSchema().getName()) {
      case "WorkflowResult" -> TOPICS.results();
      case "AuditEvent" -> TOPICS.events();
      case "ApprovalRequest" -> TOPICS.approvalRequests();
      case "DeadLetter" -> TOPICS.deadLetters();
      case "WorkflowRequest", "RunCommand" -> TOPICS.requests();
      case "ApprovalDecision" -> TOPICS.approvals();
      case "Signal" -> TOPICS.signals();
      default -> throw new IllegalArgumentException(envelope.getSchema().getName());
    };
  }

  /** Reads bytes back the way their reader does: the engine's input decoders for inputs, the client's reader for the rest. */
  static Object readBack(SpecificRecordBase like, byte[] bytes, EnvelopeReader reader) {
    return switch (like.getSchema().getName()) {
      case "WorkflowRequest" -> ((RequestDecoder.Start) RequestDecoder.decodeInbound(bytes, reader)).request();
      case "RunCommand" -> ((RequestDecoder.Command) RequestDecoder.decodeInbound(bytes, reader)).command();
      case "ApprovalDecision" -> ExternalInputDecoder.decision(bytes, reader);
      case "Signal" -> ExternalInputDecoder.signal(bytes, reader);
      case "WorkflowResult" -> reader.result(bytes);
      case "AuditEvent" -> reader.auditEvent(bytes);
      case "ApprovalRequest" -> reader.approvalRequest(bytes);
      case "DeadLetter" -> reader.deadLetter(bytes);
      default -> throw new IllegalArgumentException(like.getSchema().getName());
    };
  }

  private static String utf8(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
