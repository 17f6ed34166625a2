package io.stepstream.schemas;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;

/**
 * A record with every field set, built from a schema alone (no generated class), so fixtures are what
 * a writer of exactly that schema version produces. Optional fields take their non-null branch and
 * every value is distinct, so a decoder that drops or swaps a field is caught. Deterministic: the same
 * schema always gives the same record.
 */
final class SampleRecord {
  private static final long EPOCH_MILLIS = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

  private int counter;

  private SampleRecord() {}

  static GenericData.Record of(Schema record) {
    return (GenericData.Record) new SampleRecord().value(record, record.getName());
  }

  private Object value(Schema schema, String name) {
    int n = ++counter;
    return switch (schema.getType()) {
      case RECORD -> record(schema);
      case UNION -> value(nonNullBranch(schema), name);
      case ENUM -> new GenericData.EnumSymbol(schema, schema.getEnumSymbols().get(0));
      case ARRAY -> new GenericData.Array<>(schema, List.of(value(schema.getElementType(), name)));
      case MAP -> Map.of(name + "-key", value(schema.getValueType(), name));
      case STRING -> name + "-" + n;
      case BYTES -> ByteBuffer.wrap(("{\"" + name + "\":" + n + "}").getBytes(StandardCharsets.UTF_8));
      case FIXED -> new GenericData.Fixed(schema, new byte[schema.getFixedSize()]);
      case INT -> n;
      case LONG -> EPOCH_MILLIS + n;
      case FLOAT -> n + 0.5f;
      case DOUBLE -> n + 0.25;
      case BOOLEAN -> true;
      case NULL -> null;
    };
  }

  private GenericData.Record record(Schema schema) {
    GenericData.Record record = new GenericData.Record(schema);
    for (Schema.Field field : schema.getFields()) {
      record.put(field.pos(), value(field.schema(), field.name()));
    }
    return record;
  }

  private static Schema nonNullBranch(Schema union) {
    return union.getTypes().stream()
        .filter(t -> t.getType() != Schema.Type.NULL)
        .findFirst()
        .orElse(union.getTypes().get(0));
  }
}
