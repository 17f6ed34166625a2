package io.stepstream.connect;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;

/** A unit-test stand-in for the worker's task context: records the timeouts asked for and the records reported. */
final class RecordingContext implements SinkTaskContext {
  record Reported(SinkRecord record, Throwable error) {}

  final List<Long> timeouts = new ArrayList<>();
  final List<Reported> reported = new ArrayList<>();
  private final boolean withReporter;

  RecordingContext(boolean withReporter) {
    this.withReporter = withReporter;
  }

  @Override
  public ErrantRecordReporter errantRecordReporter() {
    return withReporter ? (record, error) -> {
      reported.add(new Reported(record, error));
      return CompletableFuture.completedFuture(null);
    } : null;
  }

  @Override
  public void timeout(long timeoutMs) {
    timeouts.add(timeoutMs);
  }

  @Override
  public Map<String, String> configs() {
    return new HashMap<>();
  }

  @Override
  public void offset(Map<TopicPartition, Long> offsets) {}

  @Override
  public void offset(TopicPartition tp, long offset) {}

  @Override
  public Set<TopicPartition> assignment() {
    return Set.of();
  }

  @Override
  public void pause(TopicPartition... partitions) {}

  @Override
  public void resume(TopicPartition... partitions) {}

  @Override
  public void requestCommit() {}

  @Override
  public PluginMetrics pluginMetrics() {
    return null;
  }
}
