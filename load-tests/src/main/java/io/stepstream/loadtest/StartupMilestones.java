package io.stepstream.loadtest;

import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.EnumMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When a starting engine JVM reached each step of its start, read from its log lines (slf4j-simple,
 * {@code HH:mm:ss.SSS [thread] LEVEL Logger - message}, with the loggers of {@link #LOG_LEVELS} at
 * INFO) and from the lines {@link BenchEngine} prints. Times are epoch milliseconds; a milestone not
 * seen is absent.
 *
 * <pre>
 * StartupMilestones m = new StartupMilestones(processStartMs);
 * engineOutput.forEach(m::accept);
 * m.sinceStart(Milestone.RUNNING); // ms from process start to Kafka Streams RUNNING
 * </pre>
 */
final class StartupMilestones {
  /** In the order an engine normally reaches them. */
  enum Milestone {
    MAIN("main() entered (JVM started, main class loaded)"),
    TOPICS_CHECKED("topics checked (admin round trips: cluster, topics, configs)"),
    STREAMS_STARTING("KafkaStreams.start() called (engine wired: producers, topology)"),
    THREADS_STARTED("stream threads started (local state of on-disk tasks opened)"),
    ASSIGNED("partitions assigned (group joined and synced)"),
    PRODUCER_READY("stream thread's producer initTransactions done"),
    RESTORED("last task restored"),
    RUNNING("Kafka Streams RUNNING"),
    READY("engine ready line printed"),
    FIRST_RESULT("first noop-3 run's result at the client");

    final String what;

    Milestone(String what) {
      this.what = what;
    }
  }

  /** The child JVM's logger levels these milestones need (system properties of slf4j-simple). */
  static final Map<String, String> LOG_LEVELS = Map.of(
      "org.slf4j.simpleLogger.log.org.apache.kafka.streams.KafkaStreams", "info",
      "org.slf4j.simpleLogger.log.org.apache.kafka.clients.consumer.internals.ConsumerCoordinator", "info",
      "org.slf4j.simpleLogger.log.org.apache.kafka.clients.producer.internals.TransactionManager", "info",
      "org.slf4j.simpleLogger.log.org.apache.kafka.streams.processor.internals.DefaultStateUpdater", "info",
      "org.slf4j.simpleLogger.log.io.stepstream.engine.Stepstream", "info",
      "org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");

  private static final Pattern TIME = Pattern.compile("^(\\d\\d:\\d\\d:\\d\\d\\.\\d\\d\\d) ");
  private static final Pattern EPOCH = Pattern.compile("\\bat=(\\d+)");

  private final long processStartMs;
  private final ZoneId zone;
  private final Map<Milestone, Long> reached = new EnumMap<>(Milestone.class);

  StartupMilestones(long processStartMs) {
    this(processStartMs, ZoneId.systemDefault());
  }

  StartupMilestones(long processStartMs, ZoneId zone) {
    this.processStartMs = processStartMs;
    this.zone = zone;
  }

  /** One line of the engine's output. */
  synchronized void accept(String line) {
    if (line.startsWith("BENCH_ENGINE_MAIN")) {
      first(Milestone.MAIN, epochOf(line));
    } else if (line.startsWith("BENCH_ENGINE_READY")) {
      first(Milestone.READY, epochOf(line));
    } else if (line.contains("records written by this engine may be at most")) {
      first(Milestone.TOPICS_CHECKED, timeOf(line));
    } else if (line.contains("State transition from CREATED to REBALANCING") && line.contains("stream-client")) {
      first(Milestone.STREAMS_STARTING, timeOf(line));
    } else if (line.matches(".*Started \\d+ stream threads.*")) {
      first(Milestone.THREADS_STARTED, timeOf(line));
    } else if (line.contains("Successfully synced group")) {
      first(Milestone.ASSIGNED, timeOf(line));
    } else if (line.contains("StreamThread-") && line.contains("-producer") && line.contains("ProducerId set")) {
      first(Milestone.PRODUCER_READY, timeOf(line));
    } else if (line.contains("completed restoration") && !reached.containsKey(Milestone.RUNNING)) {
      Long t = timeOf(line);
      if (t != null) {
        reached.put(Milestone.RESTORED, t); // the last one before RUNNING
      }
    } else if (line.contains("State transition from REBALANCING to RUNNING") && line.contains("stream-client")) {
      first(Milestone.RUNNING, timeOf(line));
    }
  }

  private long cpuAtReadyMs = -1;
  private long cpuAtFirstResultMs = -1;

  /** CPU time the engine JVM had used when it printed its ready line, and after the first result (ms, -1 unknown). */
  synchronized void cpuMillis(long atReady, long atFirstResult) {
    cpuAtReadyMs = atReady;
    cpuAtFirstResultMs = atFirstResult;
  }

  synchronized long cpuAtReadyMs() {
    return cpuAtReadyMs;
  }

  synchronized long cpuAtFirstResultMs() {
    return cpuAtFirstResultMs;
  }

  synchronized void firstResultAt(long epochMs) {
    first(Milestone.FIRST_RESULT, epochMs);
  }

  /** Milliseconds from process start to the milestone, or -1 if it was not seen. */
  synchronized long sinceStart(Milestone m) {
    Long t = reached.get(m);
    return t == null ? -1 : t - processStartMs;
  }

  private void first(Milestone m, Long epochMs) {
    if (epochMs != null) {
      reached.putIfAbsent(m, epochMs);
    }
  }

  private static Long epochOf(String line) {
    Matcher m = EPOCH.matcher(line);
    return m.find() ? Long.parseLong(m.group(1)) : null;
  }

  /** The line's wall-clock time on the day of the process start (a start just before midnight is handled). */
  private Long timeOf(String line) {
    Matcher m = TIME.matcher(line);
    if (!m.find()) {
      return null;
    }
    try {
      LocalTime time = LocalTime.parse(m.group(1));
      LocalDate day = java.time.Instant.ofEpochMilli(processStartMs).atZone(zone).toLocalDate();
      long t = time.atDate(day).atZone(zone).toInstant().toEpochMilli();
      return t < processStartMs - 12 * 3600_000L ? t + 24 * 3600_000L : t;
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
