package io.stepstream.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.DurableFuture;
import io.stepstream.DurablePromise;
import io.stepstream.RunStatus;
import io.stepstream.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Parallel branches, child runs and durable promises are all DurableFutures: all() and any() take
 * them together, on the engine's real orchestrator (the test kit's in-memory engine).
 */
@Timeout(60)
class FuturesTogetherTest {
  static final Workflow<String, String> DOUBLE = (ctx, in) -> ctx.step("double", String.class, s -> in + in);

  @Test
  void allWaitsForChildrenAndBranchesAndKeepsTheOrderGiven() {
    Workflow<String, List<String>> parent = (ctx, in) -> {
      List<DurableFuture<String>> futures = new ArrayList<>();
      futures.add(ctx.startChild("c1", "double", "a", String.class));
      futures.add(ctx.stepAsync("local", String.class, s -> "branch"));
      futures.add(ctx.startChild("c2", "double", "b", String.class));
      return ctx.all(futures);
    };
    try (var env = WorkflowTestEnvironment.builder().register("double", String.class, DOUBLE).register("parent", String.class, parent).build()) {
      String runId = env.start("parent", "x");

      assertThat(env.result(runId).output(List.class)).containsExactly("aa", "branch", "bb");
    }
  }

  @Test
  void anyOverTwoChildrenWakesForWhicheverFinishesFirst() {
    Workflow<String, String> slow = (ctx, in) -> {
      ctx.sleep("nap", Duration.ofHours(1));
      return "slow";
    };
    Workflow<String, String> quick = (ctx, in) -> {
      ctx.sleep("nap", Duration.ofMinutes(1));
      return "quick";
    };
    Workflow<String, String> parent = (ctx, in) -> {
      DurableFuture<String> a = ctx.startChild("a", "slow", in, String.class);
      DurableFuture<String> b = ctx.startChild("b", "quick", in, String.class);
      DurableFuture<String> first = ctx.any(List.of(a, b));
      return first.name() + "=" + first.get();
    };
    try (var env = WorkflowTestEnvironment.builder()
        .register("slow", String.class, slow).register("quick", String.class, quick).register("parent", String.class, parent).build()) {
      String runId = env.start("parent", "x");
      env.advanceTime(Duration.ofMinutes(2));

      assertThat(env.status(runId)).isEqualTo(RunStatus.COMPLETED);
      assertThat(env.result(runId).output(String.class)).isEqualTo("b=quick");
    }
  }

  @Test
  void aPromiseAndABranchTogetherInAll() {
    Workflow<String, String> parent = (ctx, in) -> {
      DurablePromise<String> answer = ctx.promise("answer", String.class);
      DurableFuture<String> id = ctx.stepAsync("hand-out", String.class, s -> answer.id());
      List<String> both = ctx.all(List.of(id, answer));
      return both.get(1);
    };
    try (var env = WorkflowTestEnvironment.builder().register("parent", String.class, parent).build()) {
      String runId = env.start("parent", "x");
      String promiseId = env.journal(runId).stream().filter(e -> e.name().equals("hand-out")).findFirst().orElseThrow().value(String.class);

      env.completePromise(promiseId, "forty-two");

      assertThat(env.result(runId).output(String.class)).isEqualTo("forty-two");
    }
  }
}
