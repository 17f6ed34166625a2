package io.stepstream.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stepstream.ApprovalRequest;
import io.stepstream.RetryPolicy;
import io.stepstream.RunStatus;
import io.stepstream.client.ApprovalItem;
import io.stepstream.client.ApprovalPage;
import io.stepstream.client.EngineQueryException;
import io.stepstream.client.HistoryEntry;
import io.stepstream.client.RunDescription;
import io.stepstream.client.RunHistory;
import io.stepstream.client.RunPage;
import io.stepstream.client.RunQuery;
import io.stepstream.client.RunSummary;
import io.stepstream.client.WorkflowClient;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.engine.EngineTestHooks;
import io.stepstream.engine.Stepstream;
import io.stepstream.internal.http.Caller;
import io.stepstream.internal.http.HttpAuth;
import io.stepstream.internal.http.HttpCall;
import io.stepstream.internal.http.HttpProblem;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Queries served by any instance, on a real broker with two engine instances of one application
 * (4 partitions, separate state dirs and HTTP ports): describe and history of runs owned by the
 * other instance, paginated lists through each instance listing every run exactly once, filters,
 * pending approvals, 404 for an unknown run, and the same through {@link WorkflowClient}.
 */
@Timeout(300)
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class QueriesIT {
  static final int PARTITIONS = 4;
  static final String PREFIX = "q";
  static final String SECRET = "queries-test-approval-secret";
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static EmbeddedKafka kafka;
  static Stepstream one;
  static Stepstream two;
  static final Map<String, String> EXPECTED = new LinkedHashMap<>(); // run id -> status
  static final Map<String, String> TYPES = new LinkedHashMap<>();
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void startTwoInstancesAndRuns() throws Exception {
    kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    // both at once, before any run exists: the first assignment already spreads the (empty) partitions
    CompletableFuture<Stepstream> a = CompletableFuture.supplyAsync(() -> engine("one").start());
    CompletableFuture<Stepstream> b = CompletableFuture.supplyAsync(() -> engine("two").start());
    one = a.get(120, TimeUnit.SECONDS);
    two = b.get(120, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(60)).until(() -> ownedPartitions(one) > 0 && ownedPartitions(two) > 0
        && ownedPartitions(one) + ownedPartitions(two) == PARTITIONS);

    try (WorkflowClient client = WorkflowClient.builder().bootstrapServers(kafka.bootstrapServers()).topicPrefix(PREFIX).build()) {
      for (int i = 0; i < 6; i++) {
        start(client, "order", "order-" + i, "book-" + i, "COMPLETED");
      }
      for (int i = 0; i < 3; i++) {
        start(client, "flaky", "flaky-" + i, "x", "FAILED");
      }
      for (int i = 0; i < 4; i++) {
        start(client, "order-approval", "approve-" + i, "parcel-" + i, "WAITING");
      }
      for (int i = 0; i < 3; i++) {
        start(client, "nap", "nap-" + i, "zzz", "WAITING");
      }
      for (String runId : EXPECTED.keySet()) {
        if (!EXPECTED.get(runId).equals("WAITING")) {
          assertThat(client.awaitResult(runId, Duration.ofSeconds(60)).status().name()).as(runId).isEqualTo(EXPECTED.get(runId));
        }
      }
    }
    for (String runId : EXPECTED.keySet()) {
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
          assertThat(json(get(one, "/api/runs/" + enc(runId))).path("status").asText()).as(runId).isEqualTo(EXPECTED.get(runId)));
    }
  }

  private static void start(WorkflowClient client, String type, String runId, String input, String status) {
    client.start(type, runId, input);
    EXPECTED.put(runId, status);
    TYPES.put(runId, type);
  }

  static Stepstream engine(String name) {
    Stepstream.Builder builder = Stepstream.builder()
        .bootstrapServers(kafka.bootstrapServers())
        .topicPrefix(PREFIX)
        .applicationId("queries-it")
        .stateDir(dir.resolve("state-" + name))
        .partitions(PARTITIONS)
        .approvalSecret(SECRET)
        .httpServer("127.0.0.1", 0)
        .register("order", String.class, (ctx, in) -> {
          String reserved = ctx.step("reserve", String.class, s -> "reserved " + in);
          return ctx.step("ship", String.class, s -> reserved + ", shipped");
        })
        .register("flaky", String.class, (ctx, in) -> ctx.step("explode", String.class, s -> {
          throw new IllegalStateException("no luck for " + in);
        }), RetryPolicy.noRetries())
        .register("order-approval", String.class, (ctx, in) -> {
          ctx.step("quote", String.class, s -> "quote for " + in);
          var decision = ctx.awaitApproval("ship", ApprovalRequest.of("ship " + in + "?").details(Map.of("parcel", in)), Duration.ofHours(1));
          return decision.approved() ? "shipped" : "kept";
        })
        .register("nap", String.class, (ctx, in) -> {
          ctx.sleep("nap", Duration.ofHours(1));
          return "woke";
        });
    return EngineTestHooks.httpAuth(builder, new NamedCallersOnly()).build();
  }

  @AfterAll
  static void stop() {
    for (Stepstream engine : new Stepstream[] {one, two}) {
      if (engine != null) {
        engine.close();
      }
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void describeAnswersThroughEitherInstanceAndNamesTheOwner() throws Exception {
    Set<String> owners = new TreeSet<>();
    int servedByTheOther = 0;
    for (String runId : EXPECTED.keySet()) {
      JsonNode viaOne = json(get(one, "/api/runs/" + enc(runId)));
      JsonNode viaTwo = json(get(two, "/api/runs/" + enc(runId)));
      String owner = ownerOf(runId);
      assertThat(viaOne.path("servedBy").asText()).as(runId).isEqualTo(owner);
      assertThat(viaTwo.path("servedBy").asText()).as(runId).isEqualTo(owner);
      assertThat(viaOne).as(runId).isEqualTo(viaTwo);
      owners.add(owner);
      servedByTheOther += owner.equals(address(one)) ? 0 : 1;
      assertThat(viaOne.path("runId").asText()).isEqualTo(runId);
      assertThat(viaOne.path("workflowType").asText()).isEqualTo(TYPES.get(runId));
      assertThat(viaOne.path("status").asText()).isEqualTo(EXPECTED.get(runId));
      assertThat(viaOne.path("input").path("json").asText()).as(runId).isNotEmpty();
    }
    assertThat(owners).as("runs live on both instances").containsExactlyInAnyOrder(address(one), address(two));
    assertThat(servedByTheOther).isPositive();

    JsonNode completed = json(get(two, "/api/runs/order-1"));
    assertThat(completed.path("result").path("json").asText()).isEqualTo("reserved book-1, shipped");
    assertThat(completed.path("finishedAt").isNumber()).isTrue();
    assertThat(completed.path("currentStep").asText()).isEqualTo("ship");
    assertThat(completed.path("input").path("json").asText()).isEqualTo("book-1");

    JsonNode failed = json(get(one, "/api/runs/flaky-2"));
    assertThat(failed.path("error").path("message").asText()).contains("no luck for x");
    assertThat(failed.path("result").isNull() || failed.path("result").path("json").isNull()).isTrue();

    JsonNode approving = json(get(one, "/api/runs/approve-0"));
    assertThat(approving.path("waitKind").asText()).isEqualTo("APPROVAL");
    assertThat(approving.path("waitName").asText()).isEqualTo("ship");
    JsonNode napping = json(get(two, "/api/runs/nap-0"));
    assertThat(napping.path("waitKind").asText()).isEqualTo("SLEEP");
    assertThat(napping.path("wakeAt").asLong()).isGreaterThan(System.currentTimeMillis());
  }

  @Test
  void historyListsJournalEntriesInOrderWithDecodedValuesThroughEitherInstance() throws Exception {
    for (Stepstream via : new Stepstream[] {one, two}) {
      JsonNode history = json(get(via, "/api/runs/order-2/history"));
      assertThat(history.path("runId").asText()).isEqualTo("order-2");
      assertThat(history.path("servedBy").asText()).isEqualTo(ownerOf("order-2"));
      List<String> names = new ArrayList<>();
      history.path("entries").forEach(e -> names.add(e.path("name").asText()));
      assertThat(names).containsSubsequence("reserve", "ship", "$result");
      JsonNode reserve = history.path("entries").get(names.indexOf("reserve"));
      assertThat(reserve.path("kind").asText()).isEqualTo("STEP");
      assertThat(reserve.path("succeeded").asBoolean()).isTrue();
      assertThat(reserve.path("value").path("json").asText()).isEqualTo("reserved book-2");
      assertThat(reserve.path("value").path("encoding").asText()).isEqualTo("json");
      assertThat(reserve.path("durationMs").isNumber()).isTrue();
    }
    JsonNode waiting = json(get(two, "/api/runs/approve-1/history"));
    List<String> kinds = new ArrayList<>();
    waiting.path("entries").forEach(e -> kinds.add(e.path("kind").asText()));
    assertThat(kinds).containsSubsequence("STEP", "APPROVAL_WAIT");
    JsonNode nap = json(get(one, "/api/runs/nap-1/history"));
    assertThat(nap.path("entries").get(0).path("kind").asText()).as("the input comes first").isEqualTo("INPUT");
    assertThat(nap.path("entries").get(1).path("kind").asText()).isEqualTo("SLEEP");
    assertThat(nap.path("entries").get(1).path("dueAt").asLong()).isGreaterThan(System.currentTimeMillis());
  }

  @Test
  void aPaginatedListThroughEachInstanceReturnsEveryRunExactlyOnceNewestFirst() throws Exception {
    for (Stepstream via : new Stepstream[] {one, two}) {
      List<String> listed = new ArrayList<>();
      List<Long> created = new ArrayList<>();
      String cursor = null;
      int pages = 0;
      do {
        JsonNode page = json(get(via, "/api/runs?limit=3" + (cursor == null ? "" : "&cursor=" + cursor)));
        assertThat(page.path("runs").size()).isLessThanOrEqualTo(3);
        page.path("runs").forEach(r -> {
          listed.add(r.path("runId").asText());
          created.add(r.path("createdAt").asLong());
        });
        cursor = page.path("nextCursor").isTextual() ? page.path("nextCursor").asText() : null;
        pages++;
      } while (cursor != null && pages < 50);
      assertThat(listed).as("via %s", address(via)).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(EXPECTED.keySet());
      assertThat(pages).isGreaterThanOrEqualTo(6);
      for (int i = 1; i < created.size(); i++) {
        assertThat(created.get(i)).as("newest first").isLessThanOrEqualTo(created.get(i - 1));
      }
    }
  }

  @Test
  void statusTypeAndRunIdFiltersSelectRunsOfEveryInstance() throws Exception {
    assertThat(runIds(json(get(one, "/api/runs?status=COMPLETED")))).containsExactlyInAnyOrder(
        "order-0", "order-1", "order-2", "order-3", "order-4", "order-5");
    assertThat(runIds(json(get(two, "/api/runs?status=FAILED")))).containsExactlyInAnyOrder("flaky-0", "flaky-1", "flaky-2");
    assertThat(runIds(json(get(one, "/api/runs?status=WAITING&type=nap")))).containsExactlyInAnyOrder("nap-0", "nap-1", "nap-2");
    assertThat(runIds(json(get(two, "/api/runs?type=order-approval,flaky&limit=500")))).hasSize(7);
    assertThat(runIds(json(get(one, "/api/runs?q=APPROVE-")))).as("case-insensitive substring")
        .containsExactlyInAnyOrder("approve-0", "approve-1", "approve-2", "approve-3");
    assertThat(runIds(json(get(one, "/api/runs?since=" + (System.currentTimeMillis() + 60_000))))).isEmpty();
    HttpResponse<String> bad = get(one, "/api/runs?status=SLEEPY");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("SLEEPY", "WAITING");
  }

  @Test
  void pendingApprovalsListsTheWaitingApprovalsOfBothInstances() throws Exception {
    for (Stepstream via : new Stepstream[] {one, two}) {
      JsonNode page = json(get(via, "/api/approvals"));
      List<String> runs = new ArrayList<>();
      page.path("approvals").forEach(a -> {
        runs.add(a.path("runId").asText());
        assertThat(a.path("approvalName").asText()).isEqualTo("ship");
        assertThat(a.path("workflowType").asText()).isEqualTo("order-approval");
        assertThat(a.path("subject").asText()).startsWith("ship parcel-");
        assertThat(a.path("details").path("json").path("parcel").asText()).startsWith("parcel-");
        assertThat(a.path("token").asText()).startsWith("v1.");
        assertThat(a.path("deadline").asLong()).isGreaterThan(System.currentTimeMillis());
      });
      assertThat(runs).containsExactlyInAnyOrder("approve-0", "approve-1", "approve-2", "approve-3");
      assertThat(page.path("nextCursor").isNull()).isTrue();
    }
    List<String> paged = new ArrayList<>();
    String cursor = null;
    do {
      JsonNode page = json(get(two, "/api/approvals?limit=1" + (cursor == null ? "" : "&cursor=" + cursor)));
      page.path("approvals").forEach(a -> paged.add(a.path("runId").asText()));
      cursor = page.path("nextCursor").isTextual() ? page.path("nextCursor").asText() : null;
    } while (cursor != null && paged.size() < 10);
    assertThat(paged).containsExactlyInAnyOrder("approve-0", "approve-1", "approve-2", "approve-3");
  }

  @Test
  void anUnknownRunIsNotFoundThroughEitherInstance() throws Exception {
    for (Stepstream via : new Stepstream[] {one, two}) {
      for (String runId : List.of("no-such-run", "nothing-here-either", "x/y")) {
        HttpResponse<String> missing = get(via, "/api/runs/" + enc(runId));
        assertThat(missing.statusCode()).as(runId).isEqualTo(404);
        assertThat(json(missing).path("error").asText()).isEqualTo("no run " + runId + " (never started, or removed after the retention window)");
        assertThat(get(via, "/api/runs/" + enc(runId) + "/history").statusCode()).isEqualTo(404);
      }
    }
    HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create(base(one) + "/api/runs"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
  }

  @Test
  void theWorkflowClientQueriesThroughOneInstanceForRunsOfBoth() throws Exception {
    try (WorkflowClient client = WorkflowClient.builder().bootstrapServers(kafka.bootstrapServers()).topicPrefix(PREFIX)
        .engineUrl(base(one)).engineUser("tester").build()) {
      RunDescription order = client.describe("order-3").orElseThrow();
      assertThat(order.summary().status()).isEqualTo(RunStatus.COMPLETED);
      assertThat(order.summary().workflowType()).isEqualTo("order");
      assertThat(order.result().as(String.class)).isEqualTo("reserved book-3, shipped");
      assertThat(order.input().as(String.class)).isEqualTo("book-3");
      assertThat(order.servedBy()).isEqualTo(ownerOf("order-3"));
      assertThat(client.describe("flaky-0").orElseThrow().error().message()).contains("no luck for x");
      assertThat(client.describe("no-such-run")).isEmpty();
      Set<String> servedBy = new TreeSet<>();
      EXPECTED.keySet().forEach(runId -> servedBy.add(client.describe(runId).orElseThrow().servedBy()));
      assertThat(servedBy).as("one URL answers for the runs of both instances").hasSize(2);

      RunHistory history = client.history("order-0").orElseThrow();
      assertThat(history.entries()).extracting(HistoryEntry::name).containsSubsequence("reserve", "ship", "$result");
      assertThat(history.entries().get(0).name()).as("the input comes first").isEqualTo("$input");
      assertThat(history.entries().get(0).value().as(String.class)).isEqualTo("book-0");
      HistoryEntry reserve = history.entries().stream().filter(e -> e.name().equals("reserve")).findFirst().orElseThrow();
      assertThat(reserve.value().as(String.class)).isEqualTo("reserved book-0");
      assertThat(reserve.duration()).isNotNull();
      assertThat(client.history("no-such-run")).isEmpty();

      List<String> listed = new ArrayList<>();
      RunQuery query = RunQuery.builder().limit(4).build();
      RunPage page = client.listRuns(query);
      listed.addAll(page.runs().stream().map(RunSummary::runId).toList());
      while (page.nextCursor().isPresent()) {
        query = query.next(page.nextCursor().get());
        page = client.listRuns(query);
        listed.addAll(page.runs().stream().map(RunSummary::runId).toList());
      }
      assertThat(listed).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(EXPECTED.keySet());
      assertThat(client.listRuns(RunQuery.builder().status(RunStatus.WAITING).type("nap").build()).runs())
          .extracting(RunSummary::runId).containsExactlyInAnyOrder("nap-0", "nap-1", "nap-2");
      assertThat(client.listRuns(RunQuery.builder().search("flaky-1").build()).runs()).extracting(RunSummary::runId).containsExactly("flaky-1");

      ApprovalPage approvals = client.pendingApprovals(RunQuery.all());
      assertThat(approvals.approvals()).extracting(ApprovalItem::runId).containsExactlyInAnyOrder("approve-0", "approve-1", "approve-2", "approve-3");
      assertThat(approvals.approvals()).allSatisfy(a -> {
        assertThat(a.approvalName()).isEqualTo("ship");
        assertThat(a.token()).startsWith("v1.");
        assertThat(a.deadline()).isAfter(java.time.Instant.now());
      });
    }
  }

  @Test
  void theWorkflowClientSaysWhatIsMissingOrUnreachable() throws Exception {
    int closedPort;
    try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    try (WorkflowClient noUrl = WorkflowClient.builder().bootstrapServers(kafka.bootstrapServers()).topicPrefix(PREFIX).build();
        WorkflowClient down = WorkflowClient.builder().bootstrapServers(kafka.bootstrapServers()).topicPrefix(PREFIX)
            .engineUrl("http://127.0.0.1:" + closedPort).build();
        WorkflowClient failover = WorkflowClient.builder().bootstrapServers(kafka.bootstrapServers()).topicPrefix(PREFIX)
            .engineUrl("http://127.0.0.1:" + closedPort, base(two)).engineUser("tester").build();
        WorkflowClient nameless = WorkflowClient.builder().bootstrapServers(kafka.bootstrapServers()).topicPrefix(PREFIX)
            .engineUrl(base(one)).build()) {
      assertThatThrownBy(() -> noUrl.describe("order-1")).isInstanceOf(IllegalStateException.class).hasMessageContaining("engineUrl");
      assertThatThrownBy(() -> down.listRuns(RunQuery.all())).isInstanceOf(EngineQueryException.class)
          .hasMessageContaining("http://127.0.0.1:" + closedPort).hasMessageContaining("--http-bind")
          .satisfies(e -> assertThat(((EngineQueryException) e).status()).isZero());
      assertThat(failover.describe("order-1")).as("the next URL answers").isPresent();
      assertThatThrownBy(() -> nameless.describe("order-1")).isInstanceOf(io.stepstream.client.NotAuthorizedException.class)
          .hasMessageContaining("401").hasMessageContaining("say who you are");
    }
    assertThatThrownBy(() -> WorkflowClient.builder().engineUrl("engine:8080")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("http(s)://host:port");
  }

  @Test
  void theCallersCredentialsAreCheckedByTheInstanceAskedAndPassedOnToTheOwner() throws Exception {
    // the engines let in only callers that name themselves: a forwarded call reaches the owner with the name or fails
    for (String runId : EXPECTED.keySet()) {
      Stepstream notTheOwner = ownerOf(runId).equals(address(one)) ? two : one;
      assertThat(get(notTheOwner, "/api/runs/" + enc(runId)).statusCode()).as(runId).isEqualTo(200);
      HttpResponse<String> anonymous = HTTP.send(HttpRequest.newBuilder(URI.create(base(notTheOwner) + "/api/runs/" + enc(runId))).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(anonymous.statusCode()).as(runId).isEqualTo(401);
    }
  }

  /** Last: it stops instance two. */
  @Test
  @org.junit.jupiter.api.Order(Integer.MAX_VALUE)
  void whenAnInstanceLeavesListsAre503OrCompleteNeverPartialAndTheOtherInstanceTakesOver() throws Exception {
    List<String> ownedByTwo = EXPECTED.keySet().stream().filter(r -> ownerOf(r).equals(address(two))).toList();
    assertThat(ownedByTwo).isNotEmpty();
    two.close();
    two = null;
    int unavailable = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (true) {
      HttpResponse<String> list = get(one, "/api/runs?limit=500");
      if (list.statusCode() == 503) {
        unavailable++;
        assertThat(list.headers().firstValue("Retry-After")).contains("1");
        assertThat(json(list).path("error").asText()).contains("ask again shortly");
      } else {
        assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
        List<String> ids = runIds(json(list));
        if (ids.size() == EXPECTED.size() && ownedByTwo.stream().allMatch(r -> address(one).equals(currentOwner(r)))) {
          assertThat(ids).containsExactlyInAnyOrderElementsOf(EXPECTED.keySet());
          break;
        }
        assertThat(ids).as("a list is complete or not given at all").containsExactlyInAnyOrderElementsOf(EXPECTED.keySet());
      }
      assertThat(System.nanoTime()).as("instance one took over within 90 s").isLessThan(deadline);
      Thread.sleep(200);
    }
    for (String runId : ownedByTwo) {
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        HttpResponse<String> describe = get(one, "/api/runs/" + enc(runId));
        assertThat(describe.statusCode()).as(describe.body()).isEqualTo(200);
        assertThat(json(describe).path("servedBy").asText()).isEqualTo(address(one));
        assertThat(json(describe).path("status").asText()).isEqualTo(EXPECTED.get(runId));
      });
    }
  }

  /** Lets in callers that name themselves (X-Stepstream-User), refuses the others with 401. */
  static final class NamedCallersOnly implements HttpAuth {
    @Override
    public Caller authenticate(HttpCall call) {
      String name = call.header("X-Stepstream-User").orElseThrow(() -> new HttpProblem(401, "say who you are (X-Stepstream-User)"));
      return new Caller(name, List.of(), false, null);
    }

    @Override
    public void requireAdmin(Caller caller) {}

    @Override
    public String describe() {
      return "named callers";
    }
  }

  // ---- helpers ----

  static List<String> runIds(JsonNode page) {
    List<String> ids = new ArrayList<>();
    page.path("runs").forEach(r -> ids.add(r.path("runId").asText()));
    return ids;
  }

  /** The instance whose active task holds the run's home partition, from Kafka Streams' own metadata. */
  static String ownerOf(String runId) {
    int home = Utils.toPositive(Utils.murmur2(runId.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
    var md = EngineTestHooks.streams(one).queryMetadataForKey("stepstream-runs", runId,
        org.apache.kafka.common.serialization.Serdes.String().serializer());
    assertThat(md.partition()).as("Kafka Streams' key placement agrees with HomePartitioner for %s", runId).isEqualTo(home);
    return md.activeHost().host() + ":" + md.activeHost().port();
  }

  /** The owner as instance one sees it now, or null while it is not known. */
  static String currentOwner(String runId) {
    var md = EngineTestHooks.streams(one).queryMetadataForKey("stepstream-runs", runId,
        org.apache.kafka.common.serialization.Serdes.String().serializer());
    return md == null || md.activeHost() == null || md.activeHost().port() < 0 ? null : md.activeHost().host() + ":" + md.activeHost().port();
  }

  static int ownedPartitions(Stepstream engine) {
    Set<Integer> partitions = new HashSet<>();
    EngineTestHooks.streams(engine).metadataForLocalThreads().forEach(t -> t.activeTasks().forEach(task -> partitions.add(task.taskId().partition())));
    return partitions.size();
  }

  static String address(Stepstream engine) {
    return "127.0.0.1:" + engine.httpAddress().getPort();
  }

  static String base(Stepstream engine) {
    return "http://" + address(engine);
  }

  static String enc(String runId) {
    return URLEncoder.encode(runId, StandardCharsets.UTF_8).replace("+", "%20");
  }

  static HttpResponse<String> get(Stepstream via, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(base(via) + path)).header("X-Stepstream-User", "tester").GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode json(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body());
  }
}
