package io.stepstream.fault;

import io.stepstream.engine.Stepstream;
import io.stepstream.Workflow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * A Stepstream instance run as a child JVM by the crash tests, so it can be killed with SIGKILL.
 * Every step appends "<step> <idempotencyKey> <attempt>" to {@code effects.log} (the "external
 * system"), and step "slow" blocks until the file {@code release} exists.
 *
 * <p>Args: bootstrapServers stateDir workDir
 */
public final class CrashTestInstance {
  public static final String TYPE = "crashy";
  public static final String SLEEPY = "sleepy";
  public static final String RETRYING = "retrying";
  public static final String APPROVE_THEN_SLOW = "approve-then-slow";

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    Path stateDir = Path.of(args[1]);
    Path work = Path.of(args[2]);
    Workflow<String, String> workflow =
        (ctx, input) -> {
          String a = ctx.step("one", String.class, s -> effect(work, s.stepName(), s.idempotencyKey(), "1"));
          String b =
              ctx.step(
                  "slow",
                  String.class,
                  s -> {
                    effect(work, "slow-started", s.idempotencyKey(), "");
                    while (!Files.exists(work.resolve("release"))) {
                      Thread.sleep(50);
                    }
                    return effect(work, s.stepName(), s.idempotencyKey(), "2");
                  });
          String c = ctx.step("three", String.class, s -> effect(work, s.stepName(), s.idempotencyKey(), "3"));
          return input + ":" + a + b + c;
        };
    Stepstream engine =
        Stepstream.builder()
            .bootstrapServers(bootstrap)
            .topicPrefix("crash")
            .stateDir(stateDir)
            .partitions(2)
            .approvalSecret("crash-test-secret-0000")
            // a killed member is noticed after this; the broker's minimum is 6 s
            .streamsConfig("consumer.session.timeout.ms", 6000)
            .streamsConfig("consumer.heartbeat.interval.ms", 1000)
            .register(TYPE, String.class, workflow)
            .register(APPROVE_THEN_SLOW, String.class, (ctx, in) -> {
              var a = ctx.awaitApproval("ship-it", io.stepstream.ApprovalRequest.of("ship?"), Duration.ofHours(1));
              String after = ctx.step("slow-after-approval", String.class, s -> {
                effect(work, "slow-after-approval-started", s.idempotencyKey(), "");
                while (!Files.exists(work.resolve("release-approval"))) {
                  Thread.sleep(50);
                }
                return effect(work, s.stepName(), s.idempotencyKey(), "shipped");
              });
              return a.approver() + ":" + after;
            })
            .register(SLEEPY, String.class, (ctx, in) -> {
              ctx.sleep("nap", Duration.ofSeconds(4));
              return ctx.step("after-nap", String.class, s -> effect(work, s.stepName(), s.idempotencyKey(), "woke"));
            })
            .register(RETRYING, String.class, (ctx, in) -> ctx.step("flaky", String.class, s -> {
              effect(work, "flaky-attempt-" + s.attempt(), s.idempotencyKey(), "");
              if (s.attempt() < 3) {
                throw new IllegalStateException("provider unavailable");
              }
              return "ok after " + s.attempt();
            }), io.stepstream.RetryPolicy.builder().initialInterval(Duration.ofSeconds(3)).backoffCoefficient(1).jitter(0).maximumAttempts(5).build())
            .build()
            .start();
    Runtime.getRuntime().addShutdownHook(new Thread(engine::close));
    System.out.println("INSTANCE_READY");
    System.out.flush();
    Thread.currentThread().join();
  }

  private static synchronized String effect(Path work, String step, String key, String value) throws Exception {
    Files.writeString(work.resolve("effects.log"), step + " " + key + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    return value;
  }
}
