package io.stepstream.internal.connect;

import io.stepstream.client.Topics;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/** The configuration of {@code ToWorkflowRequest}: every key, with its documentation (shown by the worker's REST API). */
public final class RequestMappingConfig extends AbstractConfig {
  public static final String RUN_ID_FIELD = "run.id.field";
  public static final String RUN_ID_HEADER = "run.id.header";
  public static final String RUN_ID_TEMPLATE = "run.id.template";
  public static final String WORKFLOW_TYPE = "workflow.type";
  public static final String WORKFLOW_TYPE_FIELD = "workflow.type.field";
  public static final String INPUT_FIELDS = "input.fields";
  public static final String ON_MISSING = "on.missing";
  public static final String TOPIC_PREFIX = "stepstream.topic.prefix";
  public static final String OUTPUT_FORMAT = "output.format";

  public static final String FAIL = "fail";
  public static final String DROP = "drop";
  public static final String STRING = "string";
  public static final String BYTES = "bytes";

  private static final String GROUP_RUN_ID = "Run id (set exactly one)";
  private static final String GROUP_TYPE = "Workflow type (set exactly one)";
  private static final String GROUP_INPUT = "Input and output";

  public static final ConfigDef CONFIG_DEF = new ConfigDef()
      .define(RUN_ID_FIELD, Type.STRING, null, Importance.HIGH,
          "The value field holding the run id (the Kafka key of the request, and how the engine deduplicates: a record"
              + " read twice starts one run). A path for nested fields: customer.id. Numbers are written as text.",
          GROUP_RUN_ID, 1, ConfigDef.Width.MEDIUM, "Run id field")
      .define(RUN_ID_HEADER, Type.STRING, null, Importance.HIGH,
          "The record header holding the run id (a string, bytes as UTF-8, or a number).",
          GROUP_RUN_ID, 2, ConfigDef.Width.MEDIUM, "Run id header")
      .define(RUN_ID_TEMPLATE, Type.STRING, null, Importance.HIGH,
          "The run id built from value fields: text with ${path} placeholders, e.g. order-${id} or ${region}-${order.id}."
              + " A record missing any placeholder's field has no run id.",
          GROUP_RUN_ID, 3, ConfigDef.Width.MEDIUM, "Run id template")
      .define(WORKFLOW_TYPE, Type.STRING, null, Importance.HIGH,
          "The workflow type every record starts (a type registered with the engine).",
          GROUP_TYPE, 1, ConfigDef.Width.MEDIUM, "Workflow type")
      .define(WORKFLOW_TYPE_FIELD, Type.STRING, null, Importance.HIGH,
          "The value field naming the workflow type of each record (a path for nested fields). A record without it is"
              + " treated as on.missing says.",
          GROUP_TYPE, 2, ConfigDef.Width.MEDIUM, "Workflow type field")
      .define(INPUT_FIELDS, Type.LIST, "", Importance.MEDIUM,
          "The workflow input. Empty (the default): the whole value. Otherwise a list of value fields, each optionally"
              + " renamed as path:name (customer.id:customerId); the input is a JSON object of those fields, and a field"
              + " the record lacks is left out.",
          GROUP_INPUT, 1, ConfigDef.Width.LONG, "Input fields")
      .define(ON_MISSING, Type.STRING, FAIL, ConfigDef.ValidString.in(FAIL, DROP), Importance.MEDIUM,
          "What to do with a record that has no run id (or no workflow type, with workflow.type.field): fail (the"
              + " default) raises an error naming the record's topic, partition and offset, which the connector's"
              + " errors.tolerance handles (none: the task stops; all: the record is logged with errors.log.enable, and a"
              + " sink connector sends it to errors.deadletterqueue.topic.name); drop skips the record silently.",
          GROUP_INPUT, 2, ConfigDef.Width.SHORT, "On missing run id")
      .define(TOPIC_PREFIX, Type.STRING, Topics.DEFAULT_PREFIX, new ConfigDef.NonEmptyString(), Importance.MEDIUM,
          "The engine's topic prefix: requests are written to <prefix>.requests, whatever topic the source named.",
          GROUP_INPUT, 3, ConfigDef.Width.MEDIUM, "Stepstream topic prefix")
      .define(OUTPUT_FORMAT, Type.STRING, STRING, ConfigDef.ValidString.in(STRING, BYTES), Importance.LOW,
          "The Connect schema of the request value: string (for the worker's StringConverter) or bytes (for"
              + " ByteArrayConverter). Either way the record's value is the JSON request, UTF-8; the key is the run id"
              + " as a string (use StringConverter for keys).",
          GROUP_INPUT, 4, ConfigDef.Width.SHORT, "Output format");

  public RequestMappingConfig(Map<String, ?> props) {
    super(CONFIG_DEF, props);
    requireExactlyOne(List.of(RUN_ID_FIELD, RUN_ID_HEADER, RUN_ID_TEMPLATE), "the run id");
    requireExactlyOne(List.of(WORKFLOW_TYPE, WORKFLOW_TYPE_FIELD), "the workflow type");
  }

  private void requireExactlyOne(List<String> keys, String what) {
    List<String> set = keys.stream().filter(k -> !blank(getString(k))).toList();
    if (set.size() != 1) {
      throw new ConfigException("ToWorkflowRequest needs exactly one source of " + what + ": set one of "
          + String.join(", ", keys) + (set.isEmpty() ? " (none is set)" : " (" + String.join(" and ", set) + " are set)"));
    }
  }

  String string(String key) {
    String value = getString(key);
    return blank(value) ? null : value.trim();
  }

  private static boolean blank(String value) {
    return value == null || value.isBlank();
  }
}
