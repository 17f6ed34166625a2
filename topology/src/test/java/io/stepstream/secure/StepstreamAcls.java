package io.stepstream.secure;

import io.stepstream.client.Topics;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The ACLs each Stepstream role needs, and no more: the one place they are written down in code.
 * {@code SecuredClusterIT} grants exactly these; docs/security.md lists the same (its
 * {@code kafka-acls.sh} commands are {@link #kafkaAclsCommands} of these bindings, checked by
 * {@code SecurityDocsTest}).
 *
 * <ul>
 *   <li><b>engine</b>: every topic of its prefix and its Kafka Streams internal topics (create them,
 *       read, write, describe their configuration for record sizes); its consumer group (the
 *       application id) and its transactional ids (prefixed by the application id, exactly-once v2).
 *       Idempotent producers need no cluster ACL: WRITE on a topic is enough (Kafka 3.0+).
 *   <li><b>client</b> ({@code WorkflowClient}: start, await, cancel, resume, signal, sessions, streams):
 *       write requests, signals and session messages; read results (the answer), events (duplicate
 *       starts, cancel/resume answers) and token streams; read and write claim-checked payloads.
 *       No consumer group: the client assigns partitions itself and commits nothing.
 *   <li><b>approver</b>: write approvals; read approval-requests (the token of a pending request,
 *       and which requests are still pending: resolved ones are written again with their resolution).
 *   <li><b>worker</b> (remote tasks of one queue): {@link #worker}.
 * </ul>
 */
public final class StepstreamAcls {
  private StepstreamAcls() {}

  public static List<AclBinding> engine(String principal, Topics topics, String applicationId) {
    List<AclBinding> acls = new ArrayList<>();
    for (String prefix : List.of(topics.prefix() + ".", applicationId + "-")) {
      for (AclOperation op : List.of(AclOperation.CREATE, AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE_CONFIGS)) {
        acls.add(allow(principal, ResourceType.TOPIC, prefix, PatternType.PREFIXED, op));
      }
    }
    acls.addAll(engineGroup(principal, applicationId));
    // Write implies Describe, as Read and Write do on topics
    acls.add(allow(principal, ResourceType.TRANSACTIONAL_ID, applicationId + "-", PatternType.PREFIXED, AclOperation.WRITE));
    return acls;
  }

  /**
   * For each topic workflows emit to ({@code Stepstream.Builder.emitTopics}): the user's topic, not
   * under the engine's prefix. Write implies the Describe that start()'s existence check needs.
   */
  public static List<AclBinding> engineEmitTopic(String principal, String topic) {
    return List.of(allow(principal, ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.WRITE));
  }

  /** The engine's consumer group: part of {@link #engine}, apart so a test can leave it out. */
  public static List<AclBinding> engineGroup(String principal, String applicationId) {
    return List.of(allow(principal, ResourceType.GROUP, applicationId, PatternType.LITERAL, AclOperation.READ));
  }

  public static List<AclBinding> client(String principal, Topics topics) {
    return List.of(
        allow(principal, ResourceType.TOPIC, topics.requests(), PatternType.LITERAL, AclOperation.WRITE),
        allow(principal, ResourceType.TOPIC, topics.signals(), PatternType.LITERAL, AclOperation.WRITE),
        // sessions (docs/sessions.md): messages for session handlers (sendToSession)
        allow(principal, ResourceType.TOPIC, topics.sessions(), PatternType.LITERAL, AclOperation.WRITE),
        allow(principal, ResourceType.TOPIC, topics.results(), PatternType.LITERAL, AclOperation.READ),
        allow(principal, ResourceType.TOPIC, topics.events(), PatternType.LITERAL, AclOperation.READ),
        // token streams (docs/streams.md): followStream reads a run's partial output
        allow(principal, ResourceType.TOPIC, topics.streams(), PatternType.LITERAL, AclOperation.READ),
        // claim checks (docs/large-payloads.md): large inputs written, claim-checked outputs read
        allow(principal, ResourceType.TOPIC, topics.payloads(), PatternType.LITERAL, AclOperation.WRITE),
        allow(principal, ResourceType.TOPIC, topics.payloads(), PatternType.LITERAL, AclOperation.READ));
  }

  public static List<AclBinding> approver(String principal, Topics topics) {
    return List.of(
        allow(principal, ResourceType.TOPIC, topics.approvals(), PatternType.LITERAL, AclOperation.WRITE),
        allow(principal, ResourceType.TOPIC, topics.approvalRequests(), PatternType.LITERAL, AclOperation.READ));
  }

  /**
   * A task worker of one queue (remote tasks, docs/clients.md): reads the queue's task records and
   * every cancel notice, writes outcomes and heartbeats to the signals topic, and is a member of its
   * group {@code <prefix>.workers.<queue>} (share group, or consumer group for clients without
   * share groups). AlterConfigs on the group lets the Java worker set the share group's
   * {@code share.auto.offset.reset} and {@code share.isolation.level} itself; leave it out if an
   * admin sets them.
   */
  public static List<AclBinding> worker(String principal, Topics topics, String queue) {
    String group = topics.prefix() + ".workers." + queue;
    return List.of(
        allow(principal, ResourceType.TOPIC, topics.tasks(queue), PatternType.LITERAL, AclOperation.READ),
        allow(principal, ResourceType.TOPIC, topics.taskCancels(), PatternType.LITERAL, AclOperation.READ),
        allow(principal, ResourceType.TOPIC, topics.signals(), PatternType.LITERAL, AclOperation.WRITE),
        allow(principal, ResourceType.GROUP, group, PatternType.LITERAL, AclOperation.READ),
        allow(principal, ResourceType.GROUP, group, PatternType.LITERAL, AclOperation.ALTER_CONFIGS));
  }

  /** The same bindings as {@code kafka-acls.sh} commands (one per binding), as docs/security.md shows them. */
  public static List<String> kafkaAclsCommands(List<AclBinding> acls) {
    List<String> commands = new ArrayList<>();
    for (AclBinding acl : acls) {
      ResourcePattern r = acl.pattern();
      String resource = switch (r.resourceType()) {
        case TOPIC -> "--topic " + r.name();
        case GROUP -> "--group " + r.name();
        case TRANSACTIONAL_ID -> "--transactional-id " + r.name();
        case CLUSTER -> "--cluster";
        default -> throw new IllegalArgumentException("no kafka-acls.sh option for " + r.resourceType());
      };
      String pattern = r.patternType() == PatternType.PREFIXED ? " --resource-pattern-type prefixed" : "";
      commands.add("kafka-acls.sh --bootstrap-server $BOOTSTRAP --command-config admin.properties --add --allow-principal "
          + acl.entry().principal() + " --operation " + operationName(acl.entry().operation()) + " " + resource + pattern);
    }
    return commands;
  }

  private static String operationName(AclOperation op) {
    return switch (op) {
      case DESCRIBE_CONFIGS -> "DescribeConfigs";
      case ALTER_CONFIGS -> "AlterConfigs";
      case IDEMPOTENT_WRITE -> "IdempotentWrite";
      default -> op.name().charAt(0) + op.name().substring(1).toLowerCase(java.util.Locale.ROOT);
    };
  }

  private static AclBinding allow(String principal, ResourceType type, String name, PatternType pattern, AclOperation op) {
    return new AclBinding(new ResourcePattern(type, name, pattern), new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW));
  }
}
