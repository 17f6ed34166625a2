package io.stepstream.loadtest;

import io.stepstream.Approval;
import io.stepstream.ApprovalRequest;
import io.stepstream.engine.Stepstream;
import io.stepstream.Workflow;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The benchmark workflows. Every engine started for benchmarks (the embedded one of {@link
 * LoadGenerator} and {@link BenchEngine}) registers all of them, so one engine serves every scenario.
 */
public enum Scenario {
  NOOP_3("noop-3", 3, 0, "three steps that return a constant: the engine's own overhead per run and per step"),
  NOOP_10("noop-10", 10, 0, "ten steps that return a constant: how the per-step cost adds up"),
  SLOW_STEPS(
      "slow-steps", 3, 2000,
      "three steps that each sleep 2 s, like an LLM call: concurrency of in-flight steps (needs executorThreads >= in-flight steps)"),
  APPROVALS(
      "approvals", 2, 0,
      "step `prepare`, then a durable wait for approval `ok` answered by an auto-approver in its own JVM (reads the approval"
          + " requests, signs each decision with the shared secret), then step `apply`: the approval round trip through Kafka"
          + " on top of the engine's own cost");

  /** Executor threads the embedded engine gets for {@link #SLOW_STEPS} unless --executor-threads says otherwise. */
  public static final int SLOW_STEPS_EXECUTOR_THREADS = 1200;

  /**
   * The approval secret of benchmark engines unless told otherwise ({@code --approval-secret} or
   * {@code $STEPSTREAM_APPROVAL_SECRET}): the auto-approver of {@link #APPROVALS} signs its decisions
   * with it. A benchmark secret, not a credential: benchmark engines are throwaway.
   */
  public static final String BENCH_APPROVAL_SECRET = "stepstream-bench-approval-secret";

  /** The approval every {@link #APPROVALS} run waits for. */
  public static final String APPROVAL_NAME = "ok";

  private final String id;
  private final int steps;
  private final long stepSleepMs;
  private final String description;

  Scenario(String id, int steps, long stepSleepMs, String description) {
    this.id = id;
    this.steps = steps;
    this.stepSleepMs = stepSleepMs;
    this.description = description;
  }

  public String id() {
    return id;
  }

  /** The workflow type this scenario's runs are started with. */
  public String workflowType() {
    return "bench-" + id;
  }

  public int stepsPerRun() {
    return steps;
  }

  public long stepSleepMs() {
    return stepSleepMs;
  }

  public String description() {
    return description;
  }

  /** The output every run of this scenario must complete with (null: not checked). */
  public String expectedOutput() {
    return this == APPROVALS ? "approved" : null;
  }

  /** Whether the runs wait for the auto-approver ({@link AutoApprover}, in its own JVM). */
  public boolean needsApprover() {
    return this == APPROVALS;
  }

  /**
   * The workflow: {@code steps} named steps, each returning a constant (after sleeping, for
   * slow-steps); for approvals, {@code prepare}, a wait for approval {@code ok}, {@code apply}.
   */
  public Workflow<String, String> workflow() {
    if (this == APPROVALS) {
      return (ctx, input) -> {
        ctx.step("prepare", String.class, s -> "prepared");
        Approval a = ctx.awaitApproval(APPROVAL_NAME, ApprovalRequest.of("apply " + input + "?"), Duration.ofMinutes(10));
        return ctx.step("apply", String.class, s -> a.approved() ? "approved" : "rejected");
      };
    }
    int n = steps;
    long sleep = stepSleepMs;
    return (ctx, input) -> {
      String last = null;
      for (int i = 1; i <= n; i++) {
        last = ctx.step("step-" + i, String.class, s -> {
          if (sleep > 0) {
            Thread.sleep(sleep);
          }
          return "ok";
        });
      }
      return last;
    };
  }

  /** Registers every scenario's workflow. */
  public static Stepstream.Builder registerAll(Stepstream.Builder builder) {
    for (Scenario s : values()) {
      builder.register(s.workflowType(), String.class, s.workflow());
    }
    return builder;
  }

  public static Scenario parse(String id) {
    String wanted = id.trim().toLowerCase(Locale.ROOT);
    for (Scenario s : values()) {
      if (s.id.equals(wanted) || s.name().equalsIgnoreCase(wanted)) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown scenario '" + id + "'; one of " + ids());
  }

  public static String ids() {
    return Arrays.stream(values()).map(Scenario::id).collect(Collectors.joining(", "));
  }

  /** For a stable order in reports. */
  public static int orderOf(String id) {
    for (Scenario s : values()) {
      if (s.id.equals(id)) {
        return s.ordinal();
      }
    }
    return values().length;
  }
}
