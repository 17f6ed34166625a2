package io.stepstream.internal.worker;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.AuthorizationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The share group's configuration, set through Admin at start. A share group starts at the latest offset and
 * reads uncommitted (even aborted) transactional records unless told otherwise; the engine writes tasks in
 * transactions, so the group needs {@code share.auto.offset.reset=earliest} and
 * {@code share.isolation.level=read_committed}.
 */
final class GroupSettings {

  private static final Logger log = LoggerFactory.getLogger(GroupSettings.class);

  static final Map<String, String> REQUIRED = Map.of(
      "share.auto.offset.reset", "earliest",
      "share.isolation.level", "read_committed");

  private GroupSettings() {
  }

  /** Sets {@link #REQUIRED} on {@code groupId}; logs (does not throw) when the worker may not. */
  static boolean apply(Map<String, Object> clientSettings, String groupId) throws InterruptedException {
    Map<String, Object> props = new HashMap<>(clientSettings);
    props.keySet().retainAll(AdminClientConfig.configNames());
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    ConfigResource group = new ConfigResource(ConfigResource.Type.GROUP, groupId);
    List<AlterConfigOp> ops = REQUIRED.entrySet().stream()
        .map(e -> new AlterConfigOp(new ConfigEntry(e.getKey(), e.getValue()), AlterConfigOp.OpType.SET))
        .toList();
    try (Admin admin = Admin.create(props)) {
      admin.incrementalAlterConfigs(Map.of(group, ops)).all().get(30, TimeUnit.SECONDS);
      log.info("share group {}: set {}", groupId, REQUIRED);
      return true;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof AuthorizationException) {
        log.error("share group {}: NOT ALLOWED to set {} ({}). Grant ALTER_CONFIGS on the group, or set them once by hand "
            + "(kafka-configs --alter --entity-type groups --entity-name {} --add-config share.auto.offset.reset=earliest,"
            + "share.isolation.level=read_committed); without them the group starts at the latest offset and "
            + "may see tasks of aborted transactions", groupId, REQUIRED, e.getCause().getMessage(), groupId);
      } else {
        log.error("share group {}: could not set {}: {}", groupId, REQUIRED, e.getCause().toString());
      }
      return false;
    } catch (java.util.concurrent.TimeoutException e) {
      log.error("share group {}: setting {} timed out after 30 s", groupId, REQUIRED);
      return false;
    }
  }
}
