package io.stepstream.internal.orchestrator;

import io.stepstream.avro.RunState;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The W3C trace context of the runs one task handles, for the records they produce (results,
 * events, approval requests): every such record carries its run's. A run's context never changes
 * once it exists, so the contexts of recently seen runs are kept here instead of reading the run
 * state again for every event; only a run not seen lately is read.
 */
final class RunTraces {
  private static final int CAPACITY = 4_096;
  private static final Map<String, String> NONE = Map.of();

  private final Function<String, RunState> load;
  private final Map<String, Map<String, String>> recent =
      new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Map<String, String>> eldest) {
          return size() > CAPACITY;
        }
      };

  RunTraces(Function<String, RunState> load) {
    this.load = load;
  }

  void remember(RunState state) {
    if (state != null) {
      Map<String, String> trace = state.getTraceHeaders();
      recent.put(state.getRunId(), trace == null || trace.isEmpty() ? NONE : trace);
    }
  }

  /** The run was removed (expired): a new run under its id has its own context. */
  void forget(String runId) {
    recent.remove(runId);
  }

  /** The run's trace headers, or null if it has none or does not exist. */
  Map<String, String> of(String runId) {
    if (runId == null) {
      return null;
    }
    Map<String, String> trace = recent.get(runId);
    if (trace == null) {
      RunState state = load.apply(runId);
      if (state == null) {
        return null; // not cached: the run may start later (an early input)
      }
      remember(state);
      trace = recent.get(runId);
    }
    return trace == NONE ? null : trace;
  }
}
