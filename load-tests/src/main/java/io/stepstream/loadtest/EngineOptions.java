package io.stepstream.loadtest;

import io.stepstream.engine.Stepstream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import picocli.CommandLine.Option;

/**
 * Engine tuning flags, passed through to {@link Stepstream.Builder}. A flag that is not given leaves
 * the engine's own default in place, so benchmarks measure what users get unless told otherwise.
 */
public final class EngineOptions {
  @Option(names = "--commit-interval-ms", paramLabel = "MS", description = "Stepstream.Builder.commitInterval (engine default if omitted).")
  Long commitIntervalMs;

  @Option(names = "--early-commit-below", paramLabel = "RECORDS_PER_S",
      description = "Stepstream.Builder.earlyCommitBelow: below this input rate a result is committed at once (0 = always wait for the commit interval; engine default if omitted).")
  Integer earlyCommitBelow;

  @Option(names = "--poll-ms", paramLabel = "MS", description = "Stepstream.Builder.pollInterval, Kafka Streams poll.ms (engine default if omitted).")
  Long pollMs;

  @Option(names = "--partitions", paramLabel = "N", description = "Partitions of the topics the engine creates (engine default if omitted).")
  Integer partitions;

  @Option(names = "--executor-threads", paramLabel = "N",
      description = "Threads running workflow code (engine default if omitted; " + Scenario.SLOW_STEPS_EXECUTOR_THREADS + " for slow-steps).")
  Integer executorThreads;

  @Option(names = "--stream-threads", paramLabel = "N", description = "Kafka Streams num.stream.threads (engine default if omitted).")
  Integer streamThreads;

  @Option(names = "--streams-config", paramLabel = "KEY=VALUE",
      description = "Any Kafka Streams property (also producer.*, consumer.*), repeatable: Stepstream.Builder.streamsConfig.")
  Map<String, String> streamsConfig = new LinkedHashMap<>();

  @Option(names = "--wire-format", paramLabel = "json|avro|registry",
      description = "Stepstream.Builder.wireFormat: what the engine writes on its public topics (engine default if omitted).")
  String wireFormat;

  // a String, not the enum: BENCH_ENGINE_REF may run engines older than AuditLevel
  @Option(names = "--audit-level", paramLabel = "FULL|LEAN", description = "Stepstream.Builder.auditLevel (engine default FULL if omitted).")
  String auditLevel;

  /** Applies the given flags; {@code defaultExecutorThreads} (if > 0) is used when --executor-threads is absent. */
  public Stepstream.Builder apply(Stepstream.Builder b, int defaultExecutorThreads) {
    if (commitIntervalMs != null) {
      b.commitInterval(Duration.ofMillis(commitIntervalMs));
    }
    if (earlyCommitBelow != null) {
      b.earlyCommitBelow(earlyCommitBelow);
    }
    if (pollMs != null) {
      b.pollInterval(Duration.ofMillis(pollMs));
    }
    if (partitions != null) {
      b.partitions(partitions);
    }
    if (executorThreads != null) {
      b.executorThreads(executorThreads);
    } else if (defaultExecutorThreads > 0) {
      b.executorThreads(defaultExecutorThreads);
    }
    if (streamThreads != null) {
      b.streamThreads(streamThreads);
    }
    streamsConfig.forEach(b::streamsConfig);
    if (auditLevel != null) {
      b.auditLevel(io.stepstream.engine.AuditLevel.valueOf(auditLevel.trim().toUpperCase(java.util.Locale.ROOT)));
    }
    if (wireFormat != null) {
      b.wireFormat(io.stepstream.client.WireFormat.parse(wireFormat));
    }
    return b;
  }

  /**
   * Engine settings the benchmarks need that are not tuning. Engines that are not on their own
   * embedded broker require an approval secret; the noop and slow-steps workflows ask for no
   * approvals, so a random one will do.
   */
  static Stepstream.Builder benchDefaults(Stepstream.Builder b, String approvalSecret) {
    return b.approvalSecret(approvalSecret != null ? approvalSecret : randomSecret());
  }

  static String randomSecret() {
    byte[] bytes = new byte[24];
    new java.security.SecureRandom().nextBytes(bytes);
    return java.util.HexFormat.of().formatHex(bytes);
  }

  public boolean anyGiven() {
    return commitIntervalMs != null || earlyCommitBelow != null || pollMs != null || partitions != null || executorThreads != null
        || streamThreads != null || !streamsConfig.isEmpty() || auditLevel != null;
  }

  /** The flags as given (absent ones omitted). */
  public Map<String, Object> given() {
    Map<String, Object> m = new LinkedHashMap<>();
    if (commitIntervalMs != null) {
      m.put("commit-interval-ms", commitIntervalMs);
    }
    if (earlyCommitBelow != null) {
      m.put("early-commit-below", earlyCommitBelow);
    }
    if (pollMs != null) {
      m.put("poll-ms", pollMs);
    }
    if (partitions != null) {
      m.put("partitions", partitions);
    }
    if (executorThreads != null) {
      m.put("executor-threads", executorThreads);
    }
    if (streamThreads != null) {
      m.put("stream-threads", streamThreads);
    }
    if (auditLevel != null) {
      m.put("audit-level", auditLevel);
    }
    if (!streamsConfig.isEmpty()) {
      m.put("streams-config", new TreeMap<>(streamsConfig));
    }
    return m;
  }

  /** The flags as given, as command-line arguments again (for an engine in its own JVM). */
  public List<String> toArgs() {
    List<String> args = new ArrayList<>();
    given().forEach((flag, value) -> {
      if (value instanceof Map<?, ?> configs) {
        configs.forEach((k, v) -> args.addAll(List.of("--" + flag, k + "=" + v)));
      } else {
        args.addAll(List.of("--" + flag, String.valueOf(value)));
      }
    });
    if (wireFormat != null) {
      args.addAll(List.of("--wire-format", wireFormat));
    }
    return args;
  }

  private static final Set<String> NOT_CONFIGURATION = Set.of("bootstrap.servers", "state.dir", "application.id");

  /** Client properties from --command-config that must not appear in output: passwords, JAAS configs, keys. */
  static boolean isSecret(String key) {
    String k = key.toLowerCase(java.util.Locale.ROOT);
    return k.contains("password") || k.contains("jaas") || k.contains("secret") || k.endsWith(".key") || k.contains("keystore.key")
        || k.contains("credentials");
  }

  /**
   * The configuration a started engine actually runs with, defaults included: builder settings and
   * the Kafka Streams properties the engine built. Read reflectively (the public API has no
   * getters), read-only and best effort: if the engine's internals change, the result says so and
   * the report falls back to the flags that were given.
   */
  public static Map<String, Object> effective(Stepstream engine) {
    Map<String, Object> m = new LinkedHashMap<>();
    try {
      Field configField = Stepstream.class.getDeclaredField("config");
      configField.setAccessible(true);
      Object builder = configField.get(engine);
      for (String name : new String[] {"partitions", "executorThreads", "streamThreads", "commitInterval", "earlyCommitBelow", "pollInterval",
          "timerTick", "effectiveReplicationFactor", "outcomeAckTimeout", "resumeDelay"}) {
        try {
          Field f = builder.getClass().getDeclaredField(name);
          f.setAccessible(true);
          Object v = f.get(builder);
          m.put(name, v instanceof Duration d ? d.toMillis() + " ms" : v);
        } catch (NoSuchFieldException e) {
          // renamed in the engine: leave it out
        }
      }
      Method streamsConfig = Stepstream.class.getDeclaredMethod("streamsConfig");
      streamsConfig.setAccessible(true);
      Properties p = (Properties) streamsConfig.invoke(engine);
      Map<String, Object> streams = new TreeMap<>();
      p.forEach((k, v) -> {
        String key = String.valueOf(k);
        if (!NOT_CONFIGURATION.contains(key)) {
          streams.put(key, isSecret(key) ? "(hidden)" : String.valueOf(v)); // printed and written to results: no passwords
        }
      });
      m.put("streamsConfig", streams);
    } catch (ReflectiveOperationException | RuntimeException e) {
      m.put("unavailable", "could not read the engine's effective configuration (" + e + "); see the flags instead");
    }
    return m;
  }
}
