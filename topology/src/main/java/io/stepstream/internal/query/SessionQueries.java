package io.stepstream.internal.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stepstream.SessionType;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.orchestrator.OrchestratorTopology;
import io.stepstream.internal.session.SessionRecord;
import io.stepstream.internal.session.SessionReads;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.StreamsNotStartedException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Reads of sessions (ADR 0017), answered like a run's describe: the instance whose active task
 * has the session key's home partition answers from its store; any other forwards once. A shared
 * handler runs here, on the HTTP thread, over the last committed state: it never waits for a turn.
 *
 * <pre>
 * GET /api/sessions/{type}/{key}             {"sessionType","sessionKey","state","turns","started","running","queued","servedBy"}
 * GET /api/sessions/{type}/{key}/{handler}   {"sessionType","sessionKey","handler","turns","result","servedBy"}
 * </pre>
 */
public final class SessionQueries {
  private final KafkaStreams streams;
  private final HostInfo self;
  private final int partitions;
  private final String requestsTopic;
  private final Function<String, SessionType<?>> types;
  private final PeerHttp peers = new PeerHttp();

  public SessionQueries(KafkaStreams streams, HostInfo self, int partitions, String requestsTopic, Function<String, SessionType<?>> types) {
    this.streams = streams;
    this.self = self;
    this.partitions = partitions;
    this.requestsTopic = requestsTopic;
    this.types = types;
  }

  /** Thrown for an unknown session type or handler (404). */
  public static final class NotFound extends RuntimeException {
    NotFound(String message) {
      super(message);
    }
  }

  /** Thrown when a shared handler threw (500 with its message). */
  public static final class HandlerFailed extends RuntimeException {
    HandlerFailed(String message, Throwable cause) {
      super(message, cause);
    }
  }

  public RunQueries.Answer session(String type, String key, String handler, Map<String, String> passHeaders, boolean forwarded) {
    SessionType<?> sessionType = types.apply(type);
    if (sessionType == null) {
      throw new NotFound("no session type '" + type + "' is registered");
    }
    if (handler != null && !sessionType.sharedHandlers().containsKey(handler)) {
      throw new NotFound("session type '" + type + "' has no shared handler '" + handler + "' (shared: "
          + sessionType.sharedHandlers().keySet() + "; exclusive handlers change state: send them a message)");
    }
    int home = Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    HostInfo owner = ownerOf(key, home);
    if (owner.equals(self)) {
      SessionRecord stored;
      try {
        ReadOnlyKeyValueStore<String, byte[]> store = streams.store(StoreQueryParameters.fromNameAndType(
            OrchestratorTopology.SESSIONS_STORE, QueryableStoreTypes.<String, byte[]>keyValueStore()).withPartition(home));
        stored = SessionReads.record(store.get(type + "/" + key));
      } catch (InvalidStateStoreException e) {
        throw new Unavailable("partition " + home + " of session " + type + "/" + key + " is moving or restoring on " + self()
            + "; ask again shortly");
      }
      return RunQueries.Answer.json(200, handler == null ? view(type, key, stored) : shared(sessionType, key, handler, stored));
    }
    if (forwarded) {
      throw new Unavailable("session " + type + "/" + key + " is no longer owned by " + self() + " (partitions are moving); ask again shortly");
    }
    String path = "/api/sessions/" + encode(type) + "/" + encode(key) + (handler == null ? "" : "/" + encode(handler));
    try {
      PeerHttp.Answer reply = peers.get(owner, path, passHeaders, self()).get(PeerHttp.REQUEST_TIMEOUT.toSeconds() + 1, TimeUnit.SECONDS);
      return new RunQueries.Answer(reply.status(), reply.body(), reply.retryAfter());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted while asking " + owner.host() + ":" + owner.port() + " about session " + type + "/" + key);
    } catch (Exception e) {
      throw new Unavailable("session " + type + "/" + key + " is owned by " + owner.host() + ":" + owner.port() + ", which is "
          + PeerHttp.describe(e) + "; ask again shortly");
    }
  }

  private ObjectNode view(String type, String key, SessionRecord stored) {
    ObjectNode json = RunViews.JSON.createObjectNode();
    json.put("sessionType", type);
    json.put("sessionKey", key);
    json.set("state", stored == null || stored.state() == null ? initialState(type) : stored.state());
    json.put("turns", stored == null ? 0 : stored.turns());
    json.put("started", stored == null ? 0 : stored.started());
    if (stored != null && stored.current() != null) {
      ObjectNode running = json.putObject("running");
      running.put("runId", stored.current().runId());
      running.put("messageId", stored.current().messageId());
      running.put("handler", stored.current().handler());
      running.put("turn", stored.current().turn());
      running.put("interrupted", stored.current().interrupted());
    } else {
      json.putNull("running");
    }
    json.put("queued", stored == null ? 0 : stored.queue().size());
    json.put("servedBy", self());
    return json;
  }

  private JsonNode initialState(String type) {
    return PayloadCodec.json().valueToTree(types.apply(type).initialState());
  }

  private ObjectNode shared(SessionType<?> type, String key, String handler, SessionRecord stored) {
    ObjectNode json = RunViews.JSON.createObjectNode();
    json.put("sessionType", type.name());
    json.put("sessionKey", key);
    json.put("handler", handler);
    json.put("turns", stored == null ? 0 : stored.turns());
    try {
      json.set("result", PayloadCodec.json().valueToTree(SessionReads.query(type, handler, stored == null ? null : stored.state())));
    } catch (Exception e) {
      throw new HandlerFailed("shared handler '" + handler + "' of session " + type.name() + "/" + key + " threw " + e, e);
    }
    json.put("servedBy", self());
    return json;
  }

  private String self() {
    return self.host() + ":" + self.port();
  }

  private HostInfo ownerOf(String key, int home) {
    KeyQueryMetadata metadata;
    try {
      metadata = streams.queryMetadataForKey(OrchestratorTopology.SESSIONS_STORE, key, Serdes.String().serializer());
    } catch (StreamsNotStartedException | IllegalStateException e) {
      throw new Unavailable("this instance (" + self() + ") is not running yet; ask again shortly");
    }
    if (metadata != null && metadata.partition() == home && metadata.activeHost() != null && metadata.activeHost().port() > 0
        && !metadata.activeHost().equals(HostInfo.unavailable())) {
      return metadata.activeHost();
    }
    for (StreamsMetadata instance : streams.streamsMetadataForStore(OrchestratorTopology.SESSIONS_STORE)) {
      if (instance.topicPartitions().contains(new org.apache.kafka.common.TopicPartition(requestsTopic, home))) {
        return instance.hostInfo();
      }
    }
    throw new Unavailable("no instance owns partition " + home + " (session key " + key + ") right now: a rebalance is under way");
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
