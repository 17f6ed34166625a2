package io.stepstream.internal.connect;

import io.stepstream.internal.codec.Envelopes;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.connect.errors.ConnectException;

/**
 * Writes decisions from webhook answers to the approvals topic, keyed by run id, and waits for the broker's ack:
 * the record that carried the approval request is only done (its offset committable) once its decision is written.
 */
final class DecisionWriter implements AutoCloseable {
  /** Longer than the producer's own delivery timeout (2 minutes by default), so the producer's error is what we see. */
  private static final Duration ACK_WAIT = Duration.ofMinutes(3);

  private final Producer<String, byte[]> producer;
  private final String topic;
  private final boolean json;

  DecisionWriter(Producer<String, byte[]> producer, String topic, boolean json) {
    this.producer = producer;
    this.topic = topic;
    this.json = json;
  }

  void write(WebhookDecision.Decision decision) throws InterruptedException {
    String runId = decision.decision().getRunId();
    byte[] value = json ? decision.json() : Envelopes.encode(decision.decision());
    try {
      producer.send(new ProducerRecord<>(topic, runId, value)).get(ACK_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new ConnectException("could not write the webhook's decision on approval '" + decision.decision().getApprovalName()
          + "' of run " + runId + " to " + topic + ": " + cause + ". The task stops; its offsets were not committed, so after a"
          + " restart (fix the stepstream.producer.* settings or the ACLs: it needs WRITE on " + topic + ") the approval"
          + " request is delivered again", cause);
    }
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(30));
  }
}
