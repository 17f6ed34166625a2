package io.stepstream.loadtest;

import java.util.concurrent.CountDownLatch;

import io.stepstream.worker.TaskWorker;

/**
 * A remote-task worker process for {@link RemoteTasksBenchmark}: {@code concurrency} slots, each task sleeps
 * {@code sleepMs} and returns this worker's name (so the results say who ran what). Prints
 * {@code BENCH_WORKER_READY}; SIGTERM closes it.
 *
 * <pre>
 * java -cp CLASSPATH io.stepstream.loadtest.BenchWorker BOOTSTRAP PREFIX QUEUE NAME CONCURRENCY SLEEP_MS
 * </pre>
 */
public final class BenchWorker {
 private BenchWorker() {
 }

 public static void main(String[] args) throws Exception {
  String name = args[3];
  long sleepMs = Long.parseLong(args[5]);
  TaskWorker worker = TaskWorker.builder().bootstrapServers(args[0]).topicPrefix(args[1]).queue(args[2]).name(name)
    .concurrency(Integer.parseInt(args[4]))
    .consumers(args.length > 6 && Integer.parseInt(args[6]) > 0 ? Integer.parseInt(args[6]) : Integer.parseInt(args[4]))
    .handler((task, ctx) -> {
     Thread.sleep(sleepMs);
     return name;
    })
    .build().start();
  CountDownLatch closed = new CountDownLatch(1);
  Runtime.getRuntime().addShutdownHook(new Thread(() -> {
   worker.close();
   closed.countDown();
  }, "bench-worker-shutdown"));
  System.out.println("BENCH_WORKER_READY " + name + " pid=" + ProcessHandle.current().pid());
  System.out.flush();
  closed.await();
 }
}
