package io.stepstream.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.stepstream.avro.WorkflowRequest;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.codec.RequestDecoder;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ToWorkflowRequestTest {
  static final Schema CUSTOMER = SchemaBuilder.struct().name("Customer")
      .field("name", Schema.STRING_SCHEMA)
      .field("city", Schema.OPTIONAL_STRING_SCHEMA)
      .build();
  static final Schema ORDER = SchemaBuilder.struct().name("Order")
      .field("id", Schema.INT64_SCHEMA)
      .field("kind", Schema.OPTIONAL_STRING_SCHEMA)
      .field("total", Decimal.schema(2))
      .field("customer", CUSTOMER)
      .build();

  static Struct order(long id, String kind) {
    return new Struct(ORDER).put("id", id).put("kind", kind).put("total", new BigDecimal("12.50"))
        .put("customer", new Struct(CUSTOMER).put("name", "ada").put("city", "Paris"));
  }

  static SourceRecord source(Schema schema, Object value) {
    return new SourceRecord(Map.of("table", "orders"), Map.of("incrementing", 41L), "jdbc-orders", null, null, null, schema, value,
        1767225600000L);
  }

  static SinkRecord sink(Object value) {
    return new SinkRecord("orders", 2, Schema.OPTIONAL_STRING_SCHEMA, "k", null, value, 17L, 1767225600000L,
        org.apache.kafka.common.record.TimestampType.CREATE_TIME);
  }

  static <R extends ConnectRecord<R>> ToWorkflowRequest<R> transform(Map<String, String> config) {
    ToWorkflowRequest<R> t = new ToWorkflowRequest<>();
    t.configure(config);
    return t;
  }

  static Map<String, String> config(String... keysAndValues) {
    Map<String, String> config = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      config.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return config;
  }

  /** The request as the engine reads it (the real decoder), and its input as JSON. */
  static WorkflowRequest decoded(ConnectRecord<?> out) {
    Object value = out.value();
    byte[] bytes = value instanceof byte[] b ? b : ((String) value).getBytes(StandardCharsets.UTF_8);
    return RequestDecoder.decode(bytes);
  }

  static JsonNode input(ConnectRecord<?> out) throws Exception {
    return PayloadCodec.json().readTree(PayloadCodec.bytes(decoded(out).getInput()));
  }

  /** The input bytes exactly as the engine gets them. */
  static String inputText(ConnectRecord<?> out) {
    return new String(PayloadCodec.bytes(decoded(out).getInput()), StandardCharsets.UTF_8);
  }

  @Test
  void aStructBecomesARequestTheEngineAcceptsKeyedByTheRunIdOnTheRequestsTopic() throws Exception {
    ToWorkflowRequest<SourceRecord> t = transform(config("run.id.template", "order-${id}", "workflow.type", "order"));

    SourceRecord out = t.apply(source(ORDER, order(42, null)));

    assertThat(out.topic()).isEqualTo("stepstream.requests");
    assertThat(out.kafkaPartition()).as("placed by the producer's partitioner, by key").isNull();
    assertThat(out.keySchema()).isEqualTo(Schema.STRING_SCHEMA);
    assertThat(out.key()).isEqualTo("order-42");
    assertThat(out.valueSchema()).isEqualTo(Schema.STRING_SCHEMA);
    assertThat(out.sourceOffset()).as("the source position is kept").isEqualTo(Map.of("incrementing", 41L));
    WorkflowRequest request = decoded(out);
    assertThat(request.getRunId()).isEqualTo("order-42");
    assertThat(request.getWorkflowType()).isEqualTo("order");
    assertThat(request.getRequestedAt()).isEqualTo(1767225600000L);
    assertThat((String) out.value()).as("the request keeps a decimal's exact digits").contains("\"total\":12.50");
    // and the engine reads it back exactly (scale kept)
    assertThat(inputText(out))
        .isEqualTo("{\"id\":42,\"kind\":null,\"total\":12.50,\"customer\":{\"name\":\"ada\",\"city\":\"Paris\"}}");
  }

  @Test
  void aSchemalessMapIsReadLikeAStruct() throws Exception {
    Map<String, Object> value = new HashMap<>();
    value.put("ticket", Map.of("id", "T-7"));
    value.put("text", "my card was charged twice");
    ToWorkflowRequest<SourceRecord> t = transform(config("run.id.field", "ticket.id", "workflow.type", "support-triage"));

    SourceRecord out = t.apply(source(null, value));

    assertThat(out.key()).isEqualTo("T-7");
    assertThat(input(out).get("text").asText()).isEqualTo("my card was charged twice");
  }

  @Test
  void aJsonStringOrJsonBytesIsParsed() throws Exception {
    ToWorkflowRequest<SinkRecord> t = transform(config("run.id.field", "id", "workflow.type", "order"));

    assertThat(t.apply(sink("{\"id\":\"a-1\",\"item\":\"tea\"}")).key()).isEqualTo("a-1");
    SinkRecord fromBytes = t.apply(sink("{\"id\":\"a-2\",\"item\":\"pen\"}".getBytes(StandardCharsets.UTF_8)));
    assertThat(fromBytes.key()).isEqualTo("a-2");
    assertThat(input(fromBytes).get("item").asText()).isEqualTo("pen");
  }

  @Test
  void aNumericRunIdFieldIsWrittenAsText() {
    ToWorkflowRequest<SinkRecord> t = transform(config("run.id.field", "id", "workflow.type", "order"));

    assertThat(t.apply(sink("{\"id\":1234567890123}")).key()).isEqualTo("1234567890123");
  }

  @Test
  void theRunIdCanComeFromAHeaderAsStringBytesOrNumber() {
    ToWorkflowRequest<SinkRecord> t = transform(config("run.id.header", "run-id", "workflow.type", "order"));
    SinkRecord withString = sink("{}");
    withString.headers().addString("run-id", "h-1");
    SinkRecord withBytes = sink("{}");
    withBytes.headers().addBytes("run-id", "h-2".getBytes(StandardCharsets.UTF_8));
    SinkRecord withNumber = sink("{}");
    withNumber.headers().addLong("run-id", 3L);

    assertThat(t.apply(withString).key()).isEqualTo("h-1");
    assertThat(t.apply(withBytes).key()).isEqualTo("h-2");
    assertThat(t.apply(withNumber).key()).isEqualTo("3");
    assertThat(t.apply(withString).headers().lastWithName("run-id").value()).as("headers are kept").isEqualTo("h-1");
  }

  @Test
  void aTemplateJoinsSeveralFieldsIncludingNestedOnes() {
    ToWorkflowRequest<SourceRecord> t = transform(config("run.id.template", "${customer.city}/${customer.name}-${id}", "workflow.type", "order"));

    assertThat(t.apply(source(ORDER, order(7, null))).key()).isEqualTo("Paris/ada-7");
  }

  @Test
  void theWorkflowTypeCanComeFromAField() {
    ToWorkflowRequest<SourceRecord> t = transform(config("run.id.field", "id", "workflow.type.field", "kind"));

    assertThat(decoded(t.apply(source(ORDER, order(7, "refund-approval")))).getWorkflowType()).isEqualTo("refund-approval");
  }

  @Test
  void inputFieldsPickAndRenameFieldsAndLeaveOutMissingOnes() throws Exception {
    ToWorkflowRequest<SourceRecord> t = transform(config("run.id.field", "id", "workflow.type", "order",
        "input.fields", "id:orderId, customer.name:customer, total, kind, customer.zip"));

    String input = inputText(t.apply(source(ORDER, order(7, null))));

    assertThat(input).isEqualTo("{\"orderId\":7,\"customer\":\"ada\",\"total\":12.50}");
  }

  @Test
  void bytesOutputWritesTheSameJsonAsBytes() {
    ToWorkflowRequest<SinkRecord> t = transform(config("run.id.field", "id", "workflow.type", "order", "output.format", "bytes"));

    SinkRecord out = t.apply(sink("{\"id\":\"b-1\"}"));

    assertThat(out.valueSchema()).isEqualTo(Schema.BYTES_SCHEMA);
    assertThat(decoded(out).getRunId()).isEqualTo("b-1");
  }

  @Test
  void theTopicPrefixNamesTheRequestsTopic() {
    ToWorkflowRequest<SinkRecord> t = transform(config("run.id.field", "id", "workflow.type", "order", "stepstream.topic.prefix", "prod"));

    assertThat(t.apply(sink("{\"id\":\"p-1\"}")).topic()).isEqualTo("prod.requests");
  }

  @Test
  void aRecordWithoutItsRunIdFailsNamingTopicPartitionAndOffset() {
    ToWorkflowRequest<SinkRecord> t = transform(config("run.id.field", "id", "workflow.type", "order"));

    assertThatThrownBy(() -> t.apply(sink("{\"item\":\"tea\"}")))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("topic orders, partition 2, offset 17")
        .hasMessageContaining("no run id: value field 'id' (run.id.field) is missing")
        .hasMessageContaining("errors.tolerance=all")
        .hasMessageContaining("on.missing=drop");
  }

  @Test
  void aSourceRecordWithoutItsRunIdIsNamedByItsSourcePosition() {
    ToWorkflowRequest<SourceRecord> t = transform(config("run.id.header", "run-id", "workflow.type", "order"));

    assertThatThrownBy(() -> t.apply(source(ORDER, order(1, null))))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("source partition {table=orders} at source offset {incrementing=41}")
        .hasMessageContaining("header 'run-id' (run.id.header) is missing or blank");
  }

  @Test
  void aBlankRunIdOrATemplateFieldThatIsMissingCountsAsMissing() {
    ToWorkflowRequest<SinkRecord> field = transform(config("run.id.field", "id", "workflow.type", "order"));
    ToWorkflowRequest<SinkRecord> template = transform(config("run.id.template", "o-${id}-${line}", "workflow.type", "order"));

    assertThatThrownBy(() -> field.apply(sink("{\"id\":\"  \"}"))).hasMessageContaining("no run id");
    assertThatThrownBy(() -> template.apply(sink("{\"id\":1}"))).hasMessageContaining("a field of the run id template 'o-${id}-${line}'");
  }

  @Test
  void onMissingDropSkipsRecordsWithoutRunIdOrType() {
    ToWorkflowRequest<SinkRecord> t = transform(config("run.id.field", "id", "workflow.type.field", "kind", "on.missing", "drop"));

    assertThat(t.apply(sink("{\"kind\":\"order\"}"))).isNull();
    assertThat(t.apply(sink("{\"id\":\"x\"}"))).isNull();
    assertThat(t.apply(sink("{\"id\":\"x\",\"kind\":\"order\"}"))).isNotNull();
  }

  @Test
  void aMissingWorkflowTypeFieldFailsByDefault() {
    ToWorkflowRequest<SinkRecord> t = transform(config("run.id.field", "id", "workflow.type.field", "kind"));

    assertThatThrownBy(() -> t.apply(sink("{\"id\":\"x\"}")))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("no workflow type: value field 'kind' (workflow.type.field)")
        .hasMessageContaining("offset 17");
  }

  @Test
  void aRunIdFieldThatIsAnObjectIsAClearError() {
    ToWorkflowRequest<SinkRecord> t = transform(config("run.id.field", "customer", "workflow.type", "order"));

    assertThatThrownBy(() -> t.apply(sink("{\"customer\":{\"id\":1}}")))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("is a JSON object, not a string or number")
        .hasMessageContaining("customer.id");
  }

  @Test
  void aValueThatIsNotJsonFailsNamingTheRecord() {
    ToWorkflowRequest<SinkRecord> t = transform(config("run.id.field", "id", "workflow.type", "order"));

    assertThatThrownBy(() -> t.apply(sink("order 42 for ada")))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("topic orders, partition 2, offset 17")
        .hasMessageContaining("not JSON")
        .hasMessageContaining("order 42 for ada");
  }

  @Test
  void aTombstoneFails() {
    ToWorkflowRequest<SinkRecord> t = transform(config("run.id.field", "id", "workflow.type", "order"));

    assertThatThrownBy(() -> t.apply(sink(null))).isInstanceOf(DataException.class).hasMessageContaining("has no value");
  }

  @Test
  void inputFieldsNeedAnObjectValue() {
    ToWorkflowRequest<SinkRecord> t = transform(config("run.id.header", "run-id", "workflow.type", "order", "input.fields", "a"));
    SinkRecord record = sink("[1,2]");
    record.headers().addString("run-id", "r");

    assertThatThrownBy(() -> t.apply(record)).isInstanceOf(DataException.class).hasMessageContaining("not an object");
  }

  @Test
  void aBlankWorkflowTypeFromAFieldIsRefusedAsTheEngineWouldRefuseIt() {
    ToWorkflowRequest<SinkRecord> t = transform(config("run.id.field", "id", "workflow.type.field", "kind"));

    assertThatThrownBy(() -> t.apply(sink("{\"id\":\"x\",\"kind\":\"\"}"))).hasMessageContaining("no workflow type");
  }

  @Test
  void theConfigurationNeedsExactlyOneRunIdSourceAndOneTypeSource() {
    assertThatThrownBy(() -> transform(config("workflow.type", "order")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("exactly one source of the run id").hasMessageContaining("none is set");
    assertThatThrownBy(() -> transform(config("run.id.field", "id", "run.id.header", "h", "workflow.type", "order")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("run.id.field and run.id.header are set");
    assertThatThrownBy(() -> transform(config("run.id.field", "id")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("exactly one source of the workflow type");
    assertThatThrownBy(() -> transform(config("run.id.field", "id", "workflow.type", "a", "workflow.type.field", "b")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("workflow.type and workflow.type.field are set");
  }

  @Test
  void badTemplatesFieldPathsAndInputEntriesAreConfigurationErrors() {
    assertThatThrownBy(() -> transform(config("run.id.template", "order", "workflow.type", "o")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("no ${field} placeholder");
    assertThatThrownBy(() -> transform(config("run.id.template", "order-${id", "workflow.type", "o")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("not closed");
    assertThatThrownBy(() -> transform(config("run.id.field", "a..b", "workflow.type", "o")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("field path");
    assertThatThrownBy(() -> transform(config("run.id.field", "id", "workflow.type", "o", "input.fields", "a:b:c")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("path:name");
    assertThatThrownBy(() -> transform(config("run.id.field", "id", "workflow.type", "o", "input.fields", "a.x,b:x")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("two entries are named 'x'");
    assertThatThrownBy(() -> transform(config("run.id.field", "id", "workflow.type", "o", "on.missing", "ignore")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("on.missing");
  }

  @Test
  void everyConfigKeyIsDocumented() {
    var def = new ToWorkflowRequest<SinkRecord>().config();

    assertThat(def.configKeys()).containsOnlyKeys(List.of("run.id.field", "run.id.header", "run.id.template", "workflow.type",
        "workflow.type.field", "input.fields", "on.missing", "stepstream.topic.prefix", "output.format"));
    assertThat(def.configKeys().values()).allSatisfy(key -> assertThat(key.documentation).as(key.name).hasSizeGreaterThan(30));
  }
}
