package io.stepstream.internal.orchestrator;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.stepstream.internal.executor.ExecutorMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters and timings an operator looks at first; shared by all tasks of one instance. The counts
 * live here (plain atomics: {@code metricsSummary()}, JMX and tests read them) and are exported as
 * Micrometer meters under {@code stepstream.*} to the registry given, which may be an empty
 * composite (nothing exported). docs/operations.md ("Metrics and health") lists every meter.
 *
 * <p>Cardinality is bounded on purpose: tags are the application id, a workflow type (registered
 * types only), a final status, or an error/park code from a fixed vocabulary (at most {@value
 * #MAX_KEYS} distinct values per meter, the rest counted as {@code OTHER}). Never a run id or a step
 * name: runs are unbounded, and step names may carry loop indices ({@code "fetch-" + i}).
 */
public final class EngineMetrics implements ExecutorMetrics {
  static final int MAX_KEYS = 50;
  private static final Duration[] STEP_BUCKETS = seconds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300);
  private static final Duration[] LATENESS_BUCKETS = seconds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60);
  private static final Duration[] PUBLISH_BUCKETS = seconds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30);

  public final AtomicLong runsStarted = new AtomicLong();
  public final AtomicLong runsFinished = new AtomicLong();
  public final AtomicLong duplicateRequests = new AtomicLong();
  public final AtomicLong duplicateOutcomes = new AtomicLong();
  /** Records re-produced from the DLQ (carrying stepstream.redrive.from) that the engine handled. */
  public final AtomicLong redrivenRecords = new AtomicLong();
  public final AtomicLong staleOutcomes = new AtomicLong();
  public final AtomicLong deadLetters = new AtomicLong();
  public final AtomicLong resumedRuns = new AtomicLong();
  /** External records moved to their run's home partition (placed by a non-Java partitioner). */
  public final AtomicLong rerouted = new AtomicLong();
  public final AtomicLong timersFired = new AtomicLong();
  /** Finished runs removed from the stores after the retention window ({@link RunExpiry}). */
  public final AtomicLong runsExpired = new AtomicLong();
  /** Runs stored per task (refreshed by each task's tick; RocksDB's estimate until the task's resume scan counted them): the sum is what this instance holds. */
  private final ConcurrentMap<String, Long> storedRunsByTask = new ConcurrentHashMap<>();

  private final MeterRegistry registry;
  private final Tags tags;
  private final List<Meter> meters = new CopyOnWriteArrayList<>();
  private final Keyed finishedByStatus = new Keyed("stepstream.runs.finished", "status", "Runs that ended, by final status (one result each)");
  private final Keyed deadLettersByReason = new Keyed("stepstream.dlq.records", "reason", "Records the orchestrator sent to the DLQ, by error type");
  private final Keyed parkedByReason = new Keyed("stepstream.runs.parked", "reason", "Runs parked (stopped until an operator resumes them), by reason code");
  private final ConcurrentMap<String, Timer[]> stepTimers = new ConcurrentHashMap<>();
  /** Per workflow type: input tokens, output tokens, cost (ADR 0018). */
  private final ConcurrentMap<String, UsageMeters> usageByType = new ConcurrentHashMap<>();
  private final Timer timerLateness;
  private final Timer publishAcked;
  private final Timer publishFailed;

  /** Counts only; nothing is exported (tests, and engines without metrics). */
  public EngineMetrics() {
    this(new CompositeMeterRegistry(), Tags.empty());
  }

  public EngineMetrics(MeterRegistry registry, Tags tags) {
    this.registry = registry;
    this.tags = tags;
    counter("stepstream.runs.started", runsStarted, Tags.empty(), "Runs started by a request on this instance");
    counter("stepstream.requests.duplicate", duplicateRequests, Tags.empty(), "Requests for a run id that already existed (nothing started)");
    counter("stepstream.outcomes.ignored", duplicateOutcomes, Tags.of("reason", "duplicate"), IGNORED_HELP);
    counter("stepstream.outcomes.ignored", staleOutcomes, Tags.of("reason", "stale"), IGNORED_HELP);
    counter("stepstream.runs.resumed", resumedRuns, Tags.empty(), "Runs dispatched again after a restart, rebalance or lost execution");
    counter("stepstream.records.rerouted", rerouted, Tags.empty(), "External records moved to their run's home partition");
    counter("stepstream.timers.fired", timersFired, Tags.empty(), "Timers that woke a waiting run (sleeps, retry backoffs, deadlines)");
    counter("stepstream.runs.expired", runsExpired, Tags.empty(), "Finished runs removed from the stores after the retention window");
    meters.add(io.micrometer.core.instrument.Gauge.builder("stepstream.runs.stored", this, EngineMetrics::storedRuns).tags(tags)
        .description("Runs in this instance's stores (finished ones until the retention window removes them); counted at each task's resume scan, RocksDB's estimate before it")
        .register(registry));
    timerLateness = timer("stepstream.timer.lateness", Tags.empty(), LATENESS_BUCKETS, "How late a timer fired after its due time");
    publishAcked = timer("stepstream.outcome.publish", Tags.of("result", "acked"), PUBLISH_BUCKETS, "Step outcome send to broker acknowledgement");
    publishFailed = timer("stepstream.outcome.publish", Tags.of("result", "failed"), PUBLISH_BUCKETS, "Step outcome send to broker acknowledgement");
  }

  /** A result was written: the run ended with {@code status} (COMPLETED, FAILED, CANCELLED, TERMINATED). */
  void runFinished(String status) {
    runsFinished.incrementAndGet();
    finishedByStatus.increment(status);
  }

  void deadLetter(String reason) {
    deadLetters.incrementAndGet();
    deadLettersByReason.increment(reason);
  }

  /** A run was parked; {@code reason} is its code (NON_DETERMINISM, REDISPATCH_LIMIT, ...). */
  void runParked(String reason) {
    parkedByReason.increment(reason);
  }

  /** A task's run count (its runs store's estimate); {@code -1}: the task is closed here. */
  void storedRuns(String taskId, long count) {
    if (count < 0) {
      storedRunsByTask.remove(taskId);
    } else {
      storedRunsByTask.put(taskId, count);
    }
  }

  /** Runs stored by this instance's tasks (an estimate: RocksDB's, as of each task's last refresh). */
  public long storedRuns() {
    return storedRunsByTask.values().stream().mapToLong(Long::longValue).sum();
  }

  void timerFired(long lateByMs) {
    timersFired.incrementAndGet();
    timerLateness.record(Math.max(0, lateByMs), TimeUnit.MILLISECONDS);
  }

  @Override
  public void stepAttempt(String workflowType, boolean succeeded, long nanos) {
    Timer[] byOutcome = stepTimers.computeIfAbsent(workflowType, type -> new Timer[] {
        timer("stepstream.step.duration", Tags.of("workflow_type", type, "outcome", "succeeded"), STEP_BUCKETS, STEP_HELP),
        timer("stepstream.step.duration", Tags.of("workflow_type", type, "outcome", "failed"), STEP_BUCKETS, STEP_HELP)});
    byOutcome[succeeded ? 0 : 1].record(nanos, TimeUnit.NANOSECONDS);
  }

  /** A step attempt's usage was applied to a run of {@code workflowType} (once per journal entry; see {@link UsageTotals}). */
  void usage(String workflowType, long inputTokens, long outputTokens, double cost) {
    UsageMeters m = usageByType.computeIfAbsent(workflowType, UsageMeters::new);
    m.input.addAndGet(inputTokens);
    m.output.addAndGet(outputTokens);
    m.cost.add(cost);
  }

  /** Tokens counted for {@code workflowType}, {@code direction} "input" or "output" (0 if none). */
  public long usageTokens(String workflowType, String direction) {
    UsageMeters m = usageByType.get(workflowType);
    return m == null ? 0 : ("input".equals(direction) ? m.input : m.output).get();
  }

  /** Cost counted for {@code workflowType} (0 if none). */
  public double usageCost(String workflowType) {
    UsageMeters m = usageByType.get(workflowType);
    return m == null ? 0 : m.cost.sum();
  }

  private final class UsageMeters {
    final AtomicLong input = new AtomicLong();
    final AtomicLong output = new AtomicLong();
    final java.util.concurrent.atomic.DoubleAdder cost = new java.util.concurrent.atomic.DoubleAdder();

    UsageMeters(String type) {
      counter("stepstream.usage.tokens", input, Tags.of("workflow_type", type, "direction", "input"), USAGE_TOKENS_HELP);
      counter("stepstream.usage.tokens", output, Tags.of("workflow_type", type, "direction", "output"), USAGE_TOKENS_HELP);
      meters.add(FunctionCounter.builder("stepstream.usage.cost", cost, java.util.concurrent.atomic.DoubleAdder::sum)
          .tags(tags.and(Tags.of("workflow_type", type))).description("Cost steps reported (StepContext.reportUsage), by workflow type")
          .register(registry));
    }
  }

  private static final String USAGE_TOKENS_HELP = "Tokens steps reported (StepContext.reportUsage), by workflow type and direction (input, output)";

  private static final String IGNORED_HELP =
      "Step outcomes ignored: duplicate (already recorded) or stale (not of the run's current execution)";
  private static final String STEP_HELP = "Step attempts executed (not replayed), by workflow type: how long the step's code ran";

  @Override
  public void outcomePublished(boolean acknowledged, long nanos) {
    (acknowledged ? publishAcked : publishFailed).record(nanos, TimeUnit.NANOSECONDS);
  }

  public Map<String, Long> runsFinishedByStatus() {
    return finishedByStatus.snapshot();
  }

  public Map<String, Long> deadLettersByReason() {
    return deadLettersByReason.snapshot();
  }

  public Map<String, Long> runsParkedByReason() {
    return parkedByReason.snapshot();
  }

  /** Removes this instance's meters from the registry (the registry may outlive the engine). */
  public void unregister() {
    meters.forEach(registry::remove);
    meters.clear();
  }

  private void counter(String name, AtomicLong count, Tags extra, String help) {
    meters.add(FunctionCounter.builder(name, count, AtomicLong::doubleValue).tags(tags.and(extra)).description(help).register(registry));
  }

  private Timer timer(String name, Tags extra, Duration[] buckets, String help) {
    Timer timer = Timer.builder(name).tags(tags.and(extra)).serviceLevelObjectives(buckets).description(help).register(registry);
    meters.add(timer);
    return timer;
  }

  private static Duration[] seconds(double... values) {
    Duration[] d = new Duration[values.length];
    for (int i = 0; i < values.length; i++) {
      d[i] = Duration.ofNanos((long) (values[i] * 1e9));
    }
    return d;
  }

  @Override
  public String toString() {
    return "runsStarted=" + runsStarted + " runsFinished=" + runsFinished + " duplicateRequests=" + duplicateRequests
        + " duplicateOutcomes=" + duplicateOutcomes + " staleOutcomes=" + staleOutcomes + " deadLetters=" + deadLetters
        + " resumedRuns=" + resumedRuns + " rerouted=" + rerouted + " runsExpired=" + runsExpired + " storedRuns=" + storedRuns();
  }

  /** Counts by a key from a small vocabulary, each exported as one counter with the key as a tag. */
  private final class Keyed {
    private static final String OTHER = "OTHER";
    private final String name;
    private final String tag;
    private final String help;
    private final ConcurrentMap<String, AtomicLong> counts = new ConcurrentHashMap<>();

    Keyed(String name, String tag, String help) {
      this.name = name;
      this.tag = tag;
      this.help = help;
    }

    void increment(String key) {
      AtomicLong count = counts.get(key == null ? OTHER : key);
      if (count == null) {
        count = create(key == null || counts.size() >= MAX_KEYS ? OTHER : key);
      }
      count.incrementAndGet();
    }

    private synchronized AtomicLong create(String key) {
      return counts.computeIfAbsent(key, k -> {
        AtomicLong count = new AtomicLong();
        counter(name, count, Tags.of(tag, k), help);
        return count;
      });
    }

    Map<String, Long> snapshot() {
      Map<String, Long> copy = new TreeMap<>();
      counts.forEach((k, v) -> copy.put(k, v.get()));
      return copy;
    }
  }
}
