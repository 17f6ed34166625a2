package io.stepstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class RunsCommandTest {
  static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");

  @Test
  void sinceTakesAnInstantEpochMillisOrHowLongAgo() {
    assertThat(RunsCommand.parseWhen("2026-12-01T08:00:00Z", NOW)).contains(Instant.parse("2026-12-01T08:00:00Z"));
    assertThat(RunsCommand.parseWhen("1764633600000", NOW)).contains(Instant.ofEpochMilli(1764633600000L));
    assertThat(RunsCommand.parseWhen("90s", NOW)).contains(NOW.minusSeconds(90));
    assertThat(RunsCommand.parseWhen("2h", NOW)).contains(NOW.minusSeconds(7200));
    assertThat(RunsCommand.parseWhen("7d", NOW)).contains(NOW.minusSeconds(7 * 86400));
    assertThat(RunsCommand.parseWhen("PT15M", NOW)).contains(NOW.minusSeconds(900));
    assertThat(RunsCommand.parseWhen("yesterday", NOW)).isEmpty();
  }

  @Test
  void aTablePadsColumnsToTheirWidestCell() {
    var table = new RunsCommand.Table("A", "BB", "C");
    table.row("long value", "x", "last");
    java.io.StringWriter out = new java.io.StringWriter();
    table.print(new java.io.PrintWriter(out, true));
    assertThat(out.toString().lines().toList()).containsExactly("A           BB  C", "long value  x   last");
  }
}
