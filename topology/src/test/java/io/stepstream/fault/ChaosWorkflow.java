package io.stepstream.fault;

import io.stepstream.DurableFuture;
import io.stepstream.Workflow;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The nondeterministic workflows of the fault suite (RELIABILITY.md, "lessons"): counting results
 * alone hides a run whose journal mixes two executions, so step {@code a} returns a fresh random UUID
 * each time it executes and every later step derives its value from what the execution saw:
 *
 * <pre>
 *   a = random UUID          b = "b(" + a + ")"          c = "c(" + b + ")"        result {a, b, c}
 * </pre>
 *
 * A result or journal in which {@code b} does not wrap {@code a} (or {@code c} does not wrap
 * {@code b}) was stitched together from different executions. Each step records
 * {@code <step> <runId>/<step> <value>} in the {@link EffectsLog}, so the checker also knows every
 * value any execution ever produced, and under which idempotency key.
 */
public final class ChaosWorkflow {
  /** a, b, c. */
  public static final String CHAIN = "chaos";
  /** a, then waits for the event {@link #SIGNAL} (payload {@link #SIGNAL_DATA}), then b, c. */
  public static final String SIGNALLED = "chaos-signal";
  public static final String SIGNAL = "go";
  public static final String SIGNAL_DATA = "go";
  /** The chain, each step emitting its value to a user topic, and the workflow a last record ({@link #emitting}). */
  public static final String EMITTING = "chaos-emit";
  /** The chain whose first value comes from a remote task {@code t} (a worker's fresh UUID): {@link #remote}. */
  public static final String REMOTE = "chaos-remote";

  /** The output of both workflow types. */
  public record Chain(String a, String b, String c) {}

  private ChaosWorkflow() {}

  public static String b(String a) {
    return "b(" + a + ")";
  }

  public static String c(String b) {
    return "c(" + b + ")";
  }

  /**
   * The three-step chain. Each step first sleeps a random 0..{@code maxDelayMs} ms (a slow external
   * call: keeps executions in flight when an instance is killed or paused), then records its effect.
   */
  public static Workflow<String, Chain> chain(EffectsLog effects, long maxDelayMs) {
    return (ctx, input) -> {
      String a = ctx.step("a", String.class, s -> effect(effects, maxDelayMs, s.stepName(), s.idempotencyKey(), UUID.randomUUID().toString()));
      String b = ctx.step("b", String.class, s -> effect(effects, maxDelayMs, s.stepName(), s.idempotencyKey(), b(a)));
      String c = ctx.step("c", String.class, s -> effect(effects, maxDelayMs, s.stepName(), s.idempotencyKey(), c(b)));
      return new Chain(a, b, c);
    };
  }

  /**
   * The chain with parallel steps: {@code a} runs beside a sibling branch {@code x} (a random UUID
   * too), then {@code b} beside {@code y = y(x)}, then {@code c}. Same output and invariants as
   * {@link #chain}; branch outcomes are checkpointed while siblings still run, which is the window a
   * kill should hit.
   */
  public static Workflow<String, Chain> parallelChain(EffectsLog effects, long maxDelayMs) {
    return (ctx, input) -> {
      DurableFuture<String> a = ctx.stepAsync("a", String.class, s -> effect(effects, maxDelayMs, s.stepName(), s.idempotencyKey(), UUID.randomUUID().toString()));
      DurableFuture<String> x = ctx.stepAsync("x", String.class, s -> effect(effects, maxDelayMs, s.stepName(), s.idempotencyKey(), UUID.randomUUID().toString()));
      String av = a.get();
      DurableFuture<String> b = ctx.stepAsync("b", String.class, s -> effect(effects, maxDelayMs, s.stepName(), s.idempotencyKey(), b(av)));
      String xv = x.get();
      DurableFuture<String> y = ctx.stepAsync("y", String.class, s -> effect(effects, maxDelayMs, s.stepName(), s.idempotencyKey(), "y(" + xv + ")"));
      String bv = b.get();
      String c = ctx.step("c", String.class, s -> effect(effects, maxDelayMs, s.stepName(), s.idempotencyKey(), c(bv)));
      if (!y.get().equals("y(" + xv + ")")) {
        throw new IllegalStateException("run " + ctx.runId() + ": branch y saw another x than this execution: " + y.get() + " vs " + xv);
      }
      return new Chain(av, bv, c);
    };
  }

  /** The child of {@link #withChild}: one step {@code k = "k(" + a + ")"}; returns {@code Chain(a, k, "")}. */
  public static final String KID = "chaos-kid";

  public static Workflow<String, Chain> kid(long maxDelayMs) {
    return (ctx, a) -> new Chain(a, ctx.step("k", String.class, s -> {
      if (maxDelayMs > 0) {
        Thread.sleep(ThreadLocalRandom.current().nextLong(maxDelayMs + 1));
      }
      return "k(" + a + ")";
    }), "");
  }

  /**
   * The chain with a child run between a and b: the parent starts {@link #KID} with {@code a} and
   * awaits it (parked, the child on whichever instance owns its partition), checks the child saw this
   * execution's {@code a}, then runs b and c. Same output and invariants as {@link #chain}; the
   * windows a kill should hit are the child's start (written by the parent's transaction) and its
   * result travelling back (written by the child's).
   */
  public static Workflow<String, Chain> withChild(EffectsLog effects, long maxDelayMs) {
    return (ctx, input) -> {
      String a = ctx.step("a", String.class, s -> effect(effects, maxDelayMs, s.stepName(), s.idempotencyKey(), UUID.randomUUID().toString()));
      Chain kid = ctx.startChild("kid", KID, a, Chain.class).get();
      if (!kid.a().equals(a) || !kid.b().equals("k(" + a + ")")) {
        throw new IllegalStateException("run " + ctx.runId() + ": its child saw another a than this execution: " + kid + " vs a=" + a);
      }
      String b = ctx.step("b", String.class, s -> effect(effects, maxDelayMs, s.stepName(), s.idempotencyKey(), b(a)));
      String c = ctx.step("c", String.class, s -> effect(effects, maxDelayMs, s.stepName(), s.idempotencyKey(), c(b)));
      return new Chain(a, b, c);
    };
  }

  /**
   * Like {@link #chain}, and every step emits its value to {@code topic} (key: the run id) before it
   * returns it, and the workflow then emits {@code "done " + c}: so each run's records, if written
   * exactly once and only with the journaled result, are a, b, c and "done c" of its result.
   */
  public static Workflow<String, Chain> emitting(EffectsLog effects, long maxDelayMs, String topic) {
    return (ctx, input) -> {
      String a = ctx.step("a", String.class, s -> emitted(s, topic, effect(effects, maxDelayMs, s.stepName(), s.idempotencyKey(), UUID.randomUUID().toString())));
      String b = ctx.step("b", String.class, s -> emitted(s, topic, effect(effects, maxDelayMs, s.stepName(), s.idempotencyKey(), b(a))));
      String c = ctx.step("c", String.class, s -> emitted(s, topic, effect(effects, maxDelayMs, s.stepName(), s.idempotencyKey(), c(b))));
      ctx.emit(topic, ctx.runId(), "done " + c);
      return new Chain(a, b, c);
    };
  }

  private static String emitted(io.stepstream.StepContext s, String topic, String value) {
    s.emit(topic, s.runId(), value);
    return value;
  }

  /** Like {@link #chain}, with a wait for an external event between a and b (signal-with-start). */
  public static Workflow<String, Chain> signalled(EffectsLog effects, long maxDelayMs) {
    return (ctx, input) -> {
      String a = ctx.step("a", String.class, s -> effect(effects, maxDelayMs, s.stepName(), s.idempotencyKey(), UUID.randomUUID().toString()));
      String go = ctx.awaitEvent(SIGNAL, String.class, Duration.ofMinutes(10));
      if (!SIGNAL_DATA.equals(go)) {
        throw new IllegalStateException("run " + ctx.runId() + " received event " + SIGNAL + " with data '" + go + "', expected '" + SIGNAL_DATA + "'");
      }
      String b = ctx.step("b", String.class, s -> effect(effects, maxDelayMs, s.stepName(), s.idempotencyKey(), b(a)));
      String c = ctx.step("c", String.class, s -> effect(effects, maxDelayMs, s.stepName(), s.idempotencyKey(), c(b)));
      return new Chain(a, b, c);
    };
  }

  private static String effect(EffectsLog effects, long maxDelayMs, String step, String key, String value) throws InterruptedException {
    if (maxDelayMs > 0) {
      Thread.sleep(ThreadLocalRandom.current().nextLong(maxDelayMs + 1));
    }
    effects.record(step, key, value);
    return value;
  }

  /**
   * Like {@link #chain}, but {@code a}'s value comes from the remote task {@code t} on {@code queue},
   * which a worker answers with a fresh UUID: step {@code a} merely records it (so the checker's
   * journal rules apply unchanged), and the run's result must carry the one outcome the engine
   * applied for the task's single committed task record.
   */
  public static Workflow<String, Chain> remote(EffectsLog effects, long maxDelayMs, String queue) {
    return (ctx, input) -> {
      String t = ctx.task("t", queue, input, String.class, io.stepstream.TaskOptions.defaults().withTimeout(Duration.ofMinutes(5)));
      String a = ctx.step("a", String.class, s -> effect(effects, maxDelayMs, s.stepName(), s.idempotencyKey(), t));
      String b = ctx.step("b", String.class, s -> effect(effects, maxDelayMs, s.stepName(), s.idempotencyKey(), b(a)));
      String c = ctx.step("c", String.class, s -> effect(effects, maxDelayMs, s.stepName(), s.idempotencyKey(), c(b)));
      return new Chain(a, b, c);
    };
  }
}
