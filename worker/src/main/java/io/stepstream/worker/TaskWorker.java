package io.stepstream.worker;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.regex.Pattern;

import io.stepstream.internal.worker.WorkerRuntime;

/**
 * Runs the remote steps of one task queue in this JVM: workflow code calls {@code ctx.task("summarize", "llm-tasks",
 * input, Summary.class)}, the engine writes a task record to {@code <prefix>.tasks.llm-tasks}, a worker executes
 * it and publishes the outcome to {@code <prefix>.signals}.
 *
 * <pre>{@code
 * record Doc(String text) {}
 * record Summary(String text) {}
 *
 * try (TaskWorker worker = TaskWorker.builder()
 *         .bootstrapServers("localhost:9092")
 *         .queue("llm-tasks")
 *         .concurrency(8)                                           // tasks at once in this JVM
 *         .handler((task, ctx) -> new Summary(summarize(task.input(Doc.class).text())))
 *         .build()
 *         .start()) {
 *     Thread.currentThread().join();                               // until the process is told to stop
 * }
 * }</pre>
 *
 * <p>Tasks come through a Kafka share group (KIP-932, group id {@code <prefix>.workers.<queue>} unless set):
 * any number of workers share a queue, whatever its partition count. A task is acknowledged (ACCEPT) only after
 * its outcome is acknowledged by the broker, so a worker that dies mid-task loses nothing: the broker's
 * acquisition lock expires and another worker runs the task again (the engine takes the first outcome of a task
 * id). {@link #close()} interrupts running handlers and RELEASEs their tasks. Details: docs/workers.md.
 */
public final class TaskWorker implements AutoCloseable {

  private static final Pattern QUEUE = Pattern.compile("[A-Za-z0-9._-]+");

  private final Builder settings;
  private WorkerRuntime runtime;

  private TaskWorker(Builder settings) {
    this.settings = settings;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Sets the share group's configuration ({@code share.auto.offset.reset=earliest},
   * {@code share.isolation.level=read_committed}; logged clearly if not permitted), starts the cancel-notice
   * reader and the slots; returns once they run.
   */
  public synchronized TaskWorker start() throws InterruptedException {
    if (runtime != null) {
      throw new IllegalStateException("already started");
    }
    Map<String, Object> client = new HashMap<>(settings.kafka);
    String prefix = settings.topicPrefix;
    runtime = WorkerRuntime.start(settings.name(), client, prefix + ".tasks." + settings.queue, prefix + ".signals",
        prefix + ".task-cancels", groupId(), settings.concurrency,
        Math.min(settings.concurrency, settings.consumers > 0 ? settings.consumers : settings.concurrency), settings.handler);
    return this;
  }

  /** The share group this worker consumes with. */
  public String groupId() {
    return settings.groupId != null ? settings.groupId : settings.topicPrefix + ".workers." + settings.queue;
  }

  /** Stops polling, interrupts running handlers and RELEASEs their tasks to other workers, closes the clients. */
  @Override
  public synchronized void close() {
    if (runtime != null) {
      runtime.close();
      runtime = null;
    }
  }

  /** Settings of a {@link TaskWorker}; {@link #queue}, {@link #handler} and the bootstrap servers are required. */
  public static final class Builder {
    private final Map<String, Object> kafka = new HashMap<>();
    private String topicPrefix = "stepstream";
    private String queue;
    private String groupId;
    private int concurrency = 1;
    private int consumers = 0; // 0: one per thread
    private TaskHandler handler;
    private String name;

    private Builder() {
    }

    public Builder bootstrapServers(String servers) {
      kafka.put("bootstrap.servers", Objects.requireNonNull(servers, "servers"));
      return this;
    }

    /**
     * Kafka client settings for every client of the worker (security: {@code security.protocol},
     * {@code sasl.*}, {@code ssl.*}; also {@code bootstrap.servers}). The worker's own settings (acks,
     * idempotence, acknowledgement mode, group id, client ids) win over these.
     */
    public Builder kafkaProperties(Map<String, ?> properties) {
      kafka.putAll(properties);
      return this;
    }

    /** Like {@link #kafkaProperties(Map)}, from a properties file's contents. */
    public Builder kafkaProperties(Properties properties) {
      properties.stringPropertyNames().forEach(k -> kafka.put(k, properties.getProperty(k)));
      return this;
    }

    /** The engine's topic prefix ({@code --topic-prefix}); default {@code stepstream}. */
    public Builder topicPrefix(String prefix) {
      this.topicPrefix = Objects.requireNonNull(prefix, "prefix");
      return this;
    }

    /** The task queue: tasks are read from {@code <prefix>.tasks.<queue>}. */
    public Builder queue(String queue) {
      if (queue == null || !QUEUE.matcher(queue).matches()) {
        throw new IllegalArgumentException("a queue name is [A-Za-z0-9._-]+, got " + queue);
      }
      this.queue = queue;
      return this;
    }

    /** The share group; default {@code <prefix>.workers.<queue>} (workers of one queue share it). */
    public Builder groupId(String groupId) {
      this.groupId = groupId;
      return this;
    }

    /** How many tasks this worker runs at once, each on its own thread; default 1. */
    public Builder concurrency(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("concurrency must be at least 1");
      }
      this.concurrency = threads;
      return this;
    }

    /**
     * How many share consumers feed those threads; default {@code concurrency} (each thread its own
     * consumer). In explicit acknowledgement mode a consumer may poll again only when every task of
     * its previous poll is done, so a consumer feeding several threads leaves them idle until its
     * slowest task ends, and whenever tasks trickle in (it takes what is there). Fewer consumers
     * cost the broker less (each is a share-group member with its own fetches and heartbeats); keep
     * at least as many consumers, over all workers, as the queue has partitions, or some workers get
     * more partitions' worth of tasks than others. Measured: docs/benchmarks.md "Issue 16".
     */
    public Builder consumers(int consumers) {
      if (consumers < 1) {
        throw new IllegalArgumentException("consumers must be at least 1");
      }
      this.consumers = consumers;
      return this;
    }

    public Builder handler(TaskHandler handler) {
      this.handler = Objects.requireNonNull(handler, "handler");
      return this;
    }

    /** A name for threads, client ids and logs; default {@code worker-<queue>-<pid>}. */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    public TaskWorker build() {
      if (queue == null) {
        throw new IllegalStateException("queue(...) is required");
      }
      if (handler == null) {
        throw new IllegalStateException("handler(...) is required");
      }
      if (!kafka.containsKey("bootstrap.servers")) {
        throw new IllegalStateException("bootstrapServers(...) or kafkaProperties with bootstrap.servers is required");
      }
      return new TaskWorker(this);
    }

    private String name() {
      return name != null ? name : "worker-" + queue + "-" + ProcessHandle.current().pid();
    }
  }
}
