package io.stepstream.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The approvals scenario end to end: embedded broker + engine in this JVM, the auto-approver in a
 * child JVM (127.0.0.1 only). Every run must complete with output "approved" (the generator counts
 * any other result as an error); deliberately no timing assertions.
 */
class ApprovalsSmokeTest {

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  @SuppressWarnings("unchecked")
  void approvalsBurstOf20IsAnsweredByTheAutoApproverProcessAndEveryRunIsApproved() throws Exception {
    Path out = Path.of("target", "smoke");
    BenchResult r = LoadGenerator.run(
        "approvals", "burst", "--runs", "20", "--warmup", "2", "--timeout-s", "40", "--no-charts",
        "--results-dir", out.resolve("results").toString());

    assertThat(r.scenario()).isEqualTo("approvals");
    assertThat(r.counts().runs()).isEqualTo(20);
    assertThat(r.counts().completed()).isEqualTo(20); // COMPLETED with output "approved", nothing else counts
    assertThat(r.counts().errors()).isZero();
    assertThat(r.counts().errorKinds()).isEmpty();
    assertThat(r.latencyMs().count()).isEqualTo(20);

    Map<String, Object> approver = (Map<String, Object>) r.diagnostics().get("autoApprover");
    assertThat(approver).isNotNull();
    Map<String, Object> summary = (Map<String, Object>) approver.get("summary");
    assertThat(((Number) summary.get("decisionsSent")).longValue()).isEqualTo(22); // 20 measured + 2 warm-up
    assertThat(((Number) summary.get("sendErrors")).longValue()).isZero();
    assertThat(ProcessHandle.of(((Number) approver.get("pid")).longValue()).filter(ProcessHandle::isAlive)).isEmpty(); // stopped

    Map<String, Object> phases = (Map<String, Object>) r.diagnostics().get("phasesMs");
    assertThat(phases).containsKey("approvalRequestedToDecided");
    assertThat(out.resolve("results").resolve("approvals-burst.json")).exists();
  }
}
