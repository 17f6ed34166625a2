package io.stepstream.internal.orchestrator;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Execution identities that never repeat: 64 random bits drawn once per JVM, then a counter. A
 * restarted or restored instance draws new random bits, so an id handed out in a transaction that was
 * later aborted is never handed out again (a counter kept in the state store would be: the store
 * rolls back with the transaction, the dead execution's outcomes would not).
 */
final class ExecutionIds {
  private static final String INCARNATION = Long.toHexString(new SecureRandom().nextLong() | Long.MIN_VALUE);
  private static final AtomicLong NEXT = new AtomicLong();

  private ExecutionIds() {}

  static String next() {
    return INCARNATION + "-" + Long.toHexString(NEXT.incrementAndGet());
  }
}
