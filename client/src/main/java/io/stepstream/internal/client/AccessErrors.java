package io.stepstream.internal.client;

import io.stepstream.client.NotAuthorizedException;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;

/**
 * Turns Kafka's authentication and authorization errors into messages that say who was refused
 * what, on which topic or group, and which ACL would allow it (Kafka's own say "Not authorized to
 * access topics: [x]", without the principal or the operation).
 */
public final class AccessErrors {
  private static final Pattern USERNAME = Pattern.compile("username\\s*=\\s*\"([^\"]*)\"");
  private static final String DOCS = "docs/security.md";

  private AccessErrors() {}

  /**
   * The clear form of {@code error} if it is (or was caused by) an authentication or authorization
   * failure, else null.
   *
   * @param config the client properties in use (for the principal's name and the cluster)
   * @param operation what was tried, as an ACL operation ({@code WRITE}, {@code READ}, ...); null if
   *     not known (an engine's Kafka Streams thread reads and writes)
   * @param topic the topic it was tried on (used when Kafka's error does not name one); may be null
   * @param consequence what that means for the caller, e.g. "so the request of run r-1 was not sent"
   */
  public static RuntimeException describe(Throwable error, Map<String, ?> config, String operation, String topic, String consequence) {
    String principal = principal(config);
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof TopicAuthorizationException e) {
        Set<String> topics = e.unauthorizedTopics();
        String named = topics == null || topics.isEmpty() ? String.valueOf(topic) : String.join(", ", topics);
        String grant = operation == null
            ? "Grant the ACLs of its role on it"
            : "Grant it with: kafka-acls.sh --add --allow-principal " + principalOrPlaceholder(principal)
                + " --operation " + aclOperation(operation) + " --topic " + named;
        return new NotAuthorizedException(
            principal + " may not " + (operation == null ? "access" : operation) + " topic " + named
                + (consequence == null ? "" : ", " + consequence) + ". " + grant + " (the roles and their ACLs: " + DOCS + ")",
            operation == null ? "ACCESS" : operation, "topic " + named, error);
      }
      if (t instanceof GroupAuthorizationException e) {
        String group = e.groupId() == null ? "(see the cause)" : e.groupId();
        return new NotAuthorizedException(
            principal + " may not use consumer group " + group + (consequence == null ? "" : ", " + consequence)
                + ". Grant it with: kafka-acls.sh --add --allow-principal " + principalOrPlaceholder(principal)
                + " --operation Read --group " + group + " (" + DOCS + ")",
            "READ", "group " + group, error);
      }
      if (t instanceof TransactionalIdAuthorizationException) {
        return new NotAuthorizedException(
            principal + " may not use its transactional ids" + (consequence == null ? "" : ", " + consequence) + " (" + t.getMessage()
                + "). Grant WRITE on the transactional ids prefixed by the application id: kafka-acls.sh --add"
                + " --allow-principal " + principalOrPlaceholder(principal) + " --operation Write"
                + " --transactional-id <application id>- --resource-pattern-type prefixed (" + DOCS + ")",
            "WRITE", "transactional id", error);
      }
      if (t instanceof ClusterAuthorizationException) {
        return new NotAuthorizedException(
            principal + " was refused a cluster operation" + (consequence == null ? "" : ", " + consequence) + ": " + t.getMessage()
                + " (" + DOCS + ")",
            "CLUSTER", "cluster", error);
      }
      if (t instanceof AuthenticationException) {
        return new IllegalStateException(
            "could not authenticate to " + config.get("bootstrap.servers") + " as " + principal + ": " + t.getMessage()
                + (consequence == null ? "" : "; " + consequence)
                + ". Check the user name and password in sasl.jaas.config, sasl.mechanism, security.protocol and the truststore ("
                + DOCS + ")",
            error);
      }
    }
    return null;
  }

  /** {@link #describe} if it applies, else {@code fallback}. */
  public static RuntimeException describeOr(
      Throwable error, Map<String, ?> config, String operation, String topic, String consequence, RuntimeException fallback) {
    RuntimeException clear = describe(error, config, operation, topic, consequence);
    return clear != null ? clear : fallback;
  }

  /** {@code User:<name>} from a SASL/PLAIN or SCRAM JAAS config, else a description of where the principal comes from. */
  public static String principal(Map<String, ?> config) {
    Object jaas = config.get("sasl.jaas.config");
    if (jaas != null) {
      Matcher m = USERNAME.matcher(jaas.toString());
      if (m.find()) {
        return "User:" + m.group(1);
      }
    }
    Object protocol = config.get("security.protocol");
    if (protocol != null && protocol.toString().equalsIgnoreCase("SSL")) {
      return "this client's principal (from its TLS certificate)";
    }
    if (protocol == null || protocol.toString().equalsIgnoreCase("PLAINTEXT")) {
      return "this client (User:ANONYMOUS: no security.protocol/sasl settings in its Kafka properties)";
    }
    return "this client's principal";
  }

  private static String principalOrPlaceholder(String principal) {
    return principal.startsWith("User:") ? principal : "User:<principal>";
  }

  private static String aclOperation(String operation) {
    return operation.equals("DESCRIBE_CONFIGS") ? "DescribeConfigs"
        : operation.charAt(0) + operation.substring(1).toLowerCase(java.util.Locale.ROOT);
  }
}
