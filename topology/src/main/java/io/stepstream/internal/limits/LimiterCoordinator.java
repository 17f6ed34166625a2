package io.stepstream.internal.limits;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The limiters and key budgets of one partition of the limits topic (ADR 0019). Every instance
 * sends its steps' permit requests here, keyed by limiter name, so one task in the whole cluster
 * decides for each limiter; its state is in a changelog-backed store and it runs with exactly-once,
 * so a crash or a rebalance moves it without losing or doubling a permit.
 *
 * <p>Store keys: {@code L|<limiter>} the limiter's {@link LimiterState}; {@code Q|<limiter>|<priority><seq>}
 * a waiting request (priority inverted and both in fixed-width hex, so key order is grant order:
 * higher priority first, then first come); {@code H|<limiter>|<permitId>} a held permit with its
 * lease; {@code B|<key>} what a budget key spent in its period.
 *
 * <p>A wall-clock tick grants what the limits allow, from the head of each queue only (a large
 * request at the head is not overtaken by small ones behind it), and now and then takes back permits
 * whose lease ran out.
 */
public final class LimiterCoordinator implements Processor<String, byte[], String, byte[]> {
  private static final Logger LOG = LoggerFactory.getLogger(LimiterCoordinator.class);
  private static final StringSerializer KEYS = new StringSerializer();
  public static final Duration TICK = Duration.ofMillis(5);
  private static final long LEASE_SCAN_EVERY_MS = 1_000;

  private final FlowControl flow;
  private final String storeName;
  private final String limitsSink;
  private final String grantsSink;
  private ProcessorContext<String, byte[]> context;
  private KeyValueStore<String, String> store;
  /** Limiters with state in this task (waiting requests or held permits): what the tick looks at. */
  private final Set<String> active = new HashSet<>();
  /**
   * Per limiter, a key at or before its queue's head: reading the head from there skips the
   * tombstones granted requests leave in RocksDB until compaction (a read from the prefix would step
   * over every one granted so far, at every tick). Lowered when a request queues before it.
   * In memory only; missing after a restart (the first read starts at the prefix).
   */
  private final java.util.Map<String, String> queueFloor = new java.util.HashMap<>();
  /** Per limiter, the earliest time a tick can grant anything (rate or pause); releases and requests try at once anyway. */
  private final java.util.Map<String, Long> nextTry = new java.util.HashMap<>();
  private long nextLeaseScan;

  public LimiterCoordinator(FlowControl flow, String storeName, String limitsSink, String grantsSink) {
    this.flow = flow;
    this.storeName = storeName;
    this.limitsSink = limitsSink;
    this.grantsSink = grantsSink;
  }

  @Override
  public void init(ProcessorContext<String, byte[]> context) {
    this.context = context;
    this.store = context.getStateStore(storeName);
    try (KeyValueIterator<String, String> it = store.prefixScan("L|", KEYS)) {
      it.forEachRemaining(kv -> active.add(kv.key.substring(2)));
    }
    context.schedule(TICK, PunctuationType.WALL_CLOCK_TIME, this::tick);
  }

  @Override
  public void process(Record<String, byte[]> record) {
    LimitMessage m;
    try {
      m = LimitsJson.read(record.value(), LimitMessage.class);
    } catch (IllegalArgumentException e) {
      LOG.error("limits topic: dropping an undecodable record (key {}): {}", record.key(), e.getMessage());
      return;
    }
    long now = context.currentSystemTimeMs();
    switch (m.type()) {
      case LimitMessage.ACQUIRE -> acquire(m, now);
      case LimitMessage.RELEASE -> release(record.key(), m, now);
      case LimitMessage.DEBIT -> debit(record.key(), m, now);
      default -> LOG.error("limits topic: unknown record type {} (key {}); dropped", m.type(), record.key());
    }
  }

  // ---- acquire ----

  private void acquire(LimitMessage m, long now) {
    String resource = m.resource();
    if (resource.startsWith(FlowControl.BUDGET_PREFIX)) {
      checkBudget(resource.substring(FlowControl.BUDGET_PREFIX.length()), m, now);
      return;
    }
    LimiterSpec spec = flow.limiter(resource);
    if (spec == null) {
      refuse(m, PermitAnswer.UNKNOWN_LIMITER, "step '" + m.step() + "' of run " + m.runId() + " asked limiter '" + resource
          + "', which the engine instance coordinating it does not declare (declared: " + flow.limiterNames()
          + "); declare the same limiters on every instance", null, 0, 0, null);
      return;
    }
    LimiterState state = load(spec, now).nextSeq();
    String key = queueKey(resource, m.priority(), state.seq());
    store.put(key, LimitsJson.text(m.queued(now)));
    String floor = queueFloor.get(resource);
    if (floor != null && key.compareTo(floor) < 0) {
      queueFloor.put(resource, key);
    }
    save(resource, state);
    active.add(resource);
    grantWhatFits(spec, now);
  }

  private void checkBudget(String key, LimitMessage m, long now) {
    KeyBudgetSpec budget = flow.budgetFor(key);
    if (budget != null) {
      Spent spent = spent(key, budget, now);
      if (budget.exhaustedBy(spent.tokens(), spent.cost())) {
        refuse(m, PermitAnswer.BUDGET_EXCEEDED, "budget key '" + key + "' is used up", key, spent.tokens(), spent.cost(), budget);
        return;
      }
    }
    passOn(m, null, now);
  }

  /** Granted here: to the next resource of the chain, or, after the last, to the run. */
  private void passOn(LimitMessage m, String grantedHere, long now) {
    LimitMessage next = m.next(grantedHere);
    if (m.isLast()) {
      context.forward(new Record<>(m.runId(), LimitsJson.bytes(PermitAnswer.granted(m, next.held(), now)), now), grantsSink);
    } else {
      context.forward(new Record<>(next.resource(), LimitsJson.bytes(next), now), limitsSink);
    }
  }

  private void refuse(LimitMessage m, String why, String message, String key, long tokens, double cost, KeyBudgetSpec budget) {
    long now = context.currentSystemTimeMs();
    PermitAnswer answer = new PermitAnswer(m.runId(), m.permitName(), false, m.held(), why, message, key, tokens, cost,
        budget == null ? null : budget.maxTokens(), budget == null ? null : budget.maxCost(), now);
    context.forward(new Record<>(m.runId(), LimitsJson.bytes(answer), now), grantsSink);
  }

  // ---- granting ----

  private void tick(long now) {
    for (String name : new ArrayList<>(active)) {
      LimiterSpec spec = flow.limiter(name);
      if (spec == null) {
        continue; // no longer declared here: its waiting requests stay until it is again
      }
      if (now >= nextTry.getOrDefault(name, 0L)) {
        grantWhatFits(spec, now);
      }
    }
    if (now >= nextLeaseScan) {
      nextLeaseScan = now + LEASE_SCAN_EVERY_MS;
      for (String name : new ArrayList<>(active)) {
        reclaimExpired(name, now);
      }
    }
  }

  /** Grants from the head of the queue while the limits allow. */
  private void grantWhatFits(LimiterSpec spec, long now) {
    String name = spec.name();
    LimiterState state = load(spec, now).refilled(spec, now);
    boolean changed = false;
    boolean empty = false;
    nextTry.remove(name);
    while (true) {
      KeyValue<String, String> head = head(name);
      if (head == null) {
        empty = true;
        break;
      }
      LimitMessage m = LimitsJson.read(head.value, LimitMessage.class);
      if (state.blockedBy(spec, now, m.estimatedTokens()) != null) {
        nextTry.put(name, state.earliestGrant(spec, now, m.estimatedTokens()));
        break;
      }
      state = state.granted(spec, now, m.estimatedTokens(), m.queuedAt());
      changed = true;
      store.delete(head.key);
      store.put(holderKey(name, m.permitId()), LimitsJson.text(new Holder(m.runId(), now + spec.lease().toMillis(), m.estimatedTokens())));
      passOn(m, name, now);
    }
    if (changed) {
      save(name, state); // a refill alone is not saved: the next load computes it again from the same base
    }
    if (!changed && state.inFlight() == 0 && empty) {
      active.remove(name);
    }
  }

  private void reclaimExpired(String name, long now) {
    LimiterSpec spec = flow.limiter(name);
    if (spec == null) {
      return;
    }
    List<String> expired = new ArrayList<>();
    try (KeyValueIterator<String, String> it = store.prefixScan("H|" + name + "|", KEYS)) {
      while (it.hasNext()) {
        KeyValue<String, String> kv = it.next();
        if (LimitsJson.read(kv.value, Holder.class).leaseUntil() <= now) {
          expired.add(kv.key);
        }
      }
    }
    if (expired.isEmpty()) {
      return;
    }
    LimiterState state = load(spec, now);
    for (String key : expired) {
      LOG.warn("limiter '{}': permit {} was not released within its lease of {}; taken back (its holder is presumed gone)",
          name, key.substring(key.indexOf('|', 2) + 1), spec.lease());
      store.delete(key);
      state = state.reclaimed();
    }
    save(name, state);
    grantWhatFits(spec, now);
  }

  // ---- release and usage ----

  private void release(String limiter, LimitMessage m, long now) {
    LimiterSpec spec = flow.limiter(limiter);
    if (spec == null) {
      return;
    }
    LimiterState state = load(spec, now).refilled(spec, now);
    String key = holderKey(limiter, m.permitId());
    String held = store.get(key);
    if (held != null) {
      store.delete(key);
      state = state.released(spec, LimitsJson.read(held, Holder.class).reserved(), m.actualTokens());
    }
    if (m.pauseUntil() > now) {
      LOG.info("limiter '{}': paused until {} (step {} of run {} was rate limited)", limiter, java.time.Instant.ofEpochMilli(m.pauseUntil()),
          m.permitName(), m.runId());
      state = state.pausedUntil(m.pauseUntil());
    }
    save(limiter, state);
    active.add(limiter);
    grantWhatFits(spec, now);
  }

  private void debit(String resource, LimitMessage m, long now) {
    if (!resource.startsWith(FlowControl.BUDGET_PREFIX)) {
      return;
    }
    String key = resource.substring(FlowControl.BUDGET_PREFIX.length());
    KeyBudgetSpec budget = flow.budgetFor(key);
    if (budget == null) {
      return;
    }
    Spent spent = spent(key, budget, now);
    store.put("B|" + key, LimitsJson.text(new Spent(spent.periodStart(), spent.tokens() + m.tokens(), spent.cost() + m.cost())));
  }

  /** What {@code key} spent in the current period. */
  private Spent spent(String key, KeyBudgetSpec budget, long now) {
    String stored = store.get("B|" + key);
    long period = budget.periodStart(now);
    Spent spent = stored == null ? null : LimitsJson.read(stored, Spent.class);
    return spent == null || spent.periodStart() != period ? new Spent(period, 0, 0) : spent;
  }

  // ---- store ----

  private LimiterState load(LimiterSpec spec, long now) {
    String stored = store.get("L|" + spec.name());
    return stored == null ? LimiterState.fresh(spec, now) : LimitsJson.read(stored, LimiterState.class);
  }

  private void save(String name, LimiterState state) {
    store.put("L|" + name, LimitsJson.text(state));
  }

  /** The first waiting request of {@code limiter}, read from its floor on; the floor moves up to it. */
  private KeyValue<String, String> head(String limiter) {
    String prefix = "Q|" + limiter + "|";
    String from = queueFloor.getOrDefault(limiter, prefix);
    // '}' sorts after every hex digit: the end of this limiter's queue keys
    try (KeyValueIterator<String, String> it = store.range(from, prefix + "}")) {
      KeyValue<String, String> head = it.hasNext() ? it.next() : null;
      queueFloor.put(limiter, head == null ? from : head.key);
      return head;
    }
  }

  static String queueKey(String limiter, int priority, long seq) {
    long inverted = (long) Integer.MAX_VALUE - priority; // 0 .. 2^32-1: higher priority sorts first
    return String.format("Q|%s|%08x%016x", limiter, inverted, seq);
  }

  static String holderKey(String limiter, String permitId) {
    return "H|" + limiter + "|" + permitId;
  }

  /** A held permit: whose, until when, and the tokens reserved for it. */
  public record Holder(String runId, long leaseUntil, long reserved) {}

  /** A budget key's spending in the period that started at {@code periodStart}. */
  public record Spent(long periodStart, long tokens, double cost) {}

  /** For tests and operators: the state of limiter {@code name} in this store, or null. */
  public static LimiterState stateOf(KeyValueStore<String, String> store, String name) {
    String stored = store.get("L|" + name);
    return stored == null ? null : LimitsJson.read(stored, LimiterState.class);
  }
}
