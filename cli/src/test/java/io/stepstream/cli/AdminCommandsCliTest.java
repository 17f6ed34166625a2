package io.stepstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** The admin commands refuse wrong arguments before connecting (no broker at 127.0.0.1:1). */
@Timeout(20)
class AdminCommandsCliTest {
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = StepstreamCli.commandLine();
    cli.setErr(new PrintWriter(err, true));
    cli.setOut(new PrintWriter(new StringWriter(), true));
    return cli.execute(args);
  }

  @Test
  void restartNeedsTheStepToRestartFrom() {
    assertThat(run("runs", "restart", "r-1", "--bootstrap-servers", "127.0.0.1:1")).isEqualTo(2);
    assertThat(err.toString()).contains("--from-step");
  }

  @Test
  void resumeTakesARunIdOrAllParkedButNotBoth() {
    assertThat(run("runs", "resume", "r-1", "--all-parked", "--bootstrap-servers", "127.0.0.1:1")).isEqualTo(2);
    assertThat(err.toString()).contains("either a run id or --all-parked");
  }

  @Test
  void resumeOfOneRunTakesNoType() {
    assertThat(run("runs", "resume", "r-1", "--type", "order", "--bootstrap-servers", "127.0.0.1:1")).isEqualTo(2);
    assertThat(err.toString()).contains("--type goes with --all-parked");
  }

  @Test
  void redriveTakesCoordinatesInThePartitionAtOffsetForm() {
    assertThat(run("dlq", "redrive", "12", "--bootstrap-servers", "127.0.0.1:1")).isEqualTo(2);
    assertThat(err.toString()).contains("not PARTITION@OFFSET: '12'");
  }

  @Test
  void redriveTakesCoordinatesOrAllButNotBoth() {
    assertThat(run("dlq", "redrive", "0@1", "--all", "--bootstrap-servers", "127.0.0.1:1")).isEqualTo(2);
    assertThat(err.toString()).contains("coordinates or --all");
  }
}
