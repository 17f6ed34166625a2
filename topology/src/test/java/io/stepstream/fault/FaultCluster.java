package io.stepstream.fault;

import io.stepstream.client.Topics;
import io.stepstream.client.WorkflowClient;
import io.stepstream.devkafka.BrokerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The fault suite's harness: a real broker in its own process ({@link BrokerProcess}), engine
 * instances as child JVMs ({@link ChaosInstance}) that a test kills, pauses, restarts and scales, a
 * {@link LoadDriver}, and the {@link Checker} at the end.
 *
 * <pre>{@code
 * try (FaultCluster cluster = FaultCluster.start("RepeatedKillIT", FaultCluster.Settings.defaults())) {
 *   cluster.startInstances("e1", "e2");
 *   LoadDriver load = cluster.startLoad("r", 50);
 *   cluster.kill("e1");
 *   cluster.restart("e1", true);             // with a wiped state dir
 *   Set<String> acked = load.stop();
 *   Checker.Report report = cluster.healAndCheck(acked, Duration.ofSeconds(90), false);
 *   assertThat(report.counts()).as(report.summary()).isEmpty();
 * }
 * }</pre>
 *
 * <p>Everything of one test lives in {@code target/fault/<test>/} (broker data, state dirs, effects
 * logs, each JVM's log, {@code timeline.log}, {@code report.txt}), kept for the post-mortem.
 * Randomness comes from one seed, printed first; rerun with {@code -Dfault.seed=N}.
 */
final class FaultCluster implements AutoCloseable {
  static final String PREFIX = "chaos";
  static final String APPLICATION_ID = PREFIX + "-engine";
  static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
  /**
   * Up to four JVMs share two cores here: C1 only and the serial collector leave out the C2 and GC
   * threads that would compete for them (tens of runs/s need no peak performance), so instances
   * start and restore sooner.
   */
  static final List<String> JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

  /** Engine settings shared by every instance of a test. */
  record Settings(int partitions, long commitMs, List<String> options) {
    static Settings defaults() {
      return new Settings(6, 50, List.of());
    }

    Settings commitMs(long ms) {
      return new Settings(partitions, ms, options);
    }

    Settings option(String keyValue) {
      List<String> more = new ArrayList<>(options);
      more.add(keyValue);
      return new Settings(partitions, commitMs, more);
    }
  }

  private final Path dir;
  private final Settings settings;
  private final BrokerProcess broker;
  private final Map<String, Instance> instances = new LinkedHashMap<>();
  private final long startedAt = System.nanoTime();
  private final long seed;
  private final Random random;
  private WorkflowClient client;
  private final List<LoadDriver> loads = new ArrayList<>();

  private static final class Instance {
    final String name;
    final Path stateDir;
    InstanceProcess process;
    int incarnation;

    Instance(String name, Path stateDir) {
      this.name = name;
      this.stateDir = stateDir;
    }
  }

  private FaultCluster(Path dir, Settings settings, BrokerProcess broker, long seed) {
    this.dir = dir;
    this.settings = settings;
    this.broker = broker;
    this.seed = seed;
    this.random = new Random(seed);
  }

  /** A fresh directory {@code target/fault/<test>} and a broker in its own process. */
  static FaultCluster start(String test, Settings settings) throws IOException {
    Path dir = Path.of("target", "fault", test).toAbsolutePath();
    deleteRecursively(dir);
    Files.createDirectories(dir.resolve("work"));
    long seed = Long.getLong("fault.seed", System.nanoTime());
    BrokerProcess broker = BrokerProcess.start(dir.resolve("broker"));
    FaultCluster cluster = new FaultCluster(dir, settings, broker, seed);
    cluster.note("seed " + seed + " (rerun with -Dfault.seed=" + seed + "), broker " + broker.bootstrapServers() + ", dir " + dir);
    return cluster;
  }

  String bootstrap() {
    return broker.bootstrapServers();
  }

  Topics topics() {
    return Topics.withPrefix(PREFIX);
  }

  Path workDir() {
    return dir.resolve("work");
  }

  Path dir() {
    return dir;
  }

  Random random() {
    return random;
  }

  BrokerProcess broker() {
    return broker;
  }

  /** Launches the instances together (they share the start-up cost), then waits until each is RUNNING. */
  void startInstances(String... names) throws Exception {
    for (String name : names) {
      Instance i = instances.computeIfAbsent(name, n -> new Instance(n, dir.resolve("state-" + n)));
      if (i.process != null && i.process.isAlive()) {
        throw new IllegalStateException(name + " is already running");
      }
      launch(i);
    }
    for (String name : names) {
      instances.get(name).process.awaitOutput(ChaosInstance.READY, READY_TIMEOUT);
      note(name + " ready (pid " + instances.get(name).process.pid() + ")");
    }
  }

  private void launch(Instance i) throws IOException {
    i.incarnation++;
    List<String> args = new ArrayList<>(List.of(bootstrap(), i.stateDir.toString(), workDir().toString(), i.name,
        Long.toString(settings.commitMs()), "prefix=" + PREFIX, "partitions=" + settings.partitions()));
    args.addAll(settings.options());
    i.process = InstanceProcess.start(ChaosInstance.class, JVM_OPTIONS, dir.resolve(i.name + "-" + i.incarnation + ".log"), args.toArray(String[]::new));
    note("launched " + i.name + " #" + i.incarnation + " (pid " + i.process.pid() + ")");
  }

  /** SIGKILL. */
  void kill(String name) throws InterruptedException {
    Instance i = instance(name);
    i.process.killHard();
    note("SIGKILL " + name);
  }

  /**
   * Starts a killed or stopped instance again, on its old state dir or a wiped one, and waits until
   * it is RUNNING (after restoring its state).
   *
   * @return how long the restart took, restore included
   */
  Duration restart(String name, boolean wipeState) throws Exception {
    long start = System.nanoTime();
    relaunch(name, wipeState);
    instance(name).process.awaitOutput(ChaosInstance.READY, READY_TIMEOUT);
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    note(name + " ready again after " + took.toMillis() + " ms");
    return took;
  }

  /** Like {@link #restart}, without waiting: the instance may be killed again while it restores. */
  void relaunch(String name, boolean wipeState) throws Exception {
    Instance i = instance(name);
    if (i.process.isAlive()) {
      throw new IllegalStateException(name + " is still running");
    }
    if (wipeState) {
      deleteRecursively(i.stateDir);
    }
    note("restarting " + name + (wipeState ? " on a WIPED state dir" : " on its state dir"));
    launch(i);
  }

  /** SIGTERM: a clean shutdown (commit, leave the group). */
  void stop(String name) throws InterruptedException {
    instance(name).process.close();
    note("stopped " + name);
  }

  void pause(String name) throws Exception {
    instance(name).process.pause();
    note("SIGSTOP " + name);
  }

  void resume(String name) throws Exception {
    instance(name).process.resume();
    note("SIGCONT " + name);
  }

  boolean isAlive(String name) {
    return instance(name).process.isAlive();
  }

  /** Alive and RUNNING (it printed READY in this incarnation). */
  boolean isReady(String name) {
    InstanceProcess p = instance(name).process;
    try {
      return p.isAlive() && Files.readString(p.log()).contains(ChaosInstance.READY);
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * For {@code load}: every {@code minGapMs}..{@code maxGapMs} one ready instance of {@code names} is
   * SIGKILLed and started again at once ({@code wipeOneInThree}: a third of the time on a wiped state
   * dir). Returns how many kills there were.
   */
  int killOneAtATime(List<String> names, Duration load, int minGapMs, int maxGapMs, boolean wipeOneInThree) throws Exception {
    long end = System.nanoTime() + load.toNanos();
    int kills = 0;
    while (System.nanoTime() < end) {
      during(Duration.ofMillis(minGapMs + random.nextInt(maxGapMs - minGapMs + 1)), "load");
      // a running one: killing an instance still restoring again and again would only test start-up
      String victim = anyReady(names);
      kill(victim);
      kills++;
      relaunch(victim, wipeOneInThree && random.nextInt(3) == 0);
    }
    return kills;
  }

  /** Waits (up to the start-up timeout) until one of {@code names} is ready; returns a random one of the ready ones. */
  String anyReady(List<String> names) throws InterruptedException {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      List<String> ready = names.stream().filter(this::isReady).toList();
      if (!ready.isEmpty()) {
        return ready.get(random.nextInt(ready.size()));
      }
      if (names.stream().noneMatch(this::isAlive)) {
        throw new IllegalStateException("every instance of " + names + " exited; see their logs in " + dir);
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("none of " + names + " became ready within " + READY_TIMEOUT);
  }

  private Instance instance(String name) {
    Instance i = instances.get(name);
    if (i == null || i.process == null) {
      throw new IllegalArgumentException("no instance " + name + " was started");
    }
    return i;
  }

  /** The test's client (created on first use, once the engines created the topics). */
  synchronized WorkflowClient client() {
    if (client == null) {
      client = WorkflowClient.builder().bootstrapServers(bootstrap()).topicPrefix(PREFIX).build();
    }
    return client;
  }

  /** Starts {@code perSecond} runs of {@link ChaosWorkflow#CHAIN} per second, ids {@code <runPrefix>-<n>}. */
  LoadDriver startLoad(String runPrefix, int perSecond) {
    return startLoad(runPrefix, perSecond, ChaosWorkflow.CHAIN);
  }

  /** Starts {@code perSecond} runs of {@code workflowType} per second. */
  LoadDriver startLoad(String runPrefix, int perSecond, String workflowType) {
    LoadDriver load = new LoadDriver(client(), workflowType, runPrefix, perSecond);
    loads.add(load);
    note("load " + perSecond + " runs/s (" + runPrefix + "-*)");
    return load;
  }

  /** Sleeps, keeping the timeline readable. */
  void during(Duration d, String what) throws InterruptedException {
    note(what + " for " + d.toMillis() + " ms");
    Thread.sleep(d.toMillis());
  }

  /** A stall is read from where each live instance's threads are: jstack into threads-<name>.txt. */
  private void dumpThreads() {
    for (Instance i : instances.values()) {
      if (i.process == null || !i.process.isAlive()) {
        continue;
      }
      try {
        Path out = dir.resolve("threads-" + i.name + ".txt");
        new ProcessBuilder("jstack", Long.toString(i.process.pid())).redirectErrorStream(true).redirectOutput(out.toFile())
            .start().waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
        note("thread dump of " + i.name + " in " + out.getFileName());
      } catch (Exception e) {
        note("no thread dump of " + i.name + ": " + e);
      }
    }
  }

  /**
   * Waits until every run in {@code runIds} has a committed result, or {@code bound} passed.
   *
   * @return the runs still without a result
   */
  Set<String> awaitResults(Collection<String> runIds, Duration bound) {
    Set<String> missing = new TreeSet<>(runIds);
    var config = Map.<String, Object>of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    long deadline = System.nanoTime() + bound.toNanos();
    try (var consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topics().results(), Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).collect(Collectors.toList());
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      while (!missing.isEmpty() && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> missing.remove(r.key()));
      }
    }
    if (!missing.isEmpty()) {
      dumpThreads();
    }
    note(missing.isEmpty()
        ? "all " + runIds.size() + " runs have a committed result"
        : missing.size() + " of " + runIds.size() + " runs without a committed result after " + bound.toSeconds() + " s, e.g. "
            + missing.stream().limit(5).collect(Collectors.toList()));
    return missing;
  }

  /**
   * The heal: waits (up to {@code bound}) for every acknowledged run's result, stops the instances
   * cleanly (so no transaction is left open), then checks every invariant. The report also goes to
   * {@code report.txt}.
   */
  Checker.Report healAndCheck(Set<String> requested, Duration bound, boolean effectsOnce) throws Exception {
    awaitResults(requested, bound);
    for (Instance i : instances.values()) {
      if (i.process.isAlive()) {
        stop(i.name);
      }
    }
    Checker.Report report = Checker.check(Checker.observe(bootstrap(), topics(), APPLICATION_ID, workDir(), requested), effectsOnce);
    note("report: " + report.summary());
    Files.writeString(dir.resolve("report.txt"), report.summary() + "\n", StandardCharsets.UTF_8);
    return report;
  }

  /** Seconds since the cluster started and the wall-clock time (as in the JVM logs), for the timeline. */
  String elapsed() {
    return String.format("%7.1fs %s", (System.nanoTime() - startedAt) / 1e9,
        java.time.LocalTime.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
  }

  void note(String what) {
    String line = elapsed() + " " + what;
    System.out.println("[fault] " + line);
    try {
      Files.writeString(dir.resolve("timeline.log"), line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws Exception {
    for (LoadDriver load : loads) {
      load.close();
    }
    if (client != null) {
      client.close();
    }
    for (Instance i : instances.values()) {
      if (i.process != null) {
        i.process.close();
      }
    }
    broker.close();
    note("closed");
  }

  static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Run ids that some instance executed step {@code step} for, per the effects logs. */
  Set<String> runsWithEffect(String step) throws IOException {
    Set<String> runs = new HashSet<>();
    for (EffectsLog.Effect e : EffectsLog.readAll(workDir())) {
      if (e.step().equals(step)) {
        runs.add(e.key().substring(0, e.key().lastIndexOf('/')));
      }
    }
    return runs;
  }
}
