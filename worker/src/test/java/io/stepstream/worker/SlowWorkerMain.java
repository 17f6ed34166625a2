package io.stepstream.worker;

import java.util.UUID;

/**
 * A worker process for fault tests and benchmarks: each task sleeps, then returns
 * {@code <taskId>|<random UUID>@<pid>} (a different value on every execution). Prints {@code WORKER_READY},
 * {@code STARTED <taskId> <runId>} and {@code DONE <taskId>} lines to stdout.
 *
 * <pre>{@code
 * java -cp ... io.stepstream.worker.SlowWorkerMain <bootstrap> <prefix> <queue> <concurrency> <sleepMs>
 * }</pre>
 */
public final class SlowWorkerMain {

  private SlowWorkerMain() {
  }

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    String prefix = args[1];
    String queue = args[2];
    int concurrency = Integer.parseInt(args[3]);
    long sleepMs = Long.parseLong(args[4]);
    long pid = ProcessHandle.current().pid();
    TaskWorker worker = TaskWorker.builder().bootstrapServers(bootstrap).topicPrefix(prefix).queue(queue)
        .concurrency(concurrency).name("slow-worker-" + pid)
        .handler((task, ctx) -> {
          say("STARTED " + task.taskId() + " " + task.runId());
          Thread.sleep(sleepMs);
          String value = task.taskId() + "|" + UUID.randomUUID() + "@" + pid;
          say("DONE " + task.taskId());
          return value;
        })
        .build().start();
    Runtime.getRuntime().addShutdownHook(new Thread(worker::close, "close-worker"));
    say("WORKER_READY " + pid);
    Thread.currentThread().join();
  }

  private static synchronized void say(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
