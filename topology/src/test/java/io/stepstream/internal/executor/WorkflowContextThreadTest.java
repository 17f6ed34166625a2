package io.stepstream.internal.executor;

import static io.stepstream.internal.executor.ExecutionFixture.last;
import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.ApprovalRequest;
import io.stepstream.StepOptions;
import io.stepstream.Workflow;
import io.stepstream.WorkflowContext;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.StepOutcome;
import io.stepstream.internal.codec.PayloadCodec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A WorkflowContext belongs to the thread running the workflow; parallel work goes through ctx.stepAsync. */
@Timeout(10)
class WorkflowContextThreadTest {
  private final ExecutionFixture fixture = new ExecutionFixture();
  private final AtomicInteger executed = new AtomicInteger();

  @Test
  void stepsSubmittedToAThreadPoolFailAtOnceAndNoneOfThemRuns() {
    List<Throwable> failures = new ArrayList<>();
    Workflow<String, String> parallel =
        (ctx, in) -> {
          ExecutorService pool = Executors.newFixedThreadPool(8);
          try {
            List<Future<String>> futures = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
              int n = i;
              futures.add(pool.submit(() -> ctx.step("s-" + n, String.class, s -> "v" + executed.incrementAndGet())));
            }
            for (Future<String> f : futures) {
              try {
                f.get();
              } catch (ExecutionException e) {
                failures.add(e.getCause());
              }
            }
          } finally {
            pool.shutdownNow();
          }
          return "swallowed";
        };

    List<StepOutcome> outcomes = fixture.run(parallel, Map.of());

    assertThat(executed).hasValue(0);
    assertThat(failures).hasSize(24).allSatisfy(e -> assertThat(e)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("run-1")
        .hasMessageContaining("bound to the thread running the workflow")
        .hasMessageContaining("for parallel work use ctx.stepAsync(...)"));
    assertThat(outcomes).flatExtracting(StepOutcome::getEntries).isEmpty();
    // the workflow swallowed the failures, but it did not do what it meant to: the run fails, loudly
    var completion = last(outcomes).getCompletion();
    assertThat(completion.getStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(completion.getError().getMessage()).contains("for parallel work use ctx.stepAsync(...)");
  }

  @Test
  void everyContextMethodRefusesAForeignThread() {
    Map<String, Consumer<WorkflowContext>> calls = new LinkedHashMap<>();
    calls.put("runId", WorkflowContext::runId);
    calls.put("workflowType", WorkflowContext::workflowType);
    calls.put("step", c -> c.step("a", String.class, s -> "a"));
    calls.put("step with options", c -> c.step("b", String.class, StepOptions.defaults(), s -> "b"));
    calls.put("sleep", c -> c.sleep("c", Duration.ofSeconds(1)));
    calls.put("sleepUntil", c -> c.sleepUntil("d", Instant.EPOCH));
    calls.put("addCompensation", c -> c.addCompensation("e", s -> null));
    calls.put("addCompensation with options", c -> c.addCompensation("f", StepOptions.defaults(), s -> null));
    calls.put("compensate", WorkflowContext::compensate);
    calls.put("awaitApproval", c -> c.awaitApproval("g", ApprovalRequest.of("ok?"), Duration.ofHours(1)));
    calls.put("awaitEvent", c -> c.awaitEvent("h", String.class, Duration.ofHours(1)));
    calls.put("awaitEvent with match", c -> c.awaitEvent("i", String.class, Duration.ofHours(1), v -> true));
    calls.put("now", WorkflowContext::now);
    calls.put("randomUUID", WorkflowContext::randomUUID);
    calls.put("named now", c -> c.now("j"));
    calls.put("named randomUUID", c -> c.randomUUID("k"));
    Map<String, Throwable> thrown = new LinkedHashMap<>();
    Workflow<String, String> leaksItsContext =
        (ctx, in) -> {
          calls.forEach((what, call) -> {
            Thread t = new Thread(() -> {
              try {
                call.accept(ctx);
              } catch (Throwable e) {
                thrown.put(what, e);
              }
            }, "foreign-" + what);
            t.start();
            try {
              t.join();
            } catch (InterruptedException e) {
              throw new AssertionError(e);
            }
          });
          return "done";
        };

    fixture.run(leaksItsContext, Map.of());

    assertThat(thrown).containsOnlyKeys(calls.keySet());
    assertThat(thrown.values()).allSatisfy(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("run-1").hasMessageContaining("foreign-"));
  }

  @Test
  void aStepWithATimeoutUsesItsStepContextOnItsOwnAttemptThread() {
    Workflow<String, String> timed =
        (ctx, in) -> ctx.step("slow", String.class, StepOptions.defaults().withStartToCloseTimeout(Duration.ofMinutes(1)), s -> {
          s.heartbeat("half way");
          return Thread.currentThread().getName() + " " + s.idempotencyKey() + " " + s.lastHeartbeat(String.class).orElseThrow();
        });

    List<StepOutcome> outcomes = fixture.run(timed, Map.of());

    var completion = last(outcomes).getCompletion();
    assertThat(completion.getStatus()).isEqualTo(RunStatus.COMPLETED);
    assertThat(PayloadCodec.decode(completion.getOutput(), String.class)).startsWith("stepstream-attempt-").endsWith(" run-1/slow half way");
  }

  @Test
  void aHeartbeatThatCannotBeJournaledFromTheAttemptThreadDoesNotFailTheStep() {
    fixture.publisher.failNext(1); // the heartbeat is the first thing published
    Workflow<String, String> timed =
        (ctx, in) -> ctx.step("slow", String.class, StepOptions.defaults().withStartToCloseTimeout(Duration.ofMinutes(1)), s -> {
          s.heartbeat("half way");
          return "done";
        });

    var completion = last(fixture.run(timed, Map.of())).getCompletion();

    assertThat(completion.getStatus()).isEqualTo(RunStatus.COMPLETED);
  }

  @Test
  void afterARefusedForeignUseTheWorkflowThreadGetsTheSameErrorSoTheRunStopsBeforeMoreSideEffects() {
    Workflow<String, String> swallows =
        (ctx, in) -> {
          Thread t = new Thread(() -> {
            try {
              ctx.now();
            } catch (IllegalStateException swallowed) {
              // the code meant to record a value and did not
            }
          });
          t.start();
          t.join();
          return ctx.step("after", String.class, s -> "ran " + executed.incrementAndGet());
        };

    var completion = last(fixture.run(swallows, Map.of())).getCompletion();

    assertThat(executed).hasValue(0);
    assertThat(completion.getStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(completion.getError().getType()).isEqualTo(IllegalStateException.class.getName());
    assertThat(completion.getError().getMessage()).contains("for parallel work use ctx.stepAsync(...)");
  }
}
