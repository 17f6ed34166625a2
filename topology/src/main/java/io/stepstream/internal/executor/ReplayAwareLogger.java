package io.stepstream.internal.executor;

import io.stepstream.WorkflowLogger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A {@link WorkflowLogger} that drops messages while the workflow code is being replayed. */
final class ReplayAwareLogger implements WorkflowLogger {
  static final String PREFIX = "io.stepstream.workflow.";

  private final Logger log;
  private final BooleanSupplier replaying;

  ReplayAwareLogger(String workflowType, BooleanSupplier replaying) {
    this.log = LoggerFactory.getLogger(PREFIX + workflowType);
    this.replaying = replaying;
  }

  @Override
  public void debug(String format, Object... args) {
    if (!replaying.getAsBoolean()) {
      log.debug(format, args);
    }
  }

  @Override
  public void info(String format, Object... args) {
    if (!replaying.getAsBoolean()) {
      log.info(format, args);
    }
  }

  @Override
  public void warn(String format, Object... args) {
    if (!replaying.getAsBoolean()) {
      log.warn(format, args);
    }
  }

  @Override
  public void error(String format, Object... args) {
    if (!replaying.getAsBoolean()) {
      log.error(format, args);
    }
  }
}
