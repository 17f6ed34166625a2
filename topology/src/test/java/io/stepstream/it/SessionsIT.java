package io.stepstream.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.stepstream.MessagePolicy;
import io.stepstream.client.EngineQueryException;
import io.stepstream.client.SessionMessage;
import io.stepstream.client.TypedRunHandle;
import io.stepstream.client.WorkflowClient;
import io.stepstream.devkafka.EmbeddedKafka;
import io.stepstream.engine.EngineTestHooks;
import io.stepstream.engine.Stepstream;
import io.stepstream.internal.session.AgentSession;
import io.stepstream.internal.session.AgentSession.Chat;
import io.stepstream.internal.session.AgentSession.Message;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sessions on a real broker with two engine instances (4 partitions): Restate's "agent session"
 * virtual-object example (add a message, generate a reply with a deterministic fake LLM in a step,
 * get the history through a shared handler), driven through the Java client with messages for many
 * keys interleaved; full histories asserted in order, through either instance's HTTP endpoint.
 */
@Timeout(300)
class SessionsIT {
  static final int PARTITIONS = 4;
  static final String PREFIX = "sess";
  static final int KEYS = 12;
  static final int ROUNDS = 4;

  @TempDir static Path dir;
  static EmbeddedKafka kafka;
  static Stepstream one;
  static Stepstream two;
  static final AgentSession AGENT = new AgentSession();

  /** The history list a shared handler returns. */
  public record History(List<Message> messages) {}

  @BeforeAll
  static void startTwoInstances() throws Exception {
    kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    CompletableFuture<Stepstream> a = CompletableFuture.supplyAsync(() -> engine("one").start());
    CompletableFuture<Stepstream> b = CompletableFuture.supplyAsync(() -> engine("two").start());
    one = a.get(120, TimeUnit.SECONDS);
    two = b.get(120, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(60)).until(() -> owned(one) > 0 && owned(two) > 0 && owned(one) + owned(two) == PARTITIONS);
  }

  static Stepstream engine(String name) {
    Stepstream.Builder builder = Stepstream.builder()
        .bootstrapServers(kafka.bootstrapServers())
        .topicPrefix(PREFIX)
        .applicationId("sessions-it")
        .stateDir(dir.resolve("state-" + name))
        .partitions(PARTITIONS)
        .approvalSecret("sessions-it-approval-secret")
        .httpServer("127.0.0.1", 0)
        .register(AGENT.type());
    return EngineTestHooks.httpAuth(builder, new QueriesIT.NamedCallersOnly()).build();
  }

  static int owned(Stepstream engine) {
    // the orchestrator's tasks only (sub-topology 0: runs and sessions); the limiter coordinator has its own
    return EngineTestHooks.streams(engine).metadataForLocalThreads().stream()
        .mapToInt(t -> (int) t.activeTasks().stream().filter(task -> task.taskId().subtopology() == 0).count()).sum();
  }

  @AfterAll
  static void stop() {
    for (Stepstream engine : new Stepstream[] {one, two}) {
      if (engine != null) {
        engine.close();
      }
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  private static WorkflowClient client(Stepstream via) {
    return WorkflowClient.builder().bootstrapServers(kafka.bootstrapServers()).topicPrefix(PREFIX)
        .engineUrl("http://127.0.0.1:" + via.httpAddress().getPort()).engineUser("it").build();
  }

  @Test
  void agentSessionsForManyKeysInterleavedKeepFullHistoriesInOrderOnTwoInstances() {
    int llmCallsBefore = AGENT.llmCalls.get();
    try (WorkflowClient client = client(one)) {
      Map<String, List<Message>> expected = new LinkedHashMap<>();
      List<TypedRunHandle<String>> replies = new ArrayList<>();
      Map<TypedRunHandle<Integer>, Integer> sizes = new LinkedHashMap<>();
      for (int round = 1; round <= ROUNDS; round++) {
        for (int k = 0; k < KEYS; k++) {       // interleaved: every key's message of this round before the next round's
          String key = "conv-" + k;
          List<Message> history = expected.computeIfAbsent(key, x -> new ArrayList<>());
          String text = "question " + round + " of " + key;
          history.add(new Message("user", text));
          sizes.put(client.sendToSession(AgentSession.TYPE, key, "add-message", text, Integer.class), history.size());
          replies.add(client.sendToSession(SessionMessage.to(AgentSession.TYPE, key, "generate-reply")
              .messageId(key + "-reply-" + round), String.class));
          history.add(new Message("assistant", AgentSession.fakeLlm(history)));
        }
      }
      sizes.forEach((handle, size) -> assertThat(handle.await(Duration.ofSeconds(120))).as(handle.runId()).isEqualTo(size));
      for (TypedRunHandle<String> reply : replies) {
        assertThat(reply.await(Duration.ofSeconds(120))).as(reply.runId()).startsWith("reply ");
      }
      for (Stepstream via : new Stepstream[] {one, two}) {
        try (WorkflowClient asking = client(via)) {
          expected.forEach((key, history) -> await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(asking.querySession(AgentSession.TYPE, key, "get-history", Message[].class)).as(key).containsExactlyElementsOf(history);
            assertThat(asking.sessionState(AgentSession.TYPE, key, Chat.class).history()).as(key).isEqualTo(history);
          }));
        }
      }
      // snapshots: each generate-reply turn ran the LLM once, none replayed an earlier turn
      assertThat(AGENT.llmCalls.get() - llmCallsBefore).isEqualTo(KEYS * ROUNDS);
    }
  }

  @Test
  void aDuplicateMessageIdRunsOnceAndBothSendersGetTheReply() {
    try (WorkflowClient client = client(two)) {
      SessionMessage m = SessionMessage.to(AgentSession.TYPE, "dedupe", "add-message").payload("only once").messageId("m-1");
      int first = client.sendToSession(m, Integer.class).await(Duration.ofSeconds(60));
      int second = client.sendToSession(m, Integer.class).await(Duration.ofSeconds(60));
      assertThat(first).isEqualTo(1).isEqualTo(second);
      int next = client.sendToSession(m.messageId("m-2").payload("then this"), Integer.class).await(Duration.ofSeconds(60));
      assertThat(next).isEqualTo(2);
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(client.sessionState(AgentSession.TYPE, "dedupe", Chat.class)
          .history()).extracting(Message::text).containsExactly("only once", "then this"));
    }
  }

  @Test
  void aRecordPutOnAnotherPartitionThanItsHomeByAForeignPartitionerIsHandledOnceAtHome() throws Exception {
    String key = "placed-elsewhere";
    int home = Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
    try (var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()),
        new StringSerializer(), new ByteArraySerializer());
        WorkflowClient client = client(one)) {
      String json = "{\"sessionType\":\"agent-session\",\"handler\":\"add-message\",\"messageId\":\"x-1\",\"payload\":\"from elsewhere\"}";
      producer.send(new ProducerRecord<>("sess.sessions", (home + 1) % PARTITIONS, key, json.getBytes(StandardCharsets.UTF_8))).get();
      var result = client.awaitResult(AgentSession.TYPE + "/" + key + "#x-1", Duration.ofSeconds(60));
      assertThat(result.status().name()).isEqualTo("COMPLETED");
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
          assertThat(client.sessionState(AgentSession.TYPE, key, Chat.class).history()).extracting(Message::text)
              .containsExactly("from elsewhere"));
    }
  }

  @Test
  void whileATurnWaitsRejectIsAnsweredBusyEnqueueWaitsAndInterruptCancelsTheTurnWithoutItsStateChange() {
    try (WorkflowClient client = client(one)) {
      client.sendToSession(AgentSession.TYPE, "busy", "add-message", "first", Integer.class).await(Duration.ofSeconds(60));
      var waiting = client.sendToSession(SessionMessage.to(AgentSession.TYPE, "busy", "wait-for-go").payload("held")
          .messageId("held"), String.class);
      await().atMost(Duration.ofSeconds(60)).until(() ->
          client.describe(waiting.runId()).map(r -> r.summary().status().name().equals("WAITING")).orElse(false));

      var rejected = client.sendToSession(SessionMessage.to(AgentSession.TYPE, "busy", "add-message").payload("rejected")
          .policy(MessagePolicy.REJECT), Integer.class).untyped().await(Duration.ofSeconds(60));
      assertThat(rejected.status().name()).isEqualTo("FAILED");
      assertThat(rejected.errorType()).isEqualTo("SESSION_BUSY");
      assertThat(rejected.errorMessage()).contains("agent-session/busy", waiting.runId());

      var queued = client.sendToSession(AgentSession.TYPE, "busy", "add-message", "queued", Integer.class);
      var interrupting = client.sendToSession(SessionMessage.to(AgentSession.TYPE, "busy", "add-message").payload("interrupting")
          .policy(MessagePolicy.INTERRUPT), Integer.class);
      assertThat(waiting.untyped().await(Duration.ofSeconds(60)).status().name()).isEqualTo("CANCELLED");
      assertThat(interrupting.await(Duration.ofSeconds(60))).isEqualTo(2);
      assertThat(queued.await(Duration.ofSeconds(60))).isEqualTo(3);
      // the reply is the turn's result; the session commits the state a moment later, on its own partition
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
          assertThat(client.sessionState(AgentSession.TYPE, "busy", Chat.class).history()).extracting(Message::text)
              .containsExactly("first", "interrupting", "queued"));
    }
  }

  @Test
  void anUnknownSharedHandlerIsA404NamingTheKnownOnes() {
    try (WorkflowClient client = client(two)) {
      assertThatThrownBy(() -> client.querySession(AgentSession.TYPE, "conv-0", "nope", String.class))
          .isInstanceOf(EngineQueryException.class).hasMessageContaining("get-history");
    }
  }
}
