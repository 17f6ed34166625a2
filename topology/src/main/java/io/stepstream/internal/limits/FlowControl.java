package io.stepstream.internal.limits;

import io.stepstream.StepOptions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The limiters and key budgets an engine declared (the same on every instance). Executions ask it
 * whether a step needs a permit; the coordinator reads the limits from it.
 */
public final class FlowControl {
  /** Resource names of budget keys on the limits topic: this prefix and the key (limiter names cannot start with '$'). */
  public static final String BUDGET_PREFIX = "$budget:";
  public static final FlowControl NONE = new FlowControl(Map.of(), List.of());

  private final Map<String, LimiterSpec> limiters;
  private final List<KeyBudgetSpec> keyBudgets;

  public FlowControl(Map<String, LimiterSpec> limiters, List<KeyBudgetSpec> keyBudgets) {
    this.limiters = Collections.unmodifiableMap(new TreeMap<>(limiters));
    // the longest prefix wins
    List<KeyBudgetSpec> sorted = new ArrayList<>(keyBudgets);
    sorted.sort((a, b) -> Integer.compare(b.prefix().length(), a.prefix().length()));
    this.keyBudgets = List.copyOf(sorted);
  }

  public boolean isEmpty() {
    return limiters.isEmpty() && keyBudgets.isEmpty();
  }

  public LimiterSpec limiter(String name) {
    return limiters.get(name);
  }

  public java.util.Set<String> limiterNames() {
    return limiters.keySet();
  }

  /** The budget of {@code key} (longest matching prefix), or null if none applies. */
  public KeyBudgetSpec budgetFor(String key) {
    if (key == null) {
      return null;
    }
    for (KeyBudgetSpec b : keyBudgets) {
      if (key.startsWith(b.prefix())) {
        return b;
      }
    }
    return null;
  }

  /** True if a step with these options must be granted a permit before it runs. */
  public boolean needsPermit(StepOptions options) {
    return !options.limiters().isEmpty() || budgetFor(options.budgetKey()) != null;
  }

  /** Limiter names of {@code options} this engine did not declare (empty if all are). */
  public List<String> undeclared(StepOptions options) {
    return options.limiters().stream().filter(n -> !limiters.containsKey(n)).toList();
  }

  /**
   * What a step asks, in the order it is asked: its budget key first (a refusal then holds
   * nothing), then its limiters by name, so two steps never wait for each other's permits in
   * opposite orders (no deadlock).
   */
  public List<String> resources(List<String> stepLimiters, String budgetKey) {
    List<String> order = new ArrayList<>();
    if (budgetFor(budgetKey) != null) {
      order.add(BUDGET_PREFIX + budgetKey);
    }
    stepLimiters.stream().distinct().sorted().forEach(order::add);
    return order;
  }
}
