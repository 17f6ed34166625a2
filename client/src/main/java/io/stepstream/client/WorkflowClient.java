package io.stepstream.client;

import io.stepstream.CancelResult;
import io.stepstream.PendingApproval;
import io.stepstream.ResumeResult;
import io.stepstream.WorkflowTimeoutException;
import io.stepstream.RunResult;
import io.stepstream.avro.AuditEvent;
import io.stepstream.avro.AuditEventType;
import io.stepstream.avro.RunCommand;
import io.stepstream.avro.RunCommandType;
import io.stepstream.avro.WorkflowRequest;
import io.stepstream.avro.WorkflowResult;
import io.stepstream.internal.client.AccessErrors;
import io.stepstream.internal.client.TopicScanner;
import io.stepstream.internal.client.Consumers;
import io.stepstream.internal.client.ResultLookups;
import io.stepstream.internal.client.ResultWaiters;
import io.stepstream.internal.client.ResultsFeed;
import io.stepstream.internal.codec.EnvelopeEncoder;
import io.stepstream.internal.codec.WireCodec;
import io.stepstream.internal.codec.PayloadCodec;
import io.stepstream.internal.codec.Results;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Starts runs and reads their results, against any cluster running Stepstream. Thread-safe; create
 * one per application and close it at the end.
 *
 * <pre>{@code
 * try (WorkflowClient client = WorkflowClient.builder().bootstrapServers("127.0.0.1:9092").build()) {
 *   RunHandle run = client.start("order", "order-42", new Order("book", 2));
 *   RunResult result = run.await(Duration.ofMinutes(1));
 *   Receipt receipt = result.outputOrThrow(Receipt.class);
 * }
 * }</pre>
 *
 * <p>Results are read committed (only results of committed engine transactions). How a result
 * reaches you:
 *
 * <ul>
 *   <li>{@link RunHandle#await} / {@link RunHandle#result()}: a handle is registered before its
 *       request is sent and keeps its run registered until the result arrives, so its result is
 *       never missed, however many other results come first.
 *   <li>Starting a run id that already exists starts nothing (the engine records {@code
 *       DUPLICATE_REQUEST}); the existing run's one result answers both. If no result arrived
 *       within {@code duplicateCheckAfter} (default 30 s), the client reads the run's events
 *       partition for the engine's answer and, for a duplicate, looks the existing result up on
 *       the run's results partition.
 *   <li>{@link #awaitResult} for a run this client is not already waiting for: if the result is
 *       not among the last 10,000 this client saw, it is looked up on the run's results partition
 *       (from its beginning), so a result committed before the await, even before the client
 *       existed, answers it. An await that times out leaves nothing registered.
 *   <li>{@link #subscribe}: every result committed after the client was created.
 * </ul>
 *
 * <p>The client may be created before the engine created its topics: it starts reading the
 * results topic as soon as it exists.
 */
public final class WorkflowClient implements AutoCloseable {
  private static final int RECENT_RESULTS = 10_000;
  /** How long a token this client signs itself is valid: it is checked when the engine reads the decision. */
  static final Duration SIGNED_TOKEN_TTL = Duration.ofHours(24);

  private final Topics topics;
  private final Map<String, Object> clientConfig;
  private final io.stepstream.internal.payloads.KafkaPayloadStore payloadStore;
  private final io.stepstream.internal.payloads.ClaimChecks payloads;
  private final io.stepstream.internal.approvals.ApprovalTokens approvalTokens;
  private final KafkaProducer<String, byte[]> producer;
  private final ResultWaiters waiters = new ResultWaiters(RECENT_RESULTS);
  private final List<Consumer<RunResult>> listeners = new CopyOnWriteArrayList<>();
  private final ResultsFeed feed;
  private final ResultLookups lookups;
  private final WireCodec wire;
  private final EnvelopeEncoder<WorkflowRequest> requestEncoder;
  private final EnvelopeEncoder<RunCommand> commandEncoder;
  private final EnvelopeEncoder<io.stepstream.avro.ApprovalDecision> decisionEncoder;
  private final EnvelopeEncoder<io.stepstream.avro.Signal> signalEncoder;
  /** Queries over the engine's HTTP API; null without engineUrl. */
  private final io.stepstream.internal.client.EngineQueries queries;

  private WorkflowClient(Builder b) {
    this.topics = Topics.withPrefix(b.topicPrefix);
    this.queries = b.engineUrls.isEmpty() ? null : new io.stepstream.internal.client.EngineQueries(
        new io.stepstream.internal.client.EngineHttp(b.engineUrls, b.engineAuthToken, b.engineUser, b.engineTimeout));
    Map<String, Object> base = new HashMap<>(b.kafkaProperties);
    base.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers());
    this.clientConfig = Map.copyOf(base);
    // claim-checked outputs (docs/large-payloads.md) are read when a caller asks for them; nothing is opened before
    this.payloadStore = new io.stepstream.internal.payloads.KafkaPayloadStore(clientConfig, topics.payloads(),
        io.stepstream.internal.payloads.Chunks.DEFAULT_CHUNK_BYTES, Duration.ofSeconds(30));
    this.payloads = io.stepstream.internal.payloads.ClaimChecks.using(payloadStore, b.claimCheckThreshold, Long.MAX_VALUE);
    this.wire = WireCodec.create(b.wireFormat != null ? b.wireFormat : WireFormat.defaultFor(b.kafkaProperties), b.kafkaProperties);
    this.requestEncoder = wire.encoder(topics.requests(), WorkflowRequest.class);
    this.commandEncoder = wire.encoder(topics.requests(), RunCommand.class);
    this.decisionEncoder = wire.encoder(topics.approvals(), io.stepstream.avro.ApprovalDecision.class);
    this.signalEncoder = wire.encoder(topics.signals(), io.stepstream.avro.Signal.class);
    this.approvalTokens = b.approvalKey == null ? null
        : io.stepstream.internal.approvals.ApprovalTokens.of(io.stepstream.internal.approvals.ApprovalKeyring.signingWith(b.approvalKey), true);
    Map<String, Object> p = new HashMap<>(clientConfig);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 1);
    this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    try {
      this.feed = new ResultsFeed(clientConfig, topics.results(), wire.reader(), waiters, listeners, payloads); // fails here on wrong credentials
    } catch (RuntimeException e) {
      producer.close(Duration.ZERO);
      wire.close();
      throw e;
    }
    this.lookups = new ResultLookups(clientConfig, topics.results(), topics.events(), wire.reader(), waiters, b.duplicateCheckAfter, payloads);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Starts a run with a random run id. */
  public RunHandle start(String workflowType, Object input) {
    return start(workflowType, UUID.randomUUID().toString(), input);
  }

  /**
   * Starts a run with a random run id and returns a handle typed by its output.
   *
   * <pre>{@code
   * Receipt receipt = client.start("order", order, Receipt.class).await(Duration.ofMinutes(1)); // or WorkflowFailedException
   * }</pre>
   */
  public <O> TypedRunHandle<O> start(String workflowType, Object input, Class<O> outputType) {
    return start(workflowType, UUID.randomUUID().toString(), input, outputType);
  }

  /** Starts a run (as {@link #start(String, String, Object)}) and returns a handle typed by its output. */
  public <O> TypedRunHandle<O> start(String workflowType, String runId, Object input, Class<O> outputType) {
    java.util.Objects.requireNonNull(outputType, "outputType (Void.class for a workflow without output)");
    return new TypedRunHandle<>(start(workflowType, runId, input), outputType);
  }

  /**
   * Starts a run and returns once the request is durably written (acks=all). If an OpenTelemetry
   * span is current, its context goes along as W3C {@code traceparent}/{@code tracestate} headers:
   * the run's result, events and step spans continue that trace.
   *
   * @throws NotAuthorizedException if this client's principal may not write the requests topic
   *     (nothing was written)
   */
  public RunHandle start(String workflowType, String runId, Object input) {
    Started started = send(workflowType, runId, input);
    producer.flush();
    if (started.sent().isCompletedExceptionally()) {
      try {
        started.sent().join();
      } catch (java.util.concurrent.CompletionException e) {
        throw e.getCause() instanceof RuntimeException r ? r : e; // the send error, already made clear
      }
    }
    return started.handle();
  }

  /**
   * Sends the request; the handle's result completes when the run finishes. Use it to start many
   * runs quickly: {@link #flush()} before relying on them being written. A request that cannot be
   * written fails its handle's result with the reason.
   */
  public RunHandle startAsync(String workflowType, String runId, Object input) {
    return send(workflowType, runId, input).handle();
  }

  private record Started(RunHandle handle, CompletableFuture<Void> sent) {}

  /** An input above the claim-check threshold is stored first (acks=all) and the request carries a reference. */
  private io.stepstream.avro.Payload largeInput(String runId, io.stepstream.avro.Payload input) {
    try {
      return payloads.offload(runId, input);
    } catch (io.stepstream.internal.payloads.ClaimCheckException e) {
      throw AccessErrors.describeOr(e, clientConfig, "WRITE", topics.payloads(), "so run " + runId + " was not started (its input is"
          + " larger than the claim-check threshold and goes to " + topics.payloads() + " first)", e);
    }
  }

  private Started send(String workflowType, String runId, Object input) {
    org.apache.kafka.common.header.Headers headers = new org.apache.kafka.common.header.internals.RecordHeaders();
    byte[] value = requestEncoder.encode(
        WorkflowRequest.newBuilder()
            .setRunId(runId)
            .setWorkflowType(workflowType)
            .setInput(largeInput(runId, PayloadCodec.encode(input)))
            .setRequestedAt(System.currentTimeMillis())
            .build(),
        headers);
    ResultWaiters.Hold hold = waiters.hold(runId); // before sending: the result cannot come first
    long sentAt = System.currentTimeMillis();
    CompletableFuture<Void> sent = new CompletableFuture<>();
    ProducerRecord<String, byte[]> record = new ProducerRecord<>(topics.requests(), null, sentAt, runId, value, headers);
    TraceContextHeaders.injectCurrent(record.headers()); // the run's records and step spans continue the caller's trace
    producer.send(
        record,
        (meta, error) -> {
          if (error != null) {
            RuntimeException clear = AccessErrors.describeOr(error, clientConfig, "WRITE", topics.requests(),
                "so the request of run " + runId + " was not sent (nothing was written)",
                new IllegalStateException("request for run " + runId + " was not written to " + topics.requests() + ": " + error, error));
            sent.completeExceptionally(clear);
            waiters.fail(hold, clear);
            return;
          }
          sent.complete(null);
          RuntimeException unreadable = feed.denial();
          if (unreadable != null) { // the run is started, but its result cannot reach this client
            waiters.fail(hold, new NotAuthorizedException("run " + runId + " was started, but its result cannot be awaited here: "
                + unreadable.getMessage(), "READ", "topic " + topics.results(), unreadable.getCause()));
          }
        });
    if (!hold.future().isDone()) {
      lookups.watchStart(runId, sentAt);
    }
    return new Started(new RunHandle(runId, hold.future(), this), sent);
  }

  public void flush() {
    producer.flush();
  }

  // ---- sessions (docs/sessions.md) ----

  /**
   * Sends a message to a session handler (a random message id, {@link io.stepstream.MessagePolicy#ENQUEUE})
   * and returns once it is durably written; the handle's output is the handler's reply.
   *
   * <pre>{@code
   * int size = client.sendToSession("agent-session", "conv-42", "add-message", "hello", Integer.class).await(Duration.ofSeconds(30));
   * }</pre>
   */
  public <R> TypedRunHandle<R> sendToSession(String sessionType, String sessionKey, String handler, Object payload, Class<R> replyType) {
    return sendToSession(SessionMessage.to(sessionType, sessionKey, handler).payload(payload), replyType);
  }

  /**
   * Sends a message to a session and returns once it is durably written (acks=all). The reply is
   * the result of the turn's run ({@link SessionMessage#runId()}): the handler's reply, or {@link
   * WorkflowFailedException} for a failed turn, an interrupted one (CANCELLED) or a rejected message
   * (error type {@code SESSION_BUSY}). Sending the same message id again is harmless: the session
   * ignores the copy, and the handle gets the first one's reply.
   *
   * <pre>{@code
   * TypedRunHandle<String> reply = client.sendToSession(
   *     SessionMessage.to("agent-session", "conv-42", "generate-reply").messageId("conv-42-reply-3"), String.class);
   * String text = reply.await(Duration.ofMinutes(2));
   * }</pre>
   */
  public <R> TypedRunHandle<R> sendToSession(SessionMessage message, Class<R> replyType) {
    java.util.Objects.requireNonNull(replyType, "replyType (Void.class for a handler without reply)");
    String runId = message.runId();
    byte[] value = sessionRecord(message);
    ResultWaiters.Hold hold = waiters.hold(runId); // before sending: the reply cannot come first
    long sentAt = System.currentTimeMillis();
    ProducerRecord<String, byte[]> record = new ProducerRecord<>(topics.sessions(), null, sentAt, message.sessionKey(), value);
    TraceContextHeaders.injectCurrent(record.headers());
    try {
      producer.send(record).get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      RuntimeException clear = AccessErrors.describeOr(e.getCause(), clientConfig, "WRITE", topics.sessions(),
          "so message " + message.messageId() + " for session " + message.sessionType() + "/" + message.sessionKey() + " was not sent",
          new IllegalStateException("message " + message.messageId() + " was not written to " + topics.sessions() + ": " + e.getCause(),
              e.getCause()));
      waiters.fail(hold, clear);
      throw clear;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while sending message " + message.messageId(), e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("message " + message.messageId() + " was not acknowledged within 30 s by " + topics.sessions(), e);
    }
    if (!hold.future().isDone()) {
      lookups.watchStart(runId, sentAt); // a duplicate message id: the first one's reply is looked up
    }
    return new TypedRunHandle<>(new RunHandle(runId, hold.future(), this), replyType);
  }

  private static byte[] sessionRecord(SessionMessage message) {
    var mapper = PayloadCodec.json();
    var json = mapper.createObjectNode();
    json.put("sessionType", message.sessionType());
    json.put("handler", message.handler());
    json.put("messageId", message.messageId());
    if (message.payload() != null) {
      json.set("payload", mapper.valueToTree(message.payload()));
    }
    json.put("policy", message.policy().name());
    try {
      return mapper.writeValueAsBytes(json);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException("the payload of message " + message.messageId() + " cannot be written as JSON: " + e.getMessage(), e);
    }
  }

  /**
   * Runs a session's shared handler over its last committed state, without waiting for a running
   * turn, on the engine instance that owns the session (any instance forwards). Needs {@link
   * Builder#engineUrl}.
   *
   * <pre>{@code
   * History h = client.querySession("agent-session", "conv-42", "get-history", History.class);
   * }</pre>
   *
   * @throws EngineQueryException for an unknown type or handler (404), a handler that threw (500), or no engine answering
   */
  public <R> R querySession(String sessionType, String sessionKey, String sharedHandler, Class<R> resultType) {
    var json = queries("querySession").session(sessionType, sessionKey, java.util.Objects.requireNonNull(sharedHandler, "sharedHandler"));
    return bind(json.get("result"), resultType, "shared handler " + sharedHandler + " of session " + sessionType + "/" + sessionKey);
  }

  /**
   * A session's last committed state (the type's initial state before its first turn). Needs {@link Builder#engineUrl}.
   *
   * <pre>{@code
   * Chat chat = client.sessionState("agent-session", "conv-42", Chat.class);
   * }</pre>
   */
  public <S> S sessionState(String sessionType, String sessionKey, Class<S> stateType) {
    var json = queries("sessionState").session(sessionType, sessionKey, null);
    return bind(json.get("state"), stateType, "the state of session " + sessionType + "/" + sessionKey);
  }

  private static <T> T bind(com.fasterxml.jackson.databind.JsonNode node, Class<T> type, String what) {
    if (node == null || node.isNull()) {
      return null;
    }
    try {
      return PayloadCodec.json().treeToValue(node, type);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(what + " is not a " + type.getName() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Waits for the result of a run, whenever it was committed: one this client has not seen is
   * looked up on the run's partition of the results topic, then awaited.
   *
   * <pre>{@code
   * RunResult r = client.awaitResult("order-42", Duration.ofMinutes(1)); // started by any producer
   * }</pre>
   *
   * @throws WorkflowTimeoutException if none arrives within {@code timeout} (nothing stays registered)
   */
  public RunResult awaitResult(String runId, Duration timeout) {
    throwIfResultsUnreadable();
    ResultWaiters.Hold hold = waiters.hold(runId);
    try {
      if (hold.needsLookup()) {
        lookups.lookUp(runId);
      }
      return await(runId, hold.future(), timeout);
    } finally {
      waiters.release(hold);
    }
  }

  /** Waits on a run's future; the handle's or an await's registration keeps it answered. */
  RunResult await(String runId, CompletableFuture<RunResult> future, Duration timeout) {
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new WorkflowTimeoutException("no result for run " + runId + " within " + timeout
          + "; the run may still be going: see the events topic " + topics.events() + " for its progress");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new WorkflowTimeoutException("interrupted while waiting for run " + runId);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof NotAuthorizedException denied) {
        throw new NotAuthorizedException(denied.getMessage(), denied.operation(), denied.resource(), denied);
      }
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    }
  }

  private void throwIfResultsUnreadable() {
    RuntimeException denied = feed.denial();
    if (denied != null) {
      throw denied;
    }
  }

  /** Runs this client holds a registration for (handles without a result, awaits in progress): for tests. */
  int pendingResults() {
    return waiters.size();
  }

  /**
   * Cancels a run and waits for the engine's answer. An accepted cancel means the run stops at its
   * next step boundary (a running step is interrupted), runs its compensations, and publishes a
   * CANCELLED result; await it with {@link #awaitResult}.
   *
   * <pre>{@code
   * CancelResult answer = client.cancel("order-42", "customer changed their mind", Duration.ofSeconds(10));
   * if (!answer.accepted()) System.out.println(answer.detail()); // e.g. "run order-42 already ended COMPLETED; nothing to cancel"
   * }</pre>
   *
   * @throws WorkflowTimeoutException if no answer arrives within {@code timeout} (is the engine running?)
   */
  public CancelResult cancel(String runId, String reason, Duration timeout) {
    AuditEvent answer = command(runId, RunCommandType.CANCEL, reason, timeout, "cancelling");
    return new CancelResult(runId, answer.getType() == AuditEventType.CANCEL_REQUESTED, answer.getDetail());
  }

  /**
   * Resumes a parked run (non-determinism fixed, a type deployed again, the cause of repeated
   * crashes removed) and waits for the engine's answer; the run then goes on with the code deployed
   * now. A run that is not parked is not touched (the answer says so).
   *
   * <pre>{@code
   * ResumeResult answer = client.resume("order-42", Duration.ofSeconds(10));
   * if (!answer.accepted()) System.out.println(answer.detail()); // e.g. "run order-42 is COMPLETED, not PARKED; ..."
   * }</pre>
   *
   * @throws WorkflowTimeoutException if no answer arrives within {@code timeout} (is the engine running?)
   */
  public ResumeResult resume(String runId, Duration timeout) {
    AuditEvent answer = command(runId, RunCommandType.RESUME, null, timeout, "resuming");
    return new ResumeResult(runId, answer.getType() == AuditEventType.RESUME_REQUESTED, answer.getDetail());
  }

  /** Sends a command about a run and returns the audit event that answers it (matched by command id). */
  private AuditEvent command(String runId, RunCommandType type, String reason, Duration timeout, String doing) {
    return command(
        RunCommand.newBuilder()
            .setRunId(runId)
            .setCommandId(UUID.randomUUID().toString())
            .setType(type)
            .setReason(reason)
            .setRequestedBy(System.getProperty("user.name"))
            .setRequestedAt(System.currentTimeMillis())
            .build(),
        timeout, doing);
  }

  /** Sends {@code command} and returns the audit event that answers it (matched by command id). */
  private AuditEvent command(RunCommand command, Duration timeout, String doing) {
    String runId = command.getRunId();
    RunCommandType type = command.getType();
    String commandId = command.getCommandId();
    String topic = topics.events();
    try (KafkaConsumer<String, byte[]> events = Consumers.readCommitted(clientConfig)) {
      int partitions = events.partitionsFor(topics.events(), timeout).size();
      if (partitions == 0) {
        throw new IllegalStateException("cannot act on run " + runId + ": topic " + topics.events()
            + " does not exist; is a Stepstream engine running with topic prefix '" + topics.prefix() + "'?");
      }
      TopicPartition tp = new TopicPartition(topics.events(), partitionOf(runId, partitions));
      events.assign(List.of(tp));
      events.seekToEnd(List.of(tp));
      events.position(tp); // answers come after this point
      topic = topics.requests();
      org.apache.kafka.common.header.Headers headers = new org.apache.kafka.common.header.internals.RecordHeaders();
      byte[] value = commandEncoder.encode(command, headers);
      producer.send(new ProducerRecord<>(topics.requests(), null, runId, value, headers)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      topic = topics.events();
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> r : events.poll(Duration.ofMillis(100))) {
          AuditEvent event = decodeOrNull(wire.reader()::auditEvent, r);
          if (event != null && commandId.equals(event.getCommandId())) {
            return event;
          }
        }
      }
      throw new WorkflowTimeoutException("no answer to " + doing + " run " + runId + " within " + timeout + "; is a Stepstream engine running on " + topics.prefix() + "?");
    } catch (ExecutionException | TimeoutException | org.apache.kafka.common.KafkaException e) {
      throw AccessErrors.describeOr(e, clientConfig, topic.equals(topics.requests()) ? "WRITE" : "READ", topic,
          "so the " + type + " command for run " + runId + " was not " + (topic.equals(topics.requests()) ? "sent" : "answered here"),
          new IllegalStateException("could not send the " + type + " command for run " + runId + ": " + e, e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new WorkflowTimeoutException("interrupted while " + doing + " run " + runId);
    }
  }


  /**
   * Approvals runs are waiting for now: the latest record per run and approval name on the
   * approval-requests topic, unless it carries a resolution (the engine writes the request again,
   * resolved, when it is decided, times out or its run ends). Reads that one topic from the start;
   * meant for tools, not hot paths.
   */
  public List<PendingApproval> pendingApprovals(Duration timeout) {
    Map<String, PendingApproval> pending = new LinkedHashMap<>();
    for (ConsumerRecord<String, byte[]> r : readAll(topics.approvalRequests(), -1, timeout, "so pending approvals cannot be listed")) {
      io.stepstream.avro.ApprovalRequest a = decodeOrNull(wire.reader()::approvalRequest, r);
      if (a == null) {
        continue;
      }
      String key = a.getRunId() + "/" + a.getApprovalName();
      if (a.getResolution() != null) {
        pending.remove(key);
        continue;
      }
      pending.put(key,
          new PendingApproval(a.getRunId(), a.getApprovalName(), a.getWorkflowType(), a.getSubject(),
              PayloadCodec.describe(a.getDetails()), List.copyOf(a.getAllowedApprovers()), List.copyOf(a.getAllowedGroups()),
              a.getDeadline() == 0 ? null : java.time.Instant.ofEpochMilli(a.getDeadline()), a.getToken())); // 0: no deadline
    }
    return List.copyOf(pending.values());
  }

  /** Approves as {@code approver} (self-asserted; see {@link Decision} for a verified identity). */
  public void approve(String runId, String approvalName, String approver, String comment) {
    decide(Decision.approve(runId, approvalName).approver(approver).comment(comment));
  }

  /** Rejects as {@code approver} (self-asserted; see {@link Decision} for a verified identity). */
  public void reject(String runId, String approvalName, String approver, String reason) {
    decide(Decision.reject(runId, approvalName, reason).approver(approver));
  }

  /**
   * Sends a decision with self-asserted approver name and groups; same as {@link #decide(Decision)}.
   *
   * <pre>{@code
   * client.decide("r-42", "refund-review", true, "alice", List.of("support-leads"), "ok, half", null, new Refund("ada", 210));
   * }</pre>
   */
  public void decide(
      String runId, String approvalName, boolean approved, String approver, List<String> groups, String comment, String reason, Object edited) {
    Decision d = approved ? Decision.approve(runId, approvalName) : Decision.reject(runId, approvalName, reason);
    decide(d.approver(approver).groups(groups).comment(comment).edited(edited));
  }

  /**
   * Sends a decision to the approvals topic, with the approval's token: signed here if the client
   * has an approval key, otherwise copied from the approval request (which must then exist). With
   * an identity token, an engine that verifies approvers takes the approver from it. Whether it is
   * applied (first valid decision wins) shows on the events topic; a refused one also goes to the DLQ
   * with the reason.
   *
   * <pre>{@code
   * client.decide(Decision.approve("r-42", "refund-review").identityToken(jwt).comment("ok"));
   * }</pre>
   */
  public void decide(Decision d) {
    io.stepstream.avro.ApprovalDecision decision =
        io.stepstream.avro.ApprovalDecision.newBuilder()
            .setRunId(d.runId())
            .setApprovalName(d.approvalName())
            .setApproved(d.approved())
            .setApprover(d.approver())
            .setApproverGroups(d.groups())
            .setComment(d.comment())
            .setReason(d.reason())
            .setEditedPayload(PayloadCodec.encode(d.edited()))
            .setToken(tokenFor(d.runId(), d.approvalName()))
            .setIdentityToken(d.identityToken())
            .setDecidedAt(System.currentTimeMillis())
            .build();
    send(topics.approvals(), d.runId(), decisionEncoder, decision, "decision on " + d.approvalName());
  }

  /** Sends an event to a run (for {@code ctx.awaitEvent(name, ...)}); the id defaults to its position on the topic. */
  public void signal(String runId, String name, Object data) {
    signal(runId, name, data, null);
  }

  /** Same, with a deduplication id: a second event with the same id for the run is ignored. */
  public void signal(String runId, String name, Object data, String signalId) {
    io.stepstream.avro.Signal signal =
        io.stepstream.avro.Signal.newBuilder()
            .setRunId(runId)
            .setName(name)
            .setPayload(PayloadCodec.encode(data))
            .setSignalId(signalId)
            .setSentAt(System.currentTimeMillis())
            .build();
    send(topics.signals(), runId, signalEncoder, signal, "event " + name);
  }

  /**
   * Completes a durable promise ({@code ctx.promise(name, type)} in a workflow) with {@code value}.
   * The id is all that is needed: it names the run and the promise. The first completion or failure
   * wins; a later one is ignored (the events topic says so with {@code SIGNAL_IGNORED}). Returns once
   * the record is durably written to the signals topic.
   *
   * <pre>{@code
   * client.completePromise(task.promiseId(), new Verdict("looks good", 9));
   * }</pre>
   *
   * @throws IllegalArgumentException if {@code promiseId} is not an id a workflow handed out
   */
  public void completePromise(String promiseId, Object value) {
    sendPromise(promiseId, PayloadCodec.encode(value), null);
  }

  /**
   * Fails a durable promise: the workflow's {@code get()} throws {@code PromiseFailedException} with
   * this type and message, which it may catch.
   *
   * <pre>{@code
   * client.failPromise(task.promiseId(), "REVIEWER_UNAVAILABLE", "on leave until May");
   * }</pre>
   *
   * @throws IllegalArgumentException if {@code promiseId} is not an id a workflow handed out, or the type is blank
   */
  public void failPromise(String promiseId, String errorType, String message) {
    if (errorType == null || errorType.isBlank()) {
      throw new IllegalArgumentException("failing promise " + promiseId + " needs an error type (e.g. REVIEWER_UNAVAILABLE): the workflow"
          + " branches on it");
    }
    sendPromise(promiseId, null,
        io.stepstream.avro.ErrorInfo.newBuilder().setType(errorType).setMessage(message == null ? "" : message).build());
  }

  private void sendPromise(String promiseId, io.stepstream.avro.Payload value, io.stepstream.avro.ErrorInfo error) {
    io.stepstream.internal.codec.PromiseIds.Parsed id = io.stepstream.internal.codec.PromiseIds.parse(promiseId);
    io.stepstream.avro.Signal completion =
        io.stepstream.avro.Signal.newBuilder()
            .setRunId(id.runId())
            .setName(id.name())
            .setPromiseId(promiseId)
            .setPayload(value)
            .setError(error)
            .setSentAt(System.currentTimeMillis())
            .build();
    send(topics.signals(), id.runId(), signalEncoder, completion, (error == null ? "completion" : "failure") + " of promise '" + id.name() + "'");
  }

  private String tokenFor(String runId, String approvalName) {
    if (approvalTokens != null) {
      return approvalTokens.sign(runId, approvalName, java.time.Instant.now().plus(SIGNED_TOKEN_TTL));
    }
    String consequence = "so the token of approval '" + approvalName + "' of run " + runId + " cannot be read and no decision was sent"
        + " (a client built with approvalSecret(...) signs tokens itself)";
    int partitions;
    try {
      partitions = producer.partitionsFor(topics.approvalRequests()).size();
    } catch (org.apache.kafka.common.KafkaException e) {
      throw AccessErrors.describeOr(e, clientConfig, "READ", topics.approvalRequests(), consequence, e);
    }
    String token = null;
    for (ConsumerRecord<String, byte[]> r : readAll(topics.approvalRequests(), partitionOf(runId, partitions), Duration.ofSeconds(30), consequence)) {
      io.stepstream.avro.ApprovalRequest a = decodeOrNull(wire.reader()::approvalRequest, r);
      if (a != null && a.getResolution() == null && a.getRunId().equals(runId) && a.getApprovalName().equals(approvalName)) {
        token = a.getToken();
      }
    }
    if (token == null) {
      throw new IllegalStateException("run " + runId + " has not asked for approval '" + approvalName + "' (yet);"
          + " a decision sent before the request needs a client built with approvalSigningKey(...) (or approvalSecret(...))");
    }
    return token;
  }

  private <T extends org.apache.avro.specific.SpecificRecordBase> void send(
      String topic, String key, EnvelopeEncoder<T> encoder, T envelope, String what) {
    try {
      org.apache.kafka.common.header.Headers headers = new org.apache.kafka.common.header.internals.RecordHeaders();
      byte[] value = encoder.encode(envelope, headers);
      producer.send(new ProducerRecord<>(topic, null, key, value, headers)).get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException | org.apache.kafka.common.KafkaException e) {
      throw AccessErrors.describeOr(e, clientConfig, "WRITE", topic, "so the " + what + " for run " + key + " was not sent (nothing was written)",
          new IllegalStateException("could not send the " + what + " for run " + key + " to " + topic + ": " + e, e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted sending the " + what + " for run " + key);
    }
  }

  /**
   * Calls {@code listener} for every result committed from now on (on the client's results thread).
   *
   * @throws NotAuthorizedException if this client's principal may not read the results topic
   */
  public AutoCloseable subscribe(Consumer<RunResult> listener) {
    throwIfResultsUnreadable();
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /**
   * Looks a result up on the results topic from the beginning of the run's partition, without
   * waiting for one: empty if the run has no result (yet).
   */
  public Optional<RunResult> findResult(String runId, Duration timeout) {
    try {
      return scanResults(runId, timeout);
    } catch (org.apache.kafka.common.KafkaException e) {
      throw AccessErrors.describeOr(e, clientConfig, "READ", topics.results(), "so the result of run " + runId + " cannot be looked up", e);
    }
  }

  private Optional<RunResult> scanResults(String runId, Duration timeout) {
    try (KafkaConsumer<String, byte[]> consumer = Consumers.readCommitted(clientConfig)) {
      int partitions = consumer.partitionsFor(topics.results(), timeout).size();
      if (partitions == 0) {
        return Optional.empty(); // no results topic yet: no run has finished
      }
      TopicPartition tp = new TopicPartition(topics.results(), partitionOf(runId, partitions));
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long end = consumer.endOffsets(List.of(tp), timeout).get(tp);
      long deadline = System.nanoTime() + timeout.toNanos();
      RunResult found = null;
      while (consumer.position(tp) < end && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          WorkflowResult raw = runId.equals(r.key()) ? decodeOrNull(wire.reader()::result, r) : null;
          if (raw != null) {
            found = Results.toRunResult(raw, payloads);
          }
        }
      }
      return Optional.ofNullable(found);
    }
  }

  public Topics topics() {
    return topics;
  }

  // ---- durable token streams (docs/streams.md) ----

  /** How long {@link #followStream} waits for a run the engine does not know yet (a start still on its way). */
  static final Duration UNKNOWN_RUN_GRACE = Duration.ofSeconds(5);

  /**
   * Follows a run's token stream from its beginning: what its steps published with {@code
   * StepContext.publishPartial}, then the run's end. A run that finished long ago gives its whole
   * stream (while {@code <prefix>.streams} retains it, 1 day by default) and its end at once.
   *
   * <pre>{@code
   * RunHandle run = client.start("chat", input);
   * try (RunStream stream = client.followStream(run.runId())) {
   *   for (StreamEvent e; (e = stream.next(Duration.ofMinutes(1))) != null && !stream.ended(); ) {
   *     if (e.kind() == StreamEvent.Kind.CHUNK) System.out.print(e.text());
   *   }
   * }
   * }</pre>
   *
   * @throws IllegalArgumentException with {@link Builder#engineUrl} set, for a run the engine does
   *     not know within 5 s (never started, or removed after the retention window)
   * @throws IllegalStateException when the stream topic does not exist
   */
  public RunStream followStream(String runId) {
    return followStream(runId, null);
  }

  /**
   * Follows a run's token stream after {@code position} (what {@link StreamEvent#position()} gave
   * for the last event handled; null: from the beginning): after a disconnect, every later record
   * comes once, in order. Positions older than the topic's retention resume at the oldest record
   * left. Needs Read on {@code <prefix>.streams}.
   *
   * <pre>{@code
   * String saved = lastEvent.position();            // kept across the reconnect
   * try (RunStream stream = client.followStream(runId, saved)) { ... }
   * }</pre>
   *
   * @throws IllegalArgumentException if {@code position} is not a position of this run's stream, or
   *     (with {@link Builder#engineUrl} set) the run is unknown
   */
  public RunStream followStream(String runId, String position) {
    java.util.Objects.requireNonNull(runId, "runId");
    if (queries != null) {
      requireKnownRun(runId);
    }
    try {
      return new RunStream(new io.stepstream.internal.client.streams.StreamFollower(clientConfig, topics.streams(), runId, position,
          Duration.ofSeconds(30)));
    } catch (org.apache.kafka.common.KafkaException e) {
      throw AccessErrors.describeOr(e, clientConfig, "READ", topics.streams(), "so run " + runId + "'s stream cannot be followed", e);
    }
  }

  private void requireKnownRun(String runId) {
    long deadline = System.nanoTime() + UNKNOWN_RUN_GRACE.toNanos();
    while (queries.describe(runId).isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalArgumentException("no run " + runId + " (never started, or removed after the retention window): nothing to follow;"
            + " check the run id, or start the run first");
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while looking up run " + runId, e);
      }
    }
  }

  // ---- queries ----

  /**
   * A run as the engine knows it now: status, current step or wait, attempts, input, result or
   * error, and which engine instance owns it; empty if there is no such run (never started, or
   * removed after the retention window). Any engine instance answers (it asks the owner). Needs
   * {@link Builder#engineUrl}.
   *
   * <pre>{@code
   * WorkflowClient client = WorkflowClient.builder().bootstrapServers(servers).engineUrl("http://engine-0:8080").build();
   * client.describe("order-42").ifPresent(run ->
   *     System.out.println(run.summary().status() + ", step " + run.currentStep() + ", served by " + run.servedBy()));
   * }</pre>
   *
   * @throws EngineQueryException when no engine answered (the message names the URLs) or it cannot answer now (503)
   * @throws NotAuthorizedException when the engine refused the caller (401/403, with the engine's reason)
   */
  public Optional<RunDescription> describe(String runId) {
    return queries("describe").describe(java.util.Objects.requireNonNull(runId, "runId"));
  }

  /**
   * One page of runs, newest first, filtered by {@code query} (status, type, run id substring, time);
   * continue with {@code query.next(page.nextCursor().get())}. Across pages every run is listed
   * exactly once. Each page asks every engine instance once.
   *
   * <pre>{@code
   * RunPage page = client.listRuns(RunQuery.builder().status(RunStatus.PARKED).limit(20).build());
   * page.runs().forEach(run -> System.out.println(run.runId() + " " + run.parkedReason()));
   * }</pre>
   *
   * @throws EngineQueryException when no engine answered, or 503 while partitions move (retry)
   */
  public RunPage listRuns(RunQuery query) {
    return queries("listRuns").listRuns(java.util.Objects.requireNonNull(query, "query"));
  }

  /**
   * A run's journal in the order it was recorded (steps, failed attempts, waits, recorded values,
   * the result), with decoded values; empty if there is no such run.
   *
   * <pre>{@code
   * client.history("order-42").ifPresent(h -> h.entries().forEach(e ->
   *     System.out.println(e.recordedAt() + " " + e.kind() + " " + e.name() + (e.value() == null ? "" : " = " + e.value().text()))));
   * }</pre>
   */
  public Optional<RunHistory> history(String runId) {
    return queries("history").history(java.util.Objects.requireNonNull(runId, "runId"));
  }

  /**
   * Approvals runs wait for now, served from the engine's stores (no topic is read), of the newest
   * runs first; {@code query}'s types, search, time range, limit and cursor apply (its statuses do
   * not: these runs are WAITING). Each approval carries the token a decision must send.
   *
   * <pre>{@code
   * for (ApprovalItem a : client.pendingApprovals(RunQuery.builder().type("support").build()).approvals()) {
   *   client.decide(Decision.approve(a.runId(), a.approvalName()).approver("alice"));
   * }
   * }</pre>
   */
  public ApprovalPage pendingApprovals(RunQuery query) {
    return queries("pendingApprovals").pendingApprovals(java.util.Objects.requireNonNull(query, "query"));
  }

  private io.stepstream.internal.client.EngineQueries queries(String method) {
    if (queries == null) {
      throw new IllegalStateException(method + "(...) asks the engine's HTTP API: set engineUrl(\"http://engine:8080\") on the WorkflowClient builder"
          + " (an engine instance's --http-bind address; any instance answers for every run)");
    }
    return queries;
  }

  @Override
  public void close() {
    feed.close();
    lookups.close();
    waiters.failAll("the WorkflowClient was closed");
    producer.close(Duration.ofSeconds(5));
    wire.close();
    payloadStore.close();
  }

  private List<ConsumerRecord<String, byte[]>> readAll(String topic, int partition, Duration timeout, String consequence) {
    try {
      return TopicScanner.readAll(clientConfig, topic, partition, timeout);
    } catch (org.apache.kafka.common.KafkaException e) {
      throw AccessErrors.describeOr(e, clientConfig, "READ", topic, consequence, e);
    }
  }

  /** Engine topics hold only engine records; anything else (a stray producer) is skipped, not fatal for a tool. */
  private static <T> T decodeOrNull(java.util.function.Function<byte[], T> decoder, ConsumerRecord<String, byte[]> r) {
    try {
      return decoder.apply(r.value());
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** Same as Kafka's default partitioner for keyed records. */
  static int partitionOf(String key, int partitions) {
    return Consumers.partitionOf(key, partitions);
  }

  /** Where the client connects. */
  public static final class Builder {
    private final Map<String, Object> kafkaProperties = new HashMap<>();
    private String bootstrapServers;
    private String topicPrefix = Topics.DEFAULT_PREFIX;
    private io.stepstream.internal.approvals.ApprovalKey approvalKey;
    private Duration duplicateCheckAfter = Duration.ofSeconds(30);
    private int claimCheckThreshold = io.stepstream.internal.payloads.ClaimChecks.DEFAULT_THRESHOLD;
    private WireFormat wireFormat;
    private final List<String> engineUrls = new java.util.ArrayList<>();
    private String engineAuthToken;
    private String engineUser;
    private Duration engineTimeout = Duration.ofSeconds(15);

    /**
     * The engine's HTTP API, for {@link #describe}, {@link #listRuns}, {@link #history} and {@link
     * #pendingApprovals(RunQuery)}: one or more engine instances' base URLs, tried in order (the
     * next when one does not answer or is rebalancing). Any instance answers for every run.
     *
     * <pre>{@code
     * WorkflowClient.builder().bootstrapServers(servers)
     *     .engineUrl("http://engine-0.engine:8080", "http://engine-1.engine:8080")
     *     .engineAuthToken(jwt)
     *     .build();
     * }</pre>
     */
    public Builder engineUrl(String... urls) {
      for (String url : urls) {
        io.stepstream.internal.client.EngineHttp.parse(url); // fail now, naming the bad one
        engineUrls.add(url);
      }
      return this;
    }

    /** A bearer token (the caller's JWT) sent as {@code Authorization: Bearer ...} with every query. */
    public Builder engineAuthToken(String token) {
      this.engineAuthToken = token == null || token.isBlank() ? null : token.strip();
      return this;
    }

    /**
     * The user name queries are made as on an engine in dev mode ({@code X-Stepstream-User}; dev mode
     * takes it unverified). Outside dev mode use {@link #engineAuthToken}.
     *
     * <pre>{@code
     * WorkflowClient.builder().bootstrapServers("127.0.0.1:9092").engineUrl("http://127.0.0.1:8080").engineUser("alice").build();
     * }</pre>
     */
    public Builder engineUser(String name) {
      this.engineUser = name == null || name.isBlank() ? null : name.strip();
      return this;
    }

    /** How long one query may take per engine URL (default 15 s). */
    public Builder engineTimeout(Duration timeout) {
      this.engineTimeout = java.util.Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * How this client writes requests, commands, decisions and signals (default {@link
     * WireFormat#SCHEMA_REGISTRY} when the Kafka properties have {@value WireFormat#REGISTRY_URL}, else
     * {@link WireFormat#AVRO_SINGLE_OBJECT}). Whatever it writes, it reads results, events and
     * approval requests in all three formats; registry-framed ones need the registry URL.
     *
     * <pre>{@code
     * WorkflowClient.builder().bootstrapServers(servers).wireFormat(WireFormat.JSON).build();
     * }</pre>
     */
    public Builder wireFormat(WireFormat format) {
      this.wireFormat = java.util.Objects.requireNonNull(format, "format");
      return this;
    }

    /**
     * How long a started run may go without a result before the client asks the events topic
     * whether the engine reported it as a duplicate of an existing run (default 30 s). Runs that
     * finish sooner cost no extra read. Keep it longer than runs usually take in your bursts: every
     * run still unanswered then makes the client read its events partition (in a 50,000-run burst,
     * where runs wait up to 14 s, a 2 s delay meant an events read for nearly every run).
     */
    public Builder duplicateCheckAfter(Duration delay) {
      this.duplicateCheckAfter = delay;
      return this;
    }

    /**
     * Inputs larger than this many bytes (encoded) are written to the claim-check topic
     * {@code <prefix>.payloads} before the request, which then carries a reference (default 256
     * KiB, like the engine's threshold); {@code start} returns once the chunks are acknowledged.
     * Outputs the engine claim-checked are read back whatever this says. See docs/large-payloads.md.
     *
     * <pre>{@code
     * WorkflowClient.builder().bootstrapServers("kafka:9092").claimCheckThreshold(64 * 1024).build();
     * client.start("summarize", "run-1", tenMegabyteDocument);   // the request record stays small
     * }</pre>
     */
    public Builder claimCheckThreshold(int bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("claimCheckThreshold must be 0 or more bytes, was " + bytes);
      }
      this.claimCheckThreshold = bytes;
      return this;
    }

    /** Same as {@code approvalSigningKey("default", secret)}: the engine's {@code approvalSecret}. */
    public Builder approvalSecret(String secret) {
      return approvalSigningKey(io.stepstream.internal.approvals.ApprovalTokens.DEFAULT_KID, secret);
    }

    /**
     * Lets the client sign approval tokens itself, valid for 24 hours from the send, instead of
     * copying them from approval requests: for automated approvers that decide before the request
     * exists. The engine must hold the same key ({@code approvalSigningKey} or
     * {@code approvalVerificationKey}, same key id). Holding a key lets the client approve any run,
     * so give one only to such services; people approving pending requests need none. A null
     * secret means none.
     *
     * <pre>{@code
     * WorkflowClient autoApprover = WorkflowClient.builder()
     *     .bootstrapServers(servers)
     *     .approvalSigningKey("2026-07", System.getenv("STEPSTREAM_APPROVAL_SECRET"))
     *     .build();
     * }</pre>
     */
    public Builder approvalSigningKey(String kid, String secret) {
      this.approvalKey = secret == null ? null : io.stepstream.internal.approvals.ApprovalKey.of(kid, secret);
      return this;
    }

    /** The Kafka cluster: {@code host:port[,host:port...]} (or {@code bootstrap.servers} in {@link #kafkaProperties}). */
    public Builder bootstrapServers(String servers) {
      this.bootstrapServers = servers;
      return this;
    }

    /**
     * Kafka client properties for every producer, consumer and admin client of this client:
     * security settings above all ({@link KafkaProperties#load} reads a {@code --command-config}
     * style file). The client's own settings (acks=all, idempotence) are applied after these.
     *
     * <pre>{@code
     * WorkflowClient.builder()
     *     .bootstrapServers("broker-1:9093")
     *     .kafkaProperties(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512",
     *         "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"orders-app\" password=\"...\";",
     *         "ssl.truststore.location", "/etc/orders/truststore.p12", "ssl.truststore.password", "..."))
     *     .build();
     * }</pre>
     */
    public Builder kafkaProperties(Map<String, ?> properties) {
      properties.forEach(kafkaProperties::put);
      return this;
    }

    private String bootstrapServers() {
      Object fromProperties = kafkaProperties.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
      String servers = bootstrapServers != null ? bootstrapServers : fromProperties == null ? null : fromProperties.toString();
      if (servers == null || servers.isBlank()) {
        throw new IllegalStateException("no Kafka cluster: set bootstrapServers(\"host:9092\") or bootstrap.servers in kafkaProperties");
      }
      return servers;
    }

    public Builder topicPrefix(String prefix) {
      this.topicPrefix = prefix;
      return this;
    }

    public WorkflowClient build() {
      return new WorkflowClient(this);
    }
  }

  // ---- admin operations ----
  // Terminate, restart from a step, resume of all parked runs, dead letters (ADR 0016, docs/operations.md).

  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

  /**
   * Terminates a run: it ends at once, whatever it is doing (a running step's outcome is ignored
   * when it arrives, a timer is dropped, a parked run ends too), with a {@code TERMINATED} result and
   * no compensations; unfinished children are closed per their {@code ParentClosePolicy}. Use
   * {@link #cancel} to stop a run at a step boundary with its compensations.
   *
   * <pre>{@code
   * CommandResult r = client.terminate("order-42", "stuck on a dead supplier API");
   * if (!r.accepted()) System.out.println(r.detail()); // e.g. "run order-42 already ended COMPLETED; nothing to terminate"
   * }</pre>
   *
   * @throws WorkflowTimeoutException if the engine does not answer within 30 s (is it running?)
   */
  public CommandResult terminate(String runId, String reason) {
    return terminate(runId, reason, System.getProperty("user.name"), ADMIN_TIMEOUT);
  }

  /** {@link #terminate(String, String)} on behalf of {@code requestedBy}, waiting at most {@code timeout} for the answer. */
  public CommandResult terminate(String runId, String reason, String requestedBy, Duration timeout) {
    RunCommand command = adminCommand(runId, RunCommandType.TERMINATE, reason, requestedBy).build();
    AuditEvent answer = command(command, timeout, "terminating");
    return new CommandResult(runId, command.getCommandId(), "terminate", answer.getType() == AuditEventType.TERMINATE_REQUESTED,
        answer.getDetail());
  }

  /**
   * Restarts a run from a step: journal entries recorded before {@code fromStep} are kept, the
   * step's and everything recorded after it are removed, and the run goes on from there with the
   * code deployed now. For runs that ended (a new result is written for the same run id when it
   * ends again), parked and waiting runs; a running one is refused. What the removed part did
   * outside the run (records emitted, calls to other systems) is not undone; children it started
   * are not started again (their recorded results are reused).
   *
   * <pre>{@code
   * RestartResult r = client.restart("order-42", "charge", "payment provider bug fixed");
   * if (r.accepted()) {
   *   RunResult again = r.run().await(Duration.ofMinutes(1)); // the new result, not the one the run ended with before
   * }
   * }</pre>
   *
   * @throws WorkflowTimeoutException if the engine does not answer within 30 s
   */
  public RestartResult restart(String runId, String fromStep, String reason) {
    return restart(runId, fromStep, reason, System.getProperty("user.name"), ADMIN_TIMEOUT);
  }

  /** {@link #restart(String, String, String)} on behalf of {@code requestedBy}, waiting at most {@code timeout}. */
  public RestartResult restart(String runId, String fromStep, String reason, String requestedBy, Duration timeout) {
    java.util.Objects.requireNonNull(fromStep, "fromStep: the step to restart from");
    RunCommand command = adminCommand(runId, RunCommandType.RESTART, reason, requestedBy).setFromStep(fromStep).build();
    // The run's earlier result (if it ended) is on the results topic and maybe in this client's
    // cache: the handle is registered before the command is sent, without a lookup, so only a
    // result that comes after it (the new one) completes it.
    waiters.forget(runId);
    ResultWaiters.Hold hold = waiters.hold(runId);
    AuditEvent answer;
    try {
      answer = command(command, timeout, "restarting");
    } catch (RuntimeException e) {
      waiters.release(hold);
      throw e;
    }
    boolean accepted = answer.getType() == AuditEventType.RESTART_REQUESTED;
    if (!accepted) {
      waiters.release(hold);
    }
    return new RestartResult(runId, command.getCommandId(), accepted, answer.getDetail(),
        accepted ? new RunHandle(runId, hold.future(), this) : null);
  }

  /**
   * Resumes every parked run (of {@code workflowType}, if given) after a fix was deployed: one
   * command per partition of the requests topic; each partition resumes its parked runs (a few
   * hundred per tick) and audits each ({@code RESUME_REQUESTED}) and the command once ({@code
   * RESUME_PARKED_REQUESTED}). Returns once the commands are written, not when the runs resumed.
   *
   * <pre>{@code
   * ResumeParkedResult sent = client.resumeParked(Optional.of("order"));
   * }</pre>
   */
  public ResumeParkedResult resumeParked(Optional<String> workflowType) {
    return resumeParked(workflowType, System.getProperty("user.name"));
  }

  /** {@link #resumeParked(Optional)} on behalf of {@code requestedBy}. */
  public ResumeParkedResult resumeParked(Optional<String> workflowType, String requestedBy) {
    String commandId = UUID.randomUUID().toString();
    int partitions;
    try (KafkaConsumer<String, byte[]> meta = Consumers.readCommitted(clientConfig)) {
      partitions = meta.partitionsFor(topics.requests(), ADMIN_TIMEOUT).size();
    } catch (org.apache.kafka.common.KafkaException e) {
      throw AccessErrors.describeOr(e, clientConfig, "DESCRIBE", topics.requests(), "so parked runs were not resumed", e);
    }
    if (partitions == 0) {
      throw new IllegalStateException("topic " + topics.requests() + " does not exist; is a Stepstream engine running with topic prefix '"
          + topics.prefix() + "'?");
    }
    try {
      for (int p = 0; p < partitions; p++) {
        // keyed to land on partition p by the default partitioner (the engine moves records to their key's home partition)
        String key = io.stepstream.internal.client.PartitionKeys.keyFor("$resume-parked:" + commandId + ":", p, partitions);
        RunCommand command = adminCommand("", RunCommandType.RESUME_PARKED, null, requestedBy).setCommandId(commandId)
            .setWorkflowType(workflowType.orElse(null)).build();
        org.apache.kafka.common.header.Headers headers = new org.apache.kafka.common.header.internals.RecordHeaders();
        byte[] value = commandEncoder.encode(command, headers);
        producer.send(new ProducerRecord<>(topics.requests(), p, key, value, headers)).get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (ExecutionException | TimeoutException | org.apache.kafka.common.KafkaException e) {
      throw AccessErrors.describeOr(e, clientConfig, "WRITE", topics.requests(), "so parked runs were not resumed",
          new IllegalStateException("could not send the resume-parked command: " + e, e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new WorkflowTimeoutException("interrupted while sending the resume-parked command");
    }
    return new ResumeParkedResult(commandId, partitions);
  }

  /** {@link #cancel(String, String, Duration)} on behalf of {@code requestedBy} (an operator known to a tool, e.g. the HTTP API's caller). */
  public CommandResult cancel(String runId, String reason, String requestedBy, Duration timeout) {
    RunCommand command = adminCommand(runId, RunCommandType.CANCEL, reason, requestedBy).build();
    AuditEvent answer = command(command, timeout, "cancelling");
    return new CommandResult(runId, command.getCommandId(), "cancel", answer.getType() == AuditEventType.CANCEL_REQUESTED, answer.getDetail());
  }

  /** {@link #resume(String, Duration)} on behalf of {@code requestedBy}. */
  public CommandResult resume(String runId, String requestedBy, Duration timeout) {
    RunCommand command = adminCommand(runId, RunCommandType.RESUME, null, requestedBy).build();
    AuditEvent answer = command(command, timeout, "resuming");
    return new CommandResult(runId, command.getCommandId(), "resume", answer.getType() == AuditEventType.RESUME_REQUESTED, answer.getDetail());
  }

  /** The dead-letter topic: browse it, redrive records after a fix. See {@link DeadLetters}. */
  public DeadLetters deadLetters() {
    return new DeadLetters(new io.stepstream.internal.client.DeadLetterStore(clientConfig, topics, wire.reader(), producer));
  }

  private RunCommand.Builder adminCommand(String runId, RunCommandType type, String reason, String requestedBy) {
    return RunCommand.newBuilder()
        .setRunId(runId)
        .setCommandId(UUID.randomUUID().toString())
        .setType(type)
        .setReason(reason)
        .setRequestedBy(requestedBy)
        .setRequestedAt(System.currentTimeMillis());
  }
}
