package io.stepstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar stepstream.jar demo} as users run it: the shaded jar must carry what the agent
 * needs (the ONNX model, ONNX Runtime's and the tokenizer's native libraries), and the demo must
 * classify, call tools, get its large refund approved, stop the ticket over its token budget and end by
 * itself.
 */
@Timeout(300)
class DemoIT {
  @TempDir Path dir;

  @Test
  void theDemoRunsTheAgentOfflineAndEndsByItself() throws Exception {
    Path log = dir.resolve("demo.log");
    Process p = new ProcessBuilder(List.of(
            ProcessHandle.current().info().command().orElse("java"), "-Xmx768m", "-jar", System.getProperty("stepstream.jar"),
            "demo", "--data-dir", dir.resolve("data").toString(), "--auto-approve-after", "PT1S"))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean exited = p.waitFor(240, TimeUnit.SECONDS);
    if (!exited) {
      p.destroyForcibly();
    }
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(exited).as("the demo should have ended by itself:\n%s", out).isTrue();
    assertThat(p.exitValue()).as(out).isZero();

    assertThat(out).contains("APPROVAL NEEDED", "refund-A-1003", "AUTO-APPROVED", "(not a human's decision)");
    assertThat(out).containsPattern("RESULT demo-\\w+-T-1  refund \\(0\\.\\d+\\)  answered");
    assertThat(out).containsPattern("RESULT demo-\\w+-T-2  shipping \\(0\\.\\d+\\)  answered");
    assertThat(out).contains("We refunded 1299.00 EUR", "tracking number: DHL");
    assertThat(out).containsPattern("RESULT demo-\\w+-T-6  refund \\(0\\.\\d+\\)  budget-exceeded  1 model calls, \\d+ tokens \\(\\d+ in, \\d+ out\\), budget 150");
    assertThat(out).contains("A colleague will take over this ticket (step 'think-1:lookup_order-1' not started: the run's budget is used up");
    assertThat(out).contains("Refunds paid: 2", "6 runs, 0 failed");
  }
}
