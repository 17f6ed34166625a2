package io.stepstream.internal.executor;

import java.util.HashMap;
import java.util.Map;
import org.slf4j.MDC;

/**
 * What the engine puts in the SLF4J MDC, so every log line (the engine's and the workflow's own)
 * can be tied to its run and step: {@code stepstream.runId}, {@code stepstream.workflowType} and
 * {@code stepstream.step}. Set on the executor thread around workflow code and each step attempt,
 * and on the stream thread while it handles a record of a run; restored afterwards, so nothing
 * leaks into the next run a pooled thread serves.
 *
 * <pre>{@code
 * # slf4j-simple cannot print the MDC; with Logback, for example:
 * <pattern>%d %-5level [%X{stepstream.runId} %X{stepstream.step}] %logger - %msg%n</pattern>
 * }</pre>
 */
public final class LogContext implements AutoCloseable {
  public static final String RUN_ID = "stepstream.runId";
  public static final String WORKFLOW_TYPE = "stepstream.workflowType";
  public static final String STEP = "stepstream.step";

  private final Map<String, String> previous = new HashMap<>(4);

  private LogContext() {}

  /** The run (and its workflow type, if known) until {@link #close()}; nothing for a null or empty run id. */
  public static LogContext run(String runId, String workflowType) {
    LogContext scope = new LogContext();
    scope.put(RUN_ID, runId);
    if (workflowType != null) {
      scope.put(WORKFLOW_TYPE, workflowType);
    }
    return scope;
  }

  /** One step attempt of a run until {@link #close()}: on whichever thread the attempt runs. */
  public static LogContext step(String runId, String workflowType, String step) {
    LogContext scope = run(runId, workflowType);
    scope.put(STEP, step);
    return scope;
  }

  private void put(String key, String value) {
    if (value == null || value.isEmpty()) {
      return; // a record without a key, a resume marker: no run to name
    }
    previous.putIfAbsent(key, MDC.get(key));
    MDC.put(key, value);
  }

  /** Restores what the keys held before (usually nothing). */
  @Override
  public void close() {
    previous.forEach((key, value) -> {
      if (value == null) {
        MDC.remove(key);
      } else {
        MDC.put(key, value);
      }
    });
  }
}
