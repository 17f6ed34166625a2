package io.stepstream.internal.engine;

import io.stepstream.internal.executor.EmitTopics;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;

/**
 * The topics workflows emit to are the user's: the engine checks at start that they exist and never
 * creates them (a typo must not create a topic with broker defaults that nobody reads). Checking
 * here, not on the stream thread, also keeps a send from waiting for metadata of a missing topic.
 */
public final class EmitTopicCheck {
  private EmitTopicCheck() {}

  /** @throws IllegalStateException naming every declared topic that does not exist (or that this principal may not see) */
  public static void requireExisting(Admin admin, EmitTopics declared, String cluster) throws InterruptedException {
    if (declared.isEmpty()) {
      return;
    }
    Set<String> existing;
    try {
      existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("could not list the topics of " + cluster + " to check the emit topics " + declared + ": " + e, e);
    }
    Set<String> missing = new TreeSet<>(declared.names());
    missing.removeAll(existing);
    if (!missing.isEmpty()) {
      throw new IllegalStateException("the emit topics " + missing + " do not exist on " + cluster + " (or this engine's principal may"
          + " not DESCRIBE them): create them (the engine never creates the topics workflows emit to) and grant the engine principal"
          + " WRITE and DESCRIBE on them (docs/security.md), or remove them from emitTopics(...) / --emit-topic");
    }
  }
}
