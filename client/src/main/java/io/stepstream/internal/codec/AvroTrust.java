package io.stepstream.internal.codec;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.util.ClassSecurityValidator;
import org.apache.avro.util.ClassSecurityValidator.ClassSecurityPredicate;

/**
 * Avro 1.12 refuses to instantiate classes it was not told to trust. We trust our own envelopes and
 * the Avro types that workflow code itself names as step or workflow types: nothing is trusted
 * because a record on a topic asked for it.
 */
final class AvroTrust {
  private static final String ENVELOPES = "io.stepstream.avro.";
  private static final Set<Class<?>> USER_TYPES = ConcurrentHashMap.newKeySet();

  static {
    ClassSecurityPredicate previous = ClassSecurityValidator.getGlobal();
    ClassSecurityValidator.setGlobal(
        c -> c.getName().startsWith(ENVELOPES) || USER_TYPES.contains(c) || previous.isTrusted(c));
  }

  private AvroTrust() {}

  static void ensureInstalled() {
    // the static initializer did the work
  }

  static void trust(Class<?> type) {
    USER_TYPES.add(type);
  }
}
