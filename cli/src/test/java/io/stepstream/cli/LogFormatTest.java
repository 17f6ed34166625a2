package io.stepstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/** The runnable engine's log lines (cli/src/main/resources/logback.xml) carry the engine's MDC. */
@Timeout(10)
class LogFormatTest {

  @Test
  void aLineLoggedInsideAStepNamesItsRunAndStep() {
    String line = format(Map.of("stepstream.runId", "order-42", "stepstream.step", "charge", "stepstream.workflowType", "order"));

    assertThat(line).contains(" run=order-42 step=charge - payment provider slow");
  }

  @Test
  void aLineAboutNoRunHasNoRunOrStepField() {
    String line = format(Map.of());

    assertThat(line).doesNotContain("run=").doesNotContain("step=").contains("Payments - payment provider slow");
  }

  @Test
  void kafkaIsQuietUnlessAsked() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();

    assertThat(context.getLogger("org.apache.kafka.clients.consumer.KafkaConsumer").getEffectiveLevel()).isEqualTo(Level.WARN);
    assertThat(context.getLogger("io.stepstream.engine.Stepstream").getEffectiveLevel()).isEqualTo(Level.INFO);
  }

  private static String format(Map<String, String> mdc) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    @SuppressWarnings("unchecked")
    PatternLayoutEncoder encoder = (PatternLayoutEncoder) ((ConsoleAppender<?>) root.getAppender("STDERR")).getEncoder();
    LoggingEvent event = new LoggingEvent("x", context.getLogger("com.example.Payments"), Level.WARN, "payment provider slow", null, null);
    event.setMDCPropertyMap(mdc);
    return encoder.getLayout().doLayout(event);
  }
}
