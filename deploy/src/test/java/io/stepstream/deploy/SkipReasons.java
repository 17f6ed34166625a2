package io.stepstream.deploy;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

/**
 * Prints why a test or class was skipped, so the build log says "no Docker" (or "no kubectl") next
 * to the skip count instead of only in the XML report. Registered through META-INF/services.
 */
public final class SkipReasons implements TestExecutionListener {
  @Override
  public void executionSkipped(TestIdentifier test, String reason) {
    System.out.println("SKIPPED " + test.getDisplayName() + ": " + reason);
  }

  @Override
  public void executionFinished(TestIdentifier test, TestExecutionResult result) {
    if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
      System.out.println("SKIPPED " + test.getDisplayName() + ": " + result.getThrowable().map(Throwable::getMessage).orElse("aborted"));
    }
  }
}
