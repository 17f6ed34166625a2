package io.stepstream.connect;

import io.stepstream.internal.connect.RequestMapping;
import io.stepstream.internal.connect.RequestMappingConfig;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.transforms.Transformation;

/**
 * A single message transform that turns the records of any Kafka Connect source (JDBC, HTTP, files, another
 * topic) into Stepstream workflow requests: each record starts one run.
 *
 * <pre>
 * # a source connector's configuration
 * transforms=toRequest
 * transforms.toRequest.type=io.stepstream.connect.ToWorkflowRequest
 * transforms.toRequest.run.id.template=order-${id}          # or run.id.field / run.id.header
 * transforms.toRequest.workflow.type=order                  # or workflow.type.field
 * transforms.toRequest.input.fields=id:orderId,customer,total
 * # the request is a UTF-8 JSON string keyed by the run id:
 * key.converter=org.apache.kafka.connect.storage.StringConverter
 * value.converter=org.apache.kafka.connect.storage.StringConverter
 * </pre>
 *
 * <p>The record that comes out goes to {@code <stepstream.topic.prefix>.requests}, keyed by the run id (a string;
 * the producer's partitioner places it), with the JSON request the engine accepts as value: {@code
 * {"workflowType":"order","runId":"order-42","input":{...},"requestedAt":1767225600000}} ({@code requestedAt} is
 * the record's timestamp). Headers and timestamp are kept. The run id is also how duplicates are dropped: a source
 * that re-reads a record after a crash starts no second run.
 *
 * <p>The value may be a {@code Struct} with its schema, a schemaless {@code Map}, or JSON text ({@code String} or
 * bytes). A record that cannot be a request (no run id, not JSON, a blank type) raises a {@code DataException} that
 * names its topic and partition/offset (or its source position), for the connector's {@code errors.tolerance} to
 * handle; {@code on.missing=drop} skips records without a run id instead. Every key is documented in {@link
 * #config()} and docs/connectors.md.
 */
public final class ToWorkflowRequest<R extends ConnectRecord<R>> implements Transformation<R> {
  public static final String RUN_ID_FIELD_CONFIG = RequestMappingConfig.RUN_ID_FIELD;
  public static final String RUN_ID_HEADER_CONFIG = RequestMappingConfig.RUN_ID_HEADER;
  public static final String RUN_ID_TEMPLATE_CONFIG = RequestMappingConfig.RUN_ID_TEMPLATE;
  public static final String WORKFLOW_TYPE_CONFIG = RequestMappingConfig.WORKFLOW_TYPE;
  public static final String WORKFLOW_TYPE_FIELD_CONFIG = RequestMappingConfig.WORKFLOW_TYPE_FIELD;
  public static final String INPUT_FIELDS_CONFIG = RequestMappingConfig.INPUT_FIELDS;
  public static final String ON_MISSING_CONFIG = RequestMappingConfig.ON_MISSING;
  public static final String TOPIC_PREFIX_CONFIG = RequestMappingConfig.TOPIC_PREFIX;
  public static final String OUTPUT_FORMAT_CONFIG = RequestMappingConfig.OUTPUT_FORMAT;

  private RequestMapping mapping;

  @Override
  public void configure(Map<String, ?> props) {
    mapping = RequestMapping.configure(props);
  }

  @Override
  public R apply(R record) {
    RequestMapping.Request request = mapping.map(record);
    if (request == null) {
      return null;
    }
    boolean bytes = mapping.bytesOutput();
    Schema valueSchema = bytes ? Schema.BYTES_SCHEMA : Schema.STRING_SCHEMA;
    Object value = bytes ? request.json().getBytes(StandardCharsets.UTF_8) : request.json();
    // no partition: the producer's partitioner places the run by its key, as any client's request would be (a sink
    // record always has one, so it keeps its own)
    Integer partition = record instanceof SinkRecord ? record.kafkaPartition() : null;
    return record.newRecord(mapping.requestsTopic(), partition, Schema.STRING_SCHEMA, request.runId(), valueSchema, value,
        record.timestamp(), record.headers());
  }

  @Override
  public ConfigDef config() {
    return RequestMappingConfig.CONFIG_DEF;
  }

  @Override
  public String version() {
    return Versions.of(ToWorkflowRequest.class);
  }

  @Override
  public void close() {
    if (mapping != null) {
      mapping.close();
    }
  }
}
