package io.stepstream.internal.connect;

import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.source.SourceRecord;

/** Names a record in error messages so an operator can find it: topic, partition and offset (or the source's position). */
public final class RecordNames {
  private RecordNames() {}

  public static String describe(ConnectRecord<?> record) {
    if (record instanceof SinkRecord sink) {
      return "record " + sink.originalTopic() + "-" + sink.originalKafkaPartition() + "@" + sink.originalKafkaOffset()
          + " (topic " + sink.originalTopic() + ", partition " + sink.originalKafkaPartition() + ", offset " + sink.originalKafkaOffset() + ")";
    }
    if (record instanceof SourceRecord source) {
      return "source record for topic " + source.topic() + " from source partition " + source.sourcePartition()
          + " at source offset " + source.sourceOffset();
    }
    return "record for topic " + record.topic() + (record.kafkaPartition() == null ? "" : ", partition " + record.kafkaPartition());
  }
}
