package io.stepstream.secure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.stepstream.ApprovalRequest;
import io.stepstream.RunResult;
import io.stepstream.avro.AuditEventType;
import io.stepstream.client.NotAuthorizedException;
import io.stepstream.client.RunHandle;
import io.stepstream.client.Topics;
import io.stepstream.client.WorkflowClient;
import io.stepstream.engine.Stepstream;
import io.stepstream.internal.client.TopicScanner;
import io.stepstream.internal.codec.Envelopes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.acl.AclBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stepstream on a secured cluster: SASL_SSL (SCRAM-SHA-512 over TLS) and StandardAuthorizer ACLs
 * with nothing allowed by default. Three principals get exactly the ACLs of their role
 * ({@link StepstreamAcls}); each can do its job, and each refused operation fails at once with a
 * message naming the principal, the topic or group and the missing ACL, and writes nothing (checked
 * by reading the topics back as the admin).
 */
@Timeout(180)
class SecuredClusterIT {
  static final Topics TOPICS = Topics.withPrefix("sec");
  static final String APPLICATION_ID = "sec-engine";
  static final String SECRET = "secured-cluster-approval-secret";
  static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir static Path dir;
  static SecuredBroker kafka;
  static Stepstream engine;
  static final Map<String, String> passwords = new java.util.HashMap<>();

  @BeforeAll
  @Timeout(300) // certificates, broker, users, ACLs and the engine, on a busy machine
  static void start() throws Exception {
    kafka = SecuredBroker.start(dir);
    for (String user : List.of("engine", "client", "approver", "engine-without-group")) {
      passwords.put(user, SecuredBroker.randomPassword());
      kafka.addUser(user, passwords.get(user));
    }
    List<AclBinding> acls = new ArrayList<>();
    acls.addAll(StepstreamAcls.engine("User:engine", TOPICS, APPLICATION_ID));
    acls.addAll(StepstreamAcls.client("User:client", TOPICS));
    acls.addAll(StepstreamAcls.approver("User:approver", TOPICS));
    // every engine ACL but its consumer group's
    List<AclBinding> withoutGroup = new ArrayList<>(StepstreamAcls.engine("User:engine-without-group", TOPICS, APPLICATION_ID));
    withoutGroup.removeAll(StepstreamAcls.engineGroup("User:engine-without-group", APPLICATION_ID));
    acls.addAll(withoutGroup);
    kafka.allow(acls);

    engine = engineAs("engine", passwords.get("engine"), dir.resolve("engine-state")).build().start();
  }

  static Stepstream.Builder engineAs(String user, String password, Path state) {
    return Stepstream.builder()
        .kafkaProperties(kafka.clientProperties(user, password))
        .topicPrefix(TOPICS.prefix())
        .applicationId(APPLICATION_ID)
        .stateDir(state)
        .partitions(3)
        .approvalSecret(SECRET)
        .register("greet", String.class, (ctx, name) -> ctx.step("hello", String.class, s -> "hello " + name))
        .register("review", String.class, (ctx, in) -> {
          var a = ctx.awaitApproval("go-live", ApprovalRequest.of("Publish " + in + "?").approvers("alice"), Duration.ofHours(1));
          return (a.approved() ? "published " : "kept ") + in + " (" + a.approver() + ")";
        });
  }

  static WorkflowClient clientAs(String user, String password) {
    return WorkflowClient.builder().kafkaProperties(kafka.clientProperties(user, password)).topicPrefix(TOPICS.prefix()).build();
  }

  static WorkflowClient clientAs(String user) {
    return clientAs(user, passwords.get(user));
  }

  @AfterAll
  static void stop() {
    if (engine != null) {
      engine.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void theClientPrincipalStartsARunThatTheEnginePrincipalRunsAndGetsItsResult() {
    try (WorkflowClient client = clientAs("client")) {
      RunResult result = client.start("greet", "greet-1", "ada").await(WAIT);

      assertThat(result.output(String.class)).isEqualTo("hello ada");
      assertThat(client.findResult("greet-1", WAIT)).as("looked up on the results topic").isPresent();
    }
  }

  @Test
  void theApproverPrincipalApprovesWithTheTokenOfThePendingRequest() {
    try (WorkflowClient client = clientAs("client"); WorkflowClient approver = clientAs("approver")) {
      RunHandle run = client.start("review", "review-1", "the post");
      await().atMost(WAIT).until(() -> keysOn(TOPICS.approvalRequests()).contains("review-1"));

      approver.approve("review-1", "go-live", "alice", "fine"); // token read from the approval request

      assertThat(run.await(WAIT).output(String.class)).isEqualTo("published the post (alice)");
    }
  }

  @Test
  void theApproverPrincipalCannotStartARunAndNothingIsWritten() {
    try (WorkflowClient approver = clientAs("approver")) {
      assertThatThrownBy(() -> approver.start("greet", "denied-start-1", "mallory"))
          .satisfies(SecuredClusterIT::show)
          .isInstanceOf(NotAuthorizedException.class)
          .hasMessageContaining("User:approver may not WRITE topic sec.requests")
          .hasMessageContaining("denied-start-1 was not sent")
          .hasMessageContaining("--operation Write --topic sec.requests");
      assertThatThrownBy(() -> approver.awaitResult("greet-1", WAIT))
          .satisfies(SecuredClusterIT::show)
          .as("nor read results")
          .isInstanceOf(NotAuthorizedException.class)
          .hasMessageContaining("User:approver may not READ topic sec.results");
      assertThat(approver.pendingApprovals(WAIT))
          .as("listing pending approvals needs nothing beyond the approver's ACLs: one topic")
          .allSatisfy(p -> assertThat(p.runId()).isNotEqualTo("denied-start-1"));
    }
    assertThat(keysOn(TOPICS.requests())).doesNotContain("denied-start-1");
    assertThat(keysOn(TOPICS.events())).doesNotContain("denied-start-1");
  }

  @Test
  void theClientPrincipalCannotDecideAnApprovalAndTheRunStillWaits() {
    try (WorkflowClient client = clientAs("client");
        WorkflowClient clientWithSecret = WorkflowClient.builder()
            .kafkaProperties(kafka.clientProperties("client", passwords.get("client")))
            .topicPrefix(TOPICS.prefix())
            .approvalSecret(SECRET) // knowing the secret is not enough: the ACL decides who may write decisions
            .build()) {
      client.start("review", "review-denied", "the draft");
      await().atMost(WAIT).until(() -> keysOn(TOPICS.approvalRequests()).contains("review-denied"));

      assertThatThrownBy(() -> client.approve("review-denied", "go-live", "alice", "me too"))
          .satisfies(SecuredClusterIT::show)
          .isInstanceOf(NotAuthorizedException.class)
          .hasMessageContaining("User:client may not READ topic sec.approval-requests")
          .hasMessageContaining("no decision was sent");
      assertThatThrownBy(() -> clientWithSecret.approve("review-denied", "go-live", "alice", "me too"))
          .satisfies(SecuredClusterIT::show)
          .isInstanceOf(NotAuthorizedException.class)
          .hasMessageContaining("User:client may not WRITE topic sec.approvals")
          .hasMessageContaining("nothing was written");

      assertThat(keysOn(TOPICS.approvals())).doesNotContain("review-denied");
      assertThat(eventTypes("review-denied")).contains(AuditEventType.RUN_WAITING).doesNotContain(AuditEventType.APPROVAL_DECIDED);
      assertThat(client.findResult("review-denied", WAIT)).as("the run still waits").isEmpty();
    }
  }

  @Test
  void aWrongPasswordIsRefusedClearlyByTheClientAndTheEngine() {
    assertThatThrownBy(() -> clientAs("client", "not-the-password"))
        .satisfies(SecuredClusterIT::show)
        .hasMessageContaining("could not authenticate to " + kafka.bootstrapServers() + " as User:client")
        .hasMessageContaining("sasl.jaas.config");

    assertThatThrownBy(() -> engineAs("engine", "not-the-password", dir.resolve("wrong-password-state")).build().start())
        .satisfies(SecuredClusterIT::show)
        .hasMessageContaining("could not authenticate to " + kafka.bootstrapServers() + " as User:engine")
        .hasMessageContaining("cannot start");
  }

  @Test
  void anEngineWithoutItsGroupAclFailsToStartNamingTheGroupInsteadOfWaitingForTheStartTimeout() {
    // a start timeout far beyond the test's: only a fast, explicit failure passes
    Stepstream.Builder builder = engineAs("engine-without-group", passwords.get("engine-without-group"), dir.resolve("no-group-state"))
        .startTimeout(Duration.ofMinutes(30));

    assertThatThrownBy(() -> builder.build().start())
        .satisfies(SecuredClusterIT::show)
        .isInstanceOf(NotAuthorizedException.class)
        .hasMessageContaining("User:engine-without-group may not use consumer group " + APPLICATION_ID)
        .hasMessageContaining("--operation Read --group " + APPLICATION_ID);
  }

  /** What a refused user sees, in the test output (docs/security.md quotes these). */
  static void show(Throwable refused) {
    System.out.println("REFUSED " + refused.getClass().getSimpleName() + ": " + refused.getMessage());
  }

  /** Keys of every committed record on {@code topic}, read as the admin. */
  static List<String> keysOn(String topic) {
    return TopicScanner.readAll(kafka.adminProperties(), topic, -1, Duration.ofSeconds(30)).stream().map(ConsumerRecord::key).toList();
  }

  static List<AuditEventType> eventTypes(String runId) {
    List<AuditEventType> types = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> r : TopicScanner.readAll(kafka.adminProperties(), TOPICS.events(), -1, Duration.ofSeconds(30))) {
      if (runId.equals(r.key())) {
        types.add(Envelopes.auditEvent(r.value()).getType());
      }
    }
    return types;
  }
}
