package io.stepstream.internal.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stepstream.avro.RunState;
import io.stepstream.avro.RunStatus;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.utils.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Merging parts of a run list into pages: order, cursors, every run exactly once, filters. */
@Timeout(30)
class SliceMergeTest {

  @Test
  void pagesFollowTheNewestFirstOrderAcrossPartsAndEndWithoutACursor() {
    Slice a = slice(null, item(300, "a"), item(100, "c"));
    Slice b = slice(null, item(200, "b"), item(100, "b2"));
    Slice page = Slice.merge(List.of(a, b), 10);
    assertThat(ids(page)).containsExactly("a", "b", "b2", "c");
    assertThat(page.scannedTo()).as("every part exhausted: no next page").isNull();
  }

  @Test
  void aFullPageContinuesAfterItsLastRun() {
    Slice page = Slice.merge(List.of(slice(null, item(300, "a"), item(200, "b"), item(100, "c"))), 2);
    assertThat(ids(page)).containsExactly("a", "b");
    assertThat(page.scannedTo()).isEqualTo(new Position(200, "b"));
  }

  @Test
  void aPartThatStoppedEarlyBoundsThePageSoNothingIsSkipped() {
    // part b stopped scanning at 250 (its budget): runs of part a older than that are not returned yet
    Slice a = slice(null, item(300, "a1"), item(200, "a2"));
    Slice b = slice(new Position(250, "zz"));
    Slice page = Slice.merge(List.of(a, b), 10);
    assertThat(ids(page)).containsExactly("a1");
    assertThat(page.scannedTo()).isEqualTo(new Position(250, "zz"));
  }

  @Test
  void approvalsOfOneRunCountOnceAndAreNeverSplitAcrossPages() {
    Slice a = slice(null, item(300, "r1"), item(300, "r1"), item(200, "r2"));
    Slice page = Slice.merge(List.of(a), 1);
    assertThat(ids(page)).containsExactly("r1", "r1");
    assertThat(page.scannedTo()).isEqualTo(new Position(300, "r1"));
  }

  @Test
  void runsWithTheSameCreationTimeAreOrderedByRunId() {
    Slice page = Slice.merge(List.of(slice(null, item(5, "b")), slice(null, item(5, "a")), slice(null, item(5, "c"))), 10);
    assertThat(ids(page)).containsExactly("a", "b", "c");
  }

  /** A simulation of partitions with a scan budget, paginated to the end: every run exactly once, in order. */
  @Test
  void paginatingRandomPartitionsWithAScanBudgetListsEveryMatchingRunExactlyOnce() {
    Random random = new Random(42);
    for (int round = 0; round < 30; round++) {
      int partitions = 1 + random.nextInt(5);
      List<List<Position>> parts = new ArrayList<>();
      List<Position> everything = new ArrayList<>();
      for (int p = 0; p < partitions; p++) {
        List<Position> runs = new ArrayList<>();
        for (int i = 0, n = random.nextInt(40); i < n; i++) {
          Position run = new Position(random.nextInt(30), "p" + p + "-" + i);
          runs.add(run);
          everything.add(run);
        }
        Collections.sort(runs);
        parts.add(runs);
      }
      int limit = 1 + random.nextInt(7);
      int budget = 1 + random.nextInt(9);
      // "matches": runs whose number is even; the rest are skipped but cost budget
      List<Position> expected = everything.stream().filter(SliceMergeTest::matches).sorted().toList();
      List<Position> listed = new ArrayList<>();
      Position cursor = null;
      for (int pages = 0; pages < 10_000; pages++) {
        List<Slice> slices = new ArrayList<>();
        for (List<Position> runs : parts) {
          slices.add(scan(runs, cursor, limit, budget));
        }
        Slice page = Slice.merge(slices, limit);
        assertThat(page.items().size()).isLessThanOrEqualTo(limit);
        page.items().forEach(i -> listed.add(i.position()));
        cursor = page.scannedTo();
        if (cursor == null) {
          break;
        }
      }
      assertThat(cursor).as("pagination ended").isNull();
      assertThat(listed).as("round %s", round).containsExactlyElementsOf(expected);
    }
  }

  /** What LocalRuns does for one partition: after the cursor, up to limit matches or budget entries. */
  private static Slice scan(List<Position> runs, Position after, int limit, int budget) {
    List<Slice.Item> items = new ArrayList<>();
    int looked = 0;
    Position at = null;
    for (Position run : runs) {
      if (after != null && !run.isAfter(after)) {
        continue;
      }
      if (looked == budget) {
        return new Slice(items, at, Set.of(0));
      }
      looked++;
      at = run;
      if (matches(run)) {
        items.add(new Slice.Item(run, RunViews.JSON.createObjectNode()));
        if (items.size() == limit) {
          return new Slice(items, run, Set.of(0));
        }
      }
    }
    return new Slice(items, null, Set.of(0));
  }

  private static boolean matches(Position run) {
    return Integer.parseInt(run.runId().substring(run.runId().indexOf('-') + 1)) % 2 == 0;
  }

  @Test
  void aCursorRoundTripsAndAForeignOneIsRefusedWithAMessage() {
    Position p = new Position(1_700_000_000_123L, "order:42/ü");
    assertThat(Position.ofCursor(p.cursor())).isEqualTo(p);
    assertThatThrownBy(() -> Position.ofCursor("not-a-cursor!")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pass nextCursor of the previous page");
    assertThatThrownBy(() -> Position.ofCursor(java.util.Base64.getUrlEncoder().encodeToString("2:x".getBytes())))
        .hasMessageContaining("is not one this engine gave out");
  }

  @Test
  void theIndexKeyOrderIsThePositionOrder() {
    List<Position> positions = new ArrayList<>(List.of(new Position(0, "z"), new Position(10, "b"), new Position(10, "a"),
        new Position(10, "a\u00ff"), new Position(Long.MAX_VALUE / 2, "x"), new Position(9, "\uD83D\uDE00")));
    Collections.shuffle(positions, new Random(7));
    TreeSet<Bytes> keys = new TreeSet<>();
    positions.forEach(p -> keys.add(RunTimeIndex.key(p)));
    List<Position> byKey = keys.stream().map(RunTimeIndex::position).toList();
    assertThat(byKey).isEqualTo(positions.stream().sorted().toList());
    assertThat(RunTimeIndex.firstAtOrBefore(10).compareTo(RunTimeIndex.key(new Position(10, "a")))).isLessThan(0);
    assertThat(RunTimeIndex.firstAtOrBefore(10).compareTo(RunTimeIndex.key(new Position(11, "a")))).isGreaterThan(0);
  }

  @Test
  void filtersReadFromTheQueryStringSelectByStatusTypeRunIdAndTime() {
    RunFilter filter = RunFilter.parse(Map.of("status", "waiting,Parked", "type", "support", "q", "ORD", "since", "100", "until", "200"));
    assertThat(filter.matches(run("order-1", "support", RunStatus.WAITING, 150))).isTrue();
    assertThat(filter.matches(run("order-1", "support", RunStatus.PARKED, 100))).isTrue();
    assertThat(filter.matches(run("order-1", "support", RunStatus.PARKED, 200))).as("until is exclusive").isFalse();
    assertThat(filter.matches(run("order-1", "support", RunStatus.COMPLETED, 150))).isFalse();
    assertThat(filter.matches(run("order-1", "billing", RunStatus.WAITING, 150))).isFalse();
    assertThat(filter.matches(run("invoice-1", "support", RunStatus.WAITING, 150))).isFalse();
    assertThat(filter.limit()).isEqualTo(RunFilter.DEFAULT_LIMIT);
    RunFilter again = RunFilter.parse(query(filter.queryString()));
    assertThat(again).isEqualTo(filter);
  }

  @Test
  void badParametersAreRefusedNamingTheParameter() {
    assertThatThrownBy(() -> RunFilter.parse(Map.of("limit", "501"))).hasMessageContaining("limit must be 1..500");
    assertThatThrownBy(() -> RunFilter.parse(Map.of("limit", "ten"))).hasMessageContaining("limit must be a number");
    assertThatThrownBy(() -> RunFilter.parse(Map.of("since", "yesterday"))).hasMessageContaining("since must be a number (epoch milliseconds)");
    assertThatThrownBy(() -> RunFilter.parse(Map.of("status", "DONE"))).hasMessageContaining("status 'DONE' is not a run status");
  }

  private static Map<String, String> query(String queryString) {
    Map<String, String> map = new java.util.HashMap<>();
    for (String pair : queryString.split("&")) {
      String[] kv = pair.split("=", 2);
      map.put(kv[0], java.net.URLDecoder.decode(kv[1], java.nio.charset.StandardCharsets.UTF_8));
    }
    return map;
  }

  private static RunState run(String runId, String type, RunStatus status, long createdAt) {
    return RunState.newBuilder().setRunId(runId).setWorkflowType(type).setStatus(status).setGeneration(0)
        .setCreatedAt(createdAt).setUpdatedAt(createdAt).build();
  }

  private static Slice.Item item(long createdAt, String runId) {
    ObjectNode json = RunViews.JSON.createObjectNode().put("runId", runId);
    return new Slice.Item(new Position(createdAt, runId), json);
  }

  private static Slice slice(Position scannedTo, Slice.Item... items) {
    return new Slice(List.of(items), scannedTo, Set.of(0));
  }

  private static List<String> ids(Slice slice) {
    return slice.items().stream().map(i -> i.json().path("runId").asText()).toList();
  }
}
