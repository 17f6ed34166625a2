package io.stepstream.internal.executor;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.StepOptions;
import io.stepstream.Workflow;
import io.stepstream.internal.codec.PayloadCodec;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.MDC;

/** Log lines of workflow code and of each step attempt name their run, workflow type and step (SLF4J MDC). */
@Timeout(30)
class LogContextTest {
  private final List<Map<String, String>> seen = new CopyOnWriteArrayList<>();

  private void see(String where) {
    Map<String, String> mdc = MDC.getCopyOfContextMap() == null ? new HashMap<>() : new HashMap<>(MDC.getCopyOfContextMap());
    mdc.put("where", where);
    mdc.put("thread", Thread.currentThread().getName());
    seen.add(mdc);
  }

  @Test
  void workflowCodeAndEachStepAttemptRunWithTheRunAndStepInTheMdcAndLeaveItClean() {
    Workflow<String, String> wf = (ctx, in) -> {
      see("workflow");
      String a = ctx.step("inline", String.class, s -> {
        see("inline step");
        return "a";
      });
      // a step with a timeout runs on an attempt thread of its own
      String b = ctx.step("timed", String.class, StepOptions.defaults().withStartToCloseTimeout(Duration.ofSeconds(5)), s -> {
        see("timed step");
        return "b";
      });
      see("after steps");
      return a + b;
    };
    MDC.put("caller", "kept");

    new ExecutionFixture().run(String.class, wf, PayloadCodec.encode("x"), Map.of());

    assertThat(seen).hasSize(4);
    assertThat(seen).allSatisfy(mdc -> assertThat(mdc).containsEntry("stepstream.runId", "run-1").containsEntry("stepstream.workflowType", "wf"));
    assertThat(seen.get(0)).doesNotContainKey("stepstream.step");
    assertThat(seen.get(1)).containsEntry("stepstream.step", "inline");
    assertThat(seen.get(2)).containsEntry("stepstream.step", "timed");
    assertThat(seen.get(2).get("thread")).as("ran on an attempt thread").startsWith("stepstream-attempt-");
    assertThat(seen.get(3)).as("the step's name is gone after it").doesNotContainKey("stepstream.step");
    assertThat(MDC.get("stepstream.runId")).as("cleared after the execution").isNull();
    assertThat(MDC.get("caller")).as("what the thread had is kept").isEqualTo("kept");
    MDC.remove("caller");
  }
}
