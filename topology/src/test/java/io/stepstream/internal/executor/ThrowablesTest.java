package io.stepstream.internal.executor;

import static io.stepstream.internal.executor.ExecutionFixture.last;
import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.RetryPolicy;
import io.stepstream.StepOptions;
import io.stepstream.Workflow;
import io.stepstream.avro.EntryKind;
import io.stepstream.avro.JournalEntry;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.StepOutcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Errors ({@link StackOverflowError}, {@link OutOfMemoryError}, any {@link Throwable}) end as failed
 * attempts or failed runs, never as an execution without a completion (which the orchestrator would
 * dispatch again, forever).
 */
@Timeout(20)
class ThrowablesTest {
  private final ExecutionFixture fixture = new ExecutionFixture();
  private final AtomicInteger compensated = new AtomicInteger();

  @Test
  void aStepThatOverflowsTheStackIsAFailedAttemptRetriedPerPolicy() {
    fixture.retry(RetryPolicy.builder().maximumAttempts(2).build());
    Workflow<String, Integer> deep = (ctx, in) -> ctx.step("deep", Integer.class, s -> recurse(1));

    List<StepOutcome> outcomes = fixture.run(deep, Map.of());

    JournalEntry attempt = outcomes.get(0).getEntries().get(0);
    assertThat(attempt.getKind()).isEqualTo(EntryKind.STEP_ATTEMPT);
    assertThat(attempt.getName()).isEqualTo("deep@1");
    assertThat(attempt.getError().getType()).isEqualTo("java.lang.StackOverflowError");
    assertThat(last(outcomes).getCompletion().getStatus()).isEqualTo(RunStatus.WAITING);
  }

  @Test
  void whenAttemptsRunOutTheStepFailsWithTheErrorTypeAndTheRunFailsAfterCompensating() {
    Workflow<String, Integer> deep =
        (ctx, in) -> {
          ctx.step("book", String.class, s -> "b-1");
          ctx.addCompensation("book", s -> compensated.incrementAndGet());
          return ctx.step("deep", Integer.class, s -> recurse(1));
        };

    List<StepOutcome> outcomes = fixture.run(deep, Map.of());

    var completion = last(outcomes).getCompletion();
    assertThat(completion.getStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(completion.getError().getStep()).isEqualTo("deep");
    assertThat(completion.getError().getType()).isEqualTo("java.lang.StackOverflowError");
    assertThat(compensated).hasValue(1);
  }

  @Test
  void anOutOfMemoryErrorInAStepIsAFailedStepWithItsType() {
    Workflow<String, String> hungry = (ctx, in) -> ctx.step("load", String.class, s -> { throw new OutOfMemoryError("Java heap space"); });

    var completion = last(fixture.run(hungry, Map.of())).getCompletion();

    assertThat(completion.getStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(completion.getError().getType()).isEqualTo("java.lang.OutOfMemoryError");
    assertThat(completion.getError().getMessage()).contains("Java heap space").contains("'load'");
  }

  @Test
  void anErrorInAStepRunningOnItsOwnAttemptThreadKeepsItsType() {
    Workflow<String, Integer> deep =
        (ctx, in) -> ctx.step("deep", Integer.class, StepOptions.defaults().withStartToCloseTimeout(Duration.ofMinutes(1)), s -> recurse(1));

    var completion = last(fixture.run(deep, Map.of())).getCompletion();

    assertThat(completion.getStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(completion.getError().getType()).isEqualTo("java.lang.StackOverflowError");
  }

  @Test
  void anyOtherThrowableFromAStepIsAFailedStepToo() {
    Workflow<String, String> odd = (ctx, in) -> ctx.step("odd", String.class, s -> sneakyThrow(new OddThrowable()));

    var completion = last(fixture.run(odd, Map.of())).getCompletion();

    assertThat(completion.getStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(completion.getError().getStep()).isEqualTo("odd");
    assertThat(completion.getError().getType()).isEqualTo(OddThrowable.class.getName());
  }

  @Test
  void workflowCodeThatOverflowsTheStackFailsTheRunWithThatError() {
    Workflow<String, Integer> deep =
        (ctx, in) -> {
          ctx.step("book", String.class, s -> "b-1");
          ctx.addCompensation("book", s -> compensated.incrementAndGet());
          return recurse(1);
        };

    var completion = last(fixture.run(deep, Map.of())).getCompletion();

    assertThat(completion.getStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(completion.getError().getType()).isEqualTo("java.lang.StackOverflowError");
    assertThat(completion.getError().getStep()).isNull();
    assertThat(compensated).hasValue(1);
  }

  @Test
  void workflowCodeThrowingAnyThrowableFailsTheRun() {
    Workflow<String, String> odd = (ctx, in) -> sneakyThrow(new OddThrowable());

    var completion = last(fixture.run(odd, Map.of())).getCompletion();

    assertThat(completion.getStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(completion.getError().getType()).isEqualTo(OddThrowable.class.getName());
  }

  /** Neither an Exception nor an Error: Java allows it, so someone will throw it. */
  static final class OddThrowable extends Throwable {
    OddThrowable() {
      super("odd");
    }
  }

  private static int recurse(int depth) {
    return depth == Integer.MAX_VALUE ? depth : recurse(depth + 1) + 1;
  }

  @SuppressWarnings("unchecked")
  private static <T, E extends Throwable> T sneakyThrow(Throwable t) throws E {
    throw (E) t;
  }
}
