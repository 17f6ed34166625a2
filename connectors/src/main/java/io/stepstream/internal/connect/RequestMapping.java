package io.stepstream.internal.connect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stepstream.avro.WorkflowRequest;
import io.stepstream.client.Topics;
import io.stepstream.internal.codec.InvalidInputException;
import io.stepstream.internal.codec.RequestDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.errors.DataException;

/**
 * How a Connect record becomes a workflow request: the run id, the workflow type and the input, taken from the
 * record as {@link RequestMappingConfig} says, written as the JSON request the engine accepts on its requests topic
 * ({@link RequestDecoder}'s form: {@code {"workflowType":..,"runId":..,"input":..,"requestedAt":..}}), keyed by
 * the run id. Every request is read back with {@link RequestDecoder} before it leaves, so what this writes is what
 * the engine accepts, or the record fails here, with its name, instead of in the engine's dead-letter topic.
 */
public final class RequestMapping implements AutoCloseable {
  /** The mapped record: key and value of the request. */
  public record Request(String runId, String json) {}

  private final RunIdSource runIds;
  private final String workflowType;
  private final FieldPath workflowTypeField;
  private final Map<FieldPath, String> inputFields;
  private final boolean dropMissing;
  private final String requestsTopic;
  private final boolean bytesOutput;
  private final RecordValues values = new RecordValues();

  private RequestMapping(RequestMappingConfig config) {
    this.runIds = RunIdSource.from(config);
    this.workflowType = config.string(RequestMappingConfig.WORKFLOW_TYPE);
    String typeField = config.string(RequestMappingConfig.WORKFLOW_TYPE_FIELD);
    this.workflowTypeField = typeField == null ? null : FieldPath.parse(RequestMappingConfig.WORKFLOW_TYPE_FIELD, typeField);
    this.inputFields = inputFields(config.getList(RequestMappingConfig.INPUT_FIELDS));
    this.dropMissing = RequestMappingConfig.DROP.equals(config.getString(RequestMappingConfig.ON_MISSING));
    this.requestsTopic = Topics.withPrefix(config.getString(RequestMappingConfig.TOPIC_PREFIX)).requests();
    this.bytesOutput = RequestMappingConfig.BYTES.equals(config.getString(RequestMappingConfig.OUTPUT_FORMAT));
  }

  public static RequestMapping configure(Map<String, ?> props) {
    return new RequestMapping(new RequestMappingConfig(props));
  }

  /** {@code <prefix>.requests}, where every request goes. */
  public String requestsTopic() {
    return requestsTopic;
  }

  /** {@code output.format=bytes}: the value is written as bytes rather than a string. */
  public boolean bytesOutput() {
    return bytesOutput;
  }

  /**
   * The request for {@code record}, or null to drop it ({@code on.missing=drop} and no run id or type).
   *
   * @throws DataException naming the record, when it cannot be a request
   */
  public Request map(ConnectRecord<?> record) {
    JsonNode value = values.toJson(record);
    String runId = runIds.runId(record, value);
    if (runId == null) {
      return missing(record, "no run id: " + runIds.lacking());
    }
    String type = workflowType;
    if (workflowTypeField != null) {
      type = RunIdSource.scalarText(workflowTypeField.find(value), "the workflow type field '" + workflowTypeField + "' of " + RecordNames.describe(record));
      if (type == null) {
        return missing(record, "no workflow type: value field '" + workflowTypeField + "' (" + RequestMappingConfig.WORKFLOW_TYPE_FIELD
            + ") is missing, null or blank");
      }
    }
    ObjectNode request = JsonNodeFactory.instance.objectNode();
    request.put("workflowType", type);
    request.put("runId", runId);
    request.set("input", input(record, value));
    if (record.timestamp() != null) {
      request.put("requestedAt", record.timestamp().longValue());
    }
    String json = Json.write(request);
    check(record, runId, json);
    return new Request(runId, json);
  }

  private JsonNode input(ConnectRecord<?> record, JsonNode value) {
    if (inputFields.isEmpty()) {
      return value;
    }
    if (!value.isObject()) {
      throw new DataException("the value of " + RecordNames.describe(record) + " is a JSON " + value.getNodeType().toString().toLowerCase()
          + ", not an object, so " + RequestMappingConfig.INPUT_FIELDS + " cannot pick fields from it; leave input.fields empty to pass the whole value");
    }
    ObjectNode input = JsonNodeFactory.instance.objectNode();
    inputFields.forEach((path, name) -> {
      JsonNode field = path.find(value);
      if (field != null) {
        input.set(name, field);
      }
    });
    return input;
  }

  /** The engine's own reader must accept the request (a blank type, say, is refused here with the record's name). */
  private static void check(ConnectRecord<?> record, String runId, String json) {
    try {
      WorkflowRequest decoded = RequestDecoder.decode(json.getBytes(StandardCharsets.UTF_8));
      if (!decoded.getRunId().equals(runId)) {
        throw new IllegalStateException("the request of run " + runId + " decodes with run id " + decoded.getRunId());
      }
    } catch (InvalidInputException e) {
      throw new DataException("the request made from " + RecordNames.describe(record) + " (run " + runId
          + ") would be refused by the engine: " + e.getMessage(), e);
    }
  }

  private Request missing(ConnectRecord<?> record, String what) {
    if (dropMissing) {
      return null;
    }
    throw new DataException(RecordNames.describe(record) + " has " + what + ". Fix the source or the transform's configuration;"
        + " on.missing=drop skips such records, and the connector's errors.tolerance=all logs them (and on a sink connector"
        + " sends them to errors.deadletterqueue.topic.name) and goes on");
  }

  private static Map<FieldPath, String> inputFields(List<String> entries) {
    Map<FieldPath, String> fields = new LinkedHashMap<>();
    for (String entry : entries) {
      String[] parts = entry.split(":", -1);
      if (parts.length > 2 || parts[0].isBlank() || (parts.length == 2 && parts[1].isBlank())) {
        throw new ConfigException(RequestMappingConfig.INPUT_FIELDS, entry, "each entry is a field path, optionally renamed as path:name");
      }
      FieldPath path = FieldPath.parse(RequestMappingConfig.INPUT_FIELDS, parts[0]);
      String name = parts.length == 2 ? parts[1].trim() : path.lastSegment();
      if (fields.containsValue(name)) {
        throw new ConfigException(RequestMappingConfig.INPUT_FIELDS, String.join(",", entries), "two entries are named '" + name + "' in the input");
      }
      fields.put(path, name);
    }
    return fields;
  }


  @Override
  public void close() {
    values.close();
  }
}
