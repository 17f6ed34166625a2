package io.stepstream.examples.app;

import io.stepstream.client.KafkaProperties;
import io.stepstream.engine.Stepstream;
import io.stepstream.examples.SupportWorkflows;
import io.stepstream.examples.SupportWorkflows.Reply;
import io.stepstream.examples.SupportWorkflows.Ticket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * An application that runs workflows in its own process, as a user would write it: one dependency
 * ({@code stepstream-topology}, the engine), its own cluster and client properties, its own logging
 * binding (this example adds none, so SLF4J stays silent).
 *
 * <pre>
 * java -cp ... io.stepstream.examples.app.EmbeddedEngineApp broker-1:9093 client.properties "$APPROVAL_SECRET"
 * </pre>
 */
public final class EmbeddedEngineApp {
  private EmbeddedEngineApp() {}

  public static void main(String[] args) {
    if (args.length < 3) {
      System.err.println("usage: EmbeddedEngineApp BOOTSTRAP_SERVERS CLIENT_PROPERTIES_FILE|- APPROVAL_SECRET");
      System.exit(2);
    }
    Map<String, String> kafka = args[1].equals("-") ? Map.of() : KafkaProperties.load(Path.of(args[1]));
    try (Stepstream engine =
        Stepstream.builder()
            .bootstrapServers(args[0])
            .kafkaProperties(kafka)
            .approvalSecret(args[2])
            .stateDir(Path.of("state"))
            .register(new SupportWorkflows())
            .build()
            .start()) {
      // a typed handle: the output, or a WorkflowFailedException naming the error type
      Reply reply =
          engine.client()
              .start(SupportWorkflows.TRIAGE, new Ticket("T-1", "ada", "I was charged twice"), Reply.class)
              .await(Duration.ofMinutes(1));
      System.out.println(reply.reply());
    }
  }
}
