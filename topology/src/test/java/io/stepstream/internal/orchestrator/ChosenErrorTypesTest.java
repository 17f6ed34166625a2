package io.stepstream.internal.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stepstream.RetryPolicy;
import io.stepstream.StepFailedException;
import io.stepstream.StepOptions;
import io.stepstream.Workflow;
import io.stepstream.WorkflowFailure;
import io.stepstream.avro.RunStatus;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.engine.WorkflowRegistry;
import io.stepstream.testing.OrchestratorHarness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Error results carry a stable type the workflow chose ({@link WorkflowFailure}), its details, the
 * failing step, and no Java stack trace unless the engine is asked for one.
 */
@Timeout(30)
class ChosenErrorTypesTest {
  record Order(String id, int amount) {}

  private final AtomicInteger chargeAttempts = new AtomicInteger();
  private final AtomicInteger quoteAttempts = new AtomicInteger();
  private final List<String> seenByWorkflow = new CopyOnWriteArrayList<>();
  private final RetryPolicy threeTries = RetryPolicy.builder().maximumAttempts(3).initialInterval(Duration.ofSeconds(1)).jitter(0).build();

  private final WorkflowRegistry registry =
      new WorkflowRegistry()
          .register("out-of-stock", Order.class, (Workflow<Order, String>) (ctx, o) -> {
            throw new WorkflowFailure("OUT_OF_STOCK", "no stock for order " + o.id(), Map.of("orderId", o.id(), "missing", 3));
          })
          .register("declined", Order.class, (Workflow<Order, String>) (ctx, o) ->
              ctx.step("charge", String.class, StepOptions.retry(threeTries), s -> {
                chargeAttempts.incrementAndGet();
                throw WorkflowFailure.nonRetryable("PAYMENT_DECLINED", "card declined", new Order(o.id(), o.amount()));
              }))
          .register("rate-limited", Order.class, (Workflow<Order, String>) (ctx, o) ->
              ctx.step("quote", String.class, StepOptions.retry(threeTries), s -> {
                quoteAttempts.incrementAndGet();
                throw new WorkflowFailure("RATE_LIMITED", "try later");
              }))
          .register("declined-by-policy", Order.class, (Workflow<Order, String>) (ctx, o) ->
              ctx.step("quote", String.class, StepOptions.retry(RetryPolicy.builder().maximumAttempts(3).nonRetryableTypes("RATE_LIMITED").build()), s -> {
                quoteAttempts.incrementAndGet();
                throw new WorkflowFailure("RATE_LIMITED", "try later");
              }))
          .register("handles-it", Order.class, (Workflow<Order, String>) (ctx, o) -> {
            try {
              ctx.step("charge", String.class, StepOptions.retry(threeTries), s -> {
                throw WorkflowFailure.nonRetryable("PAYMENT_DECLINED", "card declined", new Order(o.id(), 1));
              });
              return "charged";
            } catch (StepFailedException e) {
              seenByWorkflow.add(e.errorType() + " " + e.errorMessage() + " " + e.errorDetails().as(Order.class));
              ctx.step("notify", String.class, s -> "notified");
              return "declined: " + e.errorType();
            }
          })
          .register("bug", Order.class, (Workflow<Order, String>) (ctx, o) -> {
            throw new IllegalStateException("a bug in the workflow");
          });

  private OrchestratorHarness harness = new OrchestratorHarness(registry);

  @AfterEach
  void close() {
    harness.close();
  }

  @Test
  void aWorkflowFailureThrownByTheWorkflowFailsTheRunWithItsTypeMessageAndDetails() {
    harness.request("r1", "out-of-stock", new Order("o-1", 5));
    harness.settle();

    WorkflowResult result = single();
    assertThat(result.getStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(result.getError().getType()).isEqualTo("OUT_OF_STOCK");
    assertThat(result.getError().getMessage()).isEqualTo("no stock for order o-1");
    assertThat(PayloadCodec.decode(result.getError().getDetails(), Map.class)).isEqualTo(Map.of("orderId", "o-1", "missing", 3));
    assertThat(result.getError().getStackTrace()).as("no Java stack trace unless asked").isNull();
  }

  @Test
  void aNonRetryableFailureOfAStepIsNotRetriedAndItsTypeDetailsAndStepReachTheResult() {
    harness.request("r1", "declined", new Order("o-2", 40));
    harness.advanceAndSettle(Duration.ofSeconds(30), Duration.ofSeconds(1));

    assertThat(chargeAttempts).hasValue(1);
    WorkflowResult result = single();
    assertThat(result.getError().getType()).isEqualTo("PAYMENT_DECLINED");
    assertThat(result.getError().getStep()).isEqualTo("charge");
    assertThat(result.getError().getMessage()).isEqualTo("step 'charge' failed after 1 attempt(s): PAYMENT_DECLINED: card declined");
    assertThat(PayloadCodec.decode(result.getError().getDetails(), Order.class)).isEqualTo(new Order("o-2", 40));
    assertThat(result.getError().getStackTrace()).isNull();
  }

  @Test
  void aRetryableFailureIsRetriedAsThePolicySaysAndFailsWithItsType() {
    harness.request("r1", "rate-limited", new Order("o-3", 1));
    harness.advanceAndSettle(Duration.ofSeconds(30), Duration.ofSeconds(1));

    assertThat(quoteAttempts).hasValue(3);
    assertThat(single().getError().getType()).isEqualTo("RATE_LIMITED");
  }

  @Test
  void aPolicyCanStopRetryingAChosenType() {
    harness.request("r1", "declined-by-policy", new Order("o-4", 1));
    harness.advanceAndSettle(Duration.ofSeconds(30), Duration.ofSeconds(1));

    assertThat(quoteAttempts).hasValue(1);
    assertThat(single().getError().getType()).isEqualTo("RATE_LIMITED");
  }

  @Test
  void theWorkflowSeesTheTypeMessageAndDetailsOfAFailedStepAlsoOnReplay() {
    harness.request("r1", "handles-it", new Order("o-5", 1));
    harness.advanceAndSettle(Duration.ofSeconds(5), Duration.ofSeconds(1));

    assertThat(PayloadCodec.decode(single().getOutput(), String.class)).isEqualTo("declined: PAYMENT_DECLINED");
    assertThat(seenByWorkflow).as("first execution, then the replay after the 'notify' step").hasSizeGreaterThanOrEqualTo(1)
        .allSatisfy(seen -> assertThat(seen).isEqualTo("PAYMENT_DECLINED card declined " + new Order("o-5", 1)));
  }

  @Test
  void anUnexpectedExceptionIsTypedByItsClassWithoutAStackTraceByDefault() {
    harness.request("r1", "bug", new Order("o-6", 1));
    harness.settle();

    WorkflowResult result = single();
    assertThat(result.getError().getType()).isEqualTo(IllegalStateException.class.getName());
    assertThat(result.getError().getStackTrace()).isNull();
  }

  @Test
  void anEngineAskedForStackTracesPutsThemInResults() {
    harness.close();
    harness = new OrchestratorHarness(registry, null, OrchestratorTopology.Settings.defaults().withStackTracesInResults(true));
    harness.request("r1", "bug", new Order("o-7", 1));
    harness.settle();

    assertThat(single().getError().getStackTrace()).contains("IllegalStateException: a bug in the workflow").contains("\tat ");
  }

  @Test
  void anErrorTypeMustBeACodeNotFreeText() {
    assertThatThrownBy(() -> new WorkflowFailure("card declined!", "x"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PAYMENT_DECLINED");
    assertThatThrownBy(() -> new WorkflowFailure("", "x")).isInstanceOf(IllegalArgumentException.class);
  }

  private WorkflowResult single() {
    List<WorkflowResult> results = harness.results();
    assertThat(results).hasSize(1);
    return results.get(0);
  }
}
