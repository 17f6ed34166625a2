package io.stepstream.testing;

import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.simple.SimpleServiceProvider;
import org.slf4j.spi.MDCAdapter;

/**
 * slf4j-simple with a working MDC (slf4j-simple's own is a no-op, so nothing the engine puts in the
 * MDC could be observed). Chosen for this module's unit tests by {@code -Dslf4j.provider} in the
 * surefire configuration.
 */
public final class SimpleLoggerWithMdc extends SimpleServiceProvider {
  private final MDCAdapter mdc = new BasicMDCAdapter();

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdc;
  }
}
