package io.stepstream.internal.engine;

import io.stepstream.client.Topics;
import io.stepstream.internal.executor.RecordLimit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;

/**
 * How large a record the engine may write, read at start-up: the smallest {@code max.message.bytes}
 * of the topics it writes (results, events, step-outcomes, approval-requests, dlq, payloads (its chunks), and its state
 * stores' changelogs once they exist) and the producers' {@code max.request.size}, less
 * {@link #HEADROOM}. A step result, run output or input above it fails its run with
 * {@code RECORD_TOO_LARGE} / {@code INPUT_TOO_LARGE} naming the limit and the topic, instead of the
 * broker refusing the write (an outcome that is never acknowledged, or an aborted transaction).
 */
public final class RecordLimits {
  /**
   * What a record adds around the value the engine checks: the batch header (61 bytes) and record
   * framing (at most 21), the key (a run id of up to 512 characters, up to 1,536 bytes; journal keys
   * add the step name) and headers (a dead letter's error headers: a message cut to 8,000
   * characters, up to 24,000 bytes, plus topic, offsets and run id). 32 KiB covers all of it with
   * room for step names; {@code max.message.bytes} counts the whole batch, so the value must leave it.
   */
  public static final int HEADROOM = 32 * 1024;
  /** Below this a topic cannot hold the engine's own records (audit events with their details, headroom). */
  public static final int MIN_MESSAGE_BYTES = 64 * 1024;
  /** Kafka's default {@code max.request.size}. */
  public static final int DEFAULT_MAX_REQUEST_SIZE = 1_048_576;

  private RecordLimits() {}

  /**
   * Reads {@code max.message.bytes} of the engine's output topics and of {@code changelogs} (those
   * that exist) and combines it with {@code maxRequestSize}.
   */
  public static RecordLimit read(Admin admin, Topics topics, Collection<String> changelogs, int maxRequestSize) throws Exception {
    List<String> written = new ArrayList<>(List.of(
        topics.results(), topics.events(), topics.stepOutcomes(), topics.approvalRequests(), topics.deadLetters(), topics.payloads()));
    written.addAll(changelogs);
    List<ConfigResource> resources = written.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
    Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
    Map<String, Integer> maxMessageBytes = new TreeMap<>();
    configs.forEach((resource, config) -> {
      ConfigEntry entry = config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
      if (entry != null && entry.value() != null) {
        maxMessageBytes.put(resource.name(), Integer.parseInt(entry.value()));
      }
    });
    return smallest(maxMessageBytes, maxRequestSize);
  }

  /** The changelog topics of the engine's stores that exist now ({@code <applicationId>-...-changelog}). */
  public static List<String> changelogs(Set<String> existingTopics, String applicationId) {
    return existingTopics.stream().filter(t -> t.startsWith(applicationId + "-") && t.endsWith("-changelog")).sorted().toList();
  }

  /** The limit from each topic's {@code max.message.bytes} and the producers' {@code max.request.size}. */
  public static RecordLimit smallest(Map<String, Integer> maxMessageBytesByTopic, int maxRequestSize) {
    String source = "max.request.size=" + maxRequestSize + " of the engine's producers";
    int smallest = maxRequestSize;
    String fix = "raise max.request.size in the engine's Kafka properties";
    for (var e : maxMessageBytesByTopic.entrySet()) {
      if (e.getValue() < smallest) {
        smallest = e.getValue();
        source = "max.message.bytes=" + e.getValue() + " of topic " + e.getKey();
        fix = "raise max.message.bytes of " + e.getKey();
      }
    }
    if (smallest < MIN_MESSAGE_BYTES) {
      throw new IllegalStateException(source + " is too small for Stepstream: its topics and producers need at least " + MIN_MESSAGE_BYTES
          + " bytes (audit events with their details, plus " + HEADROOM + " bytes of headroom for keys and headers); " + fix);
    }
    return new RecordLimit(smallest - HEADROOM, source + ", less " + HEADROOM + " bytes of headroom for keys, headers and batch framing;"
        + " to allow more, " + fix);
  }
}
