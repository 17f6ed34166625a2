package io.stepstream.internal.engine;

import io.stepstream.client.Topics;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The default retention window of finished runs (ADR 0015): the results topic's {@code retention.ms},
 * read from the cluster at start-up like {@link RecordLimits}. A run is kept as long as its result
 * is: a caller that can still read the result can still get {@code DUPLICATE_REQUEST} for the same
 * run id. {@code -1} (the topic keeps everything): runs are kept forever too.
 */
public final class RetentionWindow {
  private RetentionWindow() {}

  /** The results topic's {@code retention.ms}; null if it keeps records forever (or says nothing). */
  public static Duration ofResultsTopic(Admin admin, Topics topics) throws Exception {
    ConfigResource results = new ConfigResource(ConfigResource.Type.TOPIC, topics.results());
    Map<ConfigResource, Config> configs = admin.describeConfigs(java.util.List.of(results)).all().get(30, TimeUnit.SECONDS);
    ConfigEntry entry = configs.get(results) == null ? null : configs.get(results).get(TopicConfig.RETENTION_MS_CONFIG);
    return fromRetentionMs(entry == null ? null : entry.value());
  }

  /** {@code retention.ms} as a window: null (forever) for -1 or no value. */
  static Duration fromRetentionMs(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    long ms = Long.parseLong(value.trim());
    return ms < 0 ? null : Duration.ofMillis(ms);
  }

  /** For people: "7d", "12h", "forever". */
  public static String describe(Duration window) {
    if (window == null) {
      return "forever";
    }
    if (window.isZero()) {
      return "0 (removed as soon as they finish)";
    }
    if (window.toMillis() % 86_400_000L == 0) {
      return window.toDays() + "d";
    }
    if (window.toMillis() % 3_600_000L == 0) {
      return window.toHours() + "h";
    }
    return window.toString();
  }
}
