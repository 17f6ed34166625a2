package io.stepstream.peers.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeersTableTest {
  @TempDir
  Path dir;

  @Test
  void readsAPeersClosedLoopResult() throws Exception {
    Files.writeString(dir.resolve("peers-restate-c64.json"), "{\"system\":\"restate\",\"workflow\":\"noop-3\",\"concurrency\":64,\"runs\":20000,"
        + "\"completed\":19998,\"errors\":2,\"elapsedS\":42.0,\"runsPerS\":476.1,\"p50Ms\":130.5,\"p90Ms\":150.0,\"p99Ms\":201.25,\"maxMs\":300.0,"
        + "\"warmupRuns\":8000,\"loadAvg1mBefore\":2.10,\"loadAvg1mAfter\":2.50,\"cpus\":2,\"finishedAt\":\"2026-12-02T14:00:00Z\"}");

    PeersTable.Row row = PeersTable.read(dir, "restate", 64);

    assertEquals(new PeersTable.Row("restate", 64, 476.1, 130.5, 201.25, 2L, 2.10), row);
  }

  @Test
  void readsTheGeneratorsBenchResult() throws Exception {
    Files.writeString(dir.resolve("peers-stepstream-c256.json"), "{\"name\":\"peers-stepstream-c256\",\"counts\":{\"runs\":50000,\"completed\":50000,"
        + "\"errors\":0,\"failed\":0},\"latencyMs\":{\"count\":50000,\"p50\":118.0,\"p90\":150.0,\"p99\":212.5},"
        + "\"throughput\":{\"elapsedS\":22.3,\"runsPerS\":2240.5,\"stepsPerS\":6721.5},\"diagnostics\":{\"loadAverageAtStart\":\"1.25 0.90 0.40\"}}");

    PeersTable.Row row = PeersTable.read(dir, "stepstream", 256);

    assertEquals(new PeersTable.Row("stepstream", 256, 2240.5, 118.0, 212.5, 0L, 1.25), row);
  }

  @Test
  void aMissingResultIsShownAsNotRun() throws Exception {
    PeersTable.Row row = PeersTable.read(dir, "dbos", 1);
    assertNull(row.runsPerS());

    String table = PeersTable.markdown(List.of(row, new PeersTable.Row("restate", 1, 101.4, 9.84, 21.5, 0L, 0.7)));

    assertTrue(table.contains("| dbos | 1 | not run |"), table);
    assertTrue(table.contains("| restate | 1 | 101 | 9.8 | 21.5 | 0 | 0.70 |"), table);
  }
}
