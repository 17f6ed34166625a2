package io.stepstream;

/**
 * A logger for workflow code that stays quiet while the code is being replayed, so each message
 * appears once per run however many times the code runs again (after a wait, a crash, a retry).
 * Messages use SLF4J's {@code {}} placeholders; the engine logs them under {@code
 * io.stepstream.workflow.<workflowType>} with the run id in the MDC ({@code runId}).
 *
 * <pre>{@code
 * // BAD: printed again on every replay of the run (after each approval, sleep or retry)
 * System.out.println("classified " + ticket.id());
 *
 * // GOOD: printed once
 * ctx.logger().info("classified {} as {}", ticket.id(), c.category());
 * }</pre>
 */
public interface WorkflowLogger {
  void debug(String format, Object... args);

  void info(String format, Object... args);

  void warn(String format, Object... args);

  void error(String format, Object... args);
}
