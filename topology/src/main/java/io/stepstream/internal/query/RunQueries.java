package io.stepstream.internal.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stepstream.avro.RunState;
import io.stepstream.internal.orchestrator.OrchestratorTopology;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.StreamsNotStartedException;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Queries served by any instance (Kafka Streams Interactive Queries). Every instance advertises its
 * HTTP address as {@code application.server}, so each knows which instance owns which partition:
 *
 * <ul>
 *   <li>A single run (describe, history): the owner of its home partition answers from its stores
 *       (active partitions only); any other instance forwards the call to it once (the forwarded
 *       call is marked and never forwarded again) with the caller's credentials, and passes the
 *       answer back as it is. {@code servedBy} names the owner.
 *   <li>A list (runs, pending approvals): the instance asked asks every instance for the runs of
 *       its own partitions after the cursor ({@code scope=local}), checks that together they
 *       answered for every partition, and merges: newest first, cut at {@code limit}, with a cursor
 *       (a position in that order: a run is listed exactly once across pages, wherever it lives).
 * </ul>
 *
 * <p>While partitions move (a rebalance, a restore) or an instance does not answer, queries are
 * answered 503 with {@code Retry-After}, never with a partial list.
 *
 * <p>Costs: describe and history are one point read and one journal prefix scan on the owner, plus
 * one HTTP hop when asked elsewhere. A list page costs one HTTP call per other instance, and on
 * every instance, per partition, a range read of the runs-by-time index from the cursor and one
 * point read per entry looked at: at most {@code limit} matching runs plus the ones skipped by the
 * filter, bounded by {@link LocalRuns#SCAN_BUDGET} per partition (then the page is shorter and its
 * cursor goes on from where the scan stopped).
 */
public final class RunQueries {
  private final KafkaStreams streams;
  private final HostInfo self;
  private final int partitions;
  private final String requestsTopic;
  private final LocalRuns local;
  private final RunViews.TokenIssuer tokens;
  private final PeerHttp peers = new PeerHttp();

  public RunQueries(KafkaStreams streams, HostInfo self, int partitions, String requestsTopic, RunViews.TokenIssuer tokens) {
    this.streams = streams;
    this.self = self;
    this.partitions = partitions;
    this.requestsTopic = requestsTopic;
    this.local = new LocalRuns(streams);
    this.tokens = tokens;
  }

  /** What a query answers: HTTP status, JSON body, and a Retry-After for 503. */
  public record Answer(int status, byte[] body, String retryAfter) {
    static Answer json(int status, JsonNode json) {
      try {
        return new Answer(status, RunViews.JSON.writeValueAsBytes(json), null);
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** Thrown for a run that does not exist (404). */
  public static final class NoSuchRun extends RuntimeException {
    public NoSuchRun(String runId) {
      super("no run " + runId + " (never started, or removed after the retention window)");
    }
  }

  public String self() {
    return self.host() + ":" + self.port();
  }

  // ---- single runs ----

  public Answer describe(String runId, Map<String, String> passHeaders, boolean forwarded) {
    return single(runId, "", passHeaders, forwarded, partition -> {
      RunState state = local.run(runId, partition);
      if (state == null) {
        throw new NoSuchRun(runId);
      }
      return RunViews.description(state, local.journal(runId, partition), self());
    });
  }

  public Answer history(String runId, Map<String, String> passHeaders, boolean forwarded) {
    return single(runId, "/history", passHeaders, forwarded, partition -> {
      RunState state = local.run(runId, partition);
      if (state == null) {
        throw new NoSuchRun(runId);
      }
      ObjectNode history = RunViews.history(state, local.journal(runId, partition).values());
      history.put("servedBy", self());
      return history;
    });
  }

  private Answer single(String runId, String suffix, Map<String, String> passHeaders, boolean forwarded, Function<Integer, ObjectNode> answer) {
    int home = homePartition(runId);
    HostInfo owner = ownerOf(runId, home);
    if (owner.equals(self)) {
      try {
        return Answer.json(200, answer.apply(home));
      } catch (InvalidStateStoreException e) {
        throw new Unavailable("partition " + home + " of run " + runId + " is moving or restoring on " + self() + "; ask again shortly");
      }
    }
    if (forwarded) {
      throw new Unavailable("run " + runId + " is no longer owned by " + self() + " (partitions are moving); ask again shortly");
    }
    String path = "/api/runs/" + URLEncoder.encode(runId, StandardCharsets.UTF_8).replace("+", "%20") + suffix;
    try {
      PeerHttp.Answer reply = peers.get(owner, path, passHeaders, self()).get(PeerHttp.REQUEST_TIMEOUT.toSeconds() + 1, TimeUnit.SECONDS);
      return new Answer(reply.status(), reply.body(), reply.retryAfter());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted while asking " + owner.host() + ":" + owner.port() + " about run " + runId);
    } catch (Exception e) {
      throw new Unavailable("run " + runId + " is owned by " + owner.host() + ":" + owner.port() + ", which is " + PeerHttp.describe(e)
          + "; ask again shortly (its partitions move to another instance if it is gone)");
    }
  }

  /** Java's default partitioner on the run id: the run's home (HomePartitioner's rule). */
  int homePartition(String runId) {
    return Utils.toPositive(Utils.murmur2(runId.getBytes(StandardCharsets.UTF_8))) % partitions;
  }

  /**
   * The instance whose active task has the run's home partition. Kafka Streams' key metadata uses
   * the same default partitioner; should it ever disagree, the partition's owner is looked up.
   */
  private HostInfo ownerOf(String runId, int home) {
    KeyQueryMetadata metadata;
    try {
      metadata = streams.queryMetadataForKey(OrchestratorTopology.RUNS_STORE, runId, Serdes.String().serializer());
    } catch (StreamsNotStartedException | IllegalStateException e) {
      throw new Unavailable("this instance (" + self() + ") is not running yet; ask again shortly");
    }
    if (metadata != null && metadata.partition() == home && isKnown(metadata.activeHost())) {
      return metadata.activeHost();
    }
    for (StreamsMetadata instance : streams.streamsMetadataForStore(OrchestratorTopology.RUNS_STORE)) {
      if (instance.topicPartitions().contains(new org.apache.kafka.common.TopicPartition(requestsTopic, home))) {
        return instance.hostInfo();
      }
    }
    throw new Unavailable("no instance owns partition " + home + " (run " + runId + ") right now: a rebalance is under way; ask again shortly");
  }

  private static boolean isKnown(HostInfo host) {
    return host != null && !host.equals(HostInfo.unavailable()) && host.port() > 0;
  }

  // ---- lists ----

  /** {@code {"runs":[RunSummary...],"nextCursor"}} over every instance. */
  public Answer listRuns(RunFilter filter, Map<String, String> passHeaders) {
    Slice page = fanOut("/api/runs", filter, passHeaders);
    return page(page, "runs");
  }

  /** {@code {"approvals":[PendingApproval...],"nextCursor"}} over every instance. */
  public Answer pendingApprovals(RunFilter filter, Map<String, String> passHeaders) {
    Slice page = fanOut("/api/approvals", filter, passHeaders);
    return page(page, "approvals");
  }

  /** This instance's part of a list ({@code scope=local}), for the instance that merges. */
  public Answer localRuns(RunFilter filter) {
    return slice(readLocal(() -> local.runs(filter)));
  }

  public Answer localApprovals(RunFilter filter) {
    return slice(readLocal(() -> local.pendingApprovals(filter, tokens)));
  }

  private Slice readLocal(java.util.function.Supplier<Slice> read) {
    if (streams.state() != KafkaStreams.State.RUNNING) {
      throw new Unavailable("instance " + self() + " is " + streams.state() + " (partitions moving or restoring); ask again shortly");
    }
    try {
      return read.get();
    } catch (InvalidStateStoreException e) {
      throw new Unavailable("a partition of " + self() + " is moving or restoring (" + e.getMessage() + "); ask again shortly");
    }
  }

  private Slice fanOut(String path, RunFilter filter, Map<String, String> passHeaders) {
    boolean approvals = path.equals("/api/approvals");
    Collection<StreamsMetadata> instances;
    try {
      instances = streams.metadataForAllStreamsClients();
    } catch (StreamsNotStartedException | IllegalStateException e) {
      throw new Unavailable("this instance (" + self() + ") is not running yet; ask again shortly");
    }
    Map<HostInfo, CompletableFuture<PeerHttp.Answer>> asked = new LinkedHashMap<>();
    String query = "?" + filter.queryString() + "&scope=local";
    for (StreamsMetadata instance : instances) {
      if (!instance.hostInfo().equals(self) && isKnown(instance.hostInfo())) {
        asked.put(instance.hostInfo(), peers.get(instance.hostInfo(), path + query, passHeaders, self()));
      }
    }
    List<Slice> parts = new ArrayList<>();
    parts.add(readLocal(() -> approvals ? local.pendingApprovals(filter, tokens) : local.runs(filter)));
    for (Map.Entry<HostInfo, CompletableFuture<PeerHttp.Answer>> e : asked.entrySet()) {
      String who = e.getKey().host() + ":" + e.getKey().port();
      PeerHttp.Answer reply;
      try {
        reply = e.getValue().get(PeerHttp.REQUEST_TIMEOUT.toSeconds() + 1, TimeUnit.SECONDS);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        throw new Unavailable("interrupted while asking " + who);
      } catch (Exception failure) {
        throw new Unavailable("instance " + who + " is " + PeerHttp.describe(failure) + ", so the list would miss its runs; ask again shortly");
      }
      if (reply.status() == 401 || reply.status() == 403) {
        throw new Unavailable("instance " + who + " refused the forwarded credentials (" + reply.status() + "): " + errorOf(reply.body())
            + "; every instance needs the same identity provider settings");
      }
      if (reply.status() != 200) {
        throw new Unavailable("instance " + who + " answered " + reply.status() + ": " + errorOf(reply.body()) + "; ask again shortly");
      }
      parts.add(readSlice(reply.body()));
    }
    Slice merged = Slice.merge(parts, filter.limit());
    Set<Integer> missing = new TreeSet<>();
    for (int p = 0; p < partitions; p++) {
      if (!merged.partitions().contains(p)) {
        missing.add(p);
      }
    }
    if (!missing.isEmpty()) {
      throw new Unavailable("no instance answered for partition(s) " + missing + " (a rebalance is under way); ask again shortly");
    }
    return merged;
  }

  private static String errorOf(byte[] body) {
    try {
      JsonNode json = RunViews.JSON.readTree(body);
      return json.path("error").asText(new String(body, StandardCharsets.UTF_8));
    } catch (java.io.IOException e) {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  private static Answer page(Slice page, String field) {
    ObjectNode answer = RunViews.JSON.createObjectNode();
    ArrayNode items = answer.putArray(field);
    page.items().forEach(item -> items.add(item.json()));
    answer.put("nextCursor", page.scannedTo() == null ? null : page.scannedTo().cursor());
    return Answer.json(200, answer);
  }

  /** The internal shape of a slice: {@code {"items":[{"createdAt","runId","json"}],"scannedTo","partitions"}}. */
  static Answer slice(Slice slice) {
    ObjectNode answer = RunViews.JSON.createObjectNode();
    ArrayNode items = answer.putArray("items");
    for (Slice.Item item : slice.items()) {
      ObjectNode n = items.addObject();
      n.put("createdAt", item.position().createdAt());
      n.put("runId", item.position().runId());
      n.set("json", item.json());
    }
    answer.put("scannedTo", slice.scannedTo() == null ? null : slice.scannedTo().cursor());
    ArrayNode partitions = answer.putArray("partitions");
    slice.partitions().forEach(partitions::add);
    return Answer.json(200, answer);
  }

  static Slice readSlice(byte[] body) {
    try {
      JsonNode json = RunViews.JSON.readTree(body);
      List<Slice.Item> items = new ArrayList<>();
      for (JsonNode n : json.path("items")) {
        items.add(new Slice.Item(new Position(n.path("createdAt").asLong(), n.path("runId").asText()), (ObjectNode) n.path("json")));
      }
      Set<Integer> partitions = new TreeSet<>();
      json.path("partitions").forEach(p -> partitions.add(p.asInt()));
      String scannedTo = json.path("scannedTo").isTextual() ? json.path("scannedTo").asText() : null;
      return new Slice(items, scannedTo == null ? null : Position.ofCursor(scannedTo), partitions);
    } catch (java.io.IOException | RuntimeException e) {
      throw new Unavailable("another instance answered a list query with something unreadable (" + e.getMessage() + "); are all instances on the same version?");
    }
  }
}
