package io.stepstream.fault;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * RELIABILITY.md invariant 4: the (single) broker is SIGKILLed mid-load, so mid-transaction (with the
 * default 50 ms commit interval a transaction is always open), and started again on the same log
 * directory 3 s later, while both engines and the client keep running. No acknowledged request may be
 * lost, and every run finishes once, consistently, after the heal, without restarting an engine.
 *
 * <p>Transaction timeout 30 s, not the default: the broker is away about 10 s, and transactions the
 * coordinator aborts on timeout during such an outage left a hanging transaction in 3 of 7 runs on
 * Kafka 4.4 (a task that never finished restoring). docs/reliability.md has the details.
 */
@Timeout(300)
class BrokerBounceIT {

  @Test
  void aBrokerKilledAndRestartedMidLoadLosesNoAcknowledgedRequest() throws Exception {
    var settings = FaultCluster.Settings.defaults().option("stepDelayMs=20").option("transactionTimeoutMs=30000");
    try (FaultCluster cluster = FaultCluster.start("BrokerBounceIT", settings)) {
      cluster.startInstances("e1", "e2");
      LoadDriver load = cluster.startLoad("bb", 40);
      cluster.during(Duration.ofSeconds(10), "load");
      String bootstrap = cluster.bootstrap();
      cluster.broker().killHard();
      cluster.note("SIGKILL broker");
      cluster.during(Duration.ofSeconds(3), "broker down");
      cluster.broker().restart();
      cluster.note("broker restarted at " + cluster.bootstrap());
      assertThat(cluster.bootstrap()).as("the broker must come back on its port, or nobody can reconnect").isEqualTo(bootstrap);
      cluster.during(Duration.ofSeconds(10), "load after the bounce");
      Set<String> acked = load.stop();
      boolean enginesSurvived = cluster.isAlive("e1") && cluster.isAlive("e2");
      cluster.note(acked.size() + " of " + load.sent() + " requests acknowledged");

      Checker.Report report = cluster.healAndCheck(acked, Duration.ofSeconds(120), false);

      assertThat(enginesSurvived).as("engines must ride out a broker restart").isTrue();
      assertThat(report.counts()).as(report.summary()).isEmpty();
    }
  }
}
