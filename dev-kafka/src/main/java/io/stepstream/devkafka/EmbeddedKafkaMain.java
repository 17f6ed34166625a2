package io.stepstream.devkafka;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Runs {@link EmbeddedKafka} as a separate OS process, so tests can kill -9 and restart a real broker.
 *
 * <pre>
 * java -cp CLASSPATH io.stepstream.devkafka.EmbeddedKafkaMain --data-dir DIR [--port-file FILE] [--parent-pid PID]
 *      [--override KEY=VALUE]...
 * </pre>
 *
 * <p>When the broker serves clients, writes its bootstrap servers to {@code --port-file} (atomically) and prints
 * {@code KAFKA_READY <bootstrap>} on stdout; then runs until SIGTERM, which shuts the broker down cleanly.
 * With {@code --parent-pid} it also shuts down when that process ends, so a crashed test run leaves no broker behind.
 * {@code --override} passes extra broker properties, as {@link EmbeddedKafka#start(Path, Map)} does.
 */
public final class EmbeddedKafkaMain {

    private static final String USAGE =
            "usage: EmbeddedKafkaMain --data-dir DIR [--port-file FILE] [--parent-pid PID] [--override KEY=VALUE]...";

    private EmbeddedKafkaMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Path dataDir = null;
        Path portFile = null;
        Long parentPid = null;
        Map<String, String> overrides = new LinkedHashMap<>();
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--data-dir" -> dataDir = Path.of(valueAfter(args, i++));
                    case "--port-file" -> portFile = Path.of(valueAfter(args, i++));
                    case "--parent-pid" -> parentPid = Long.parseLong(valueAfter(args, i++));
                    case "--override" -> {
                        String override = valueAfter(args, i++);
                        int eq = override.indexOf('=');
                        if (eq <= 0) {
                            throw new IllegalArgumentException("--override needs KEY=VALUE, got " + override);
                        }
                        overrides.put(override.substring(0, eq), override.substring(eq + 1));
                    }
                    default -> throw new IllegalArgumentException("unknown argument " + args[i]);
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage() + "\n" + USAGE);
            System.exit(2);
        }
        if (dataDir == null) {
            System.err.println(USAGE);
            System.exit(2);
        }

        EmbeddedKafka kafka;
        try {
            kafka = EmbeddedKafka.start(dataDir, overrides);
        } catch (IOException | RuntimeException e) {
            e.printStackTrace();
            // Broker threads are not daemons: without an explicit exit a failed start could hang forever.
            System.exit(1);
            return;
        }

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                kafka.close();
            } finally {
                stopped.countDown();
            }
        }, "embedded-kafka-shutdown"));

        if (parentPid != null) {
            ProcessHandle.of(parentPid).ifPresentOrElse(
                    parent -> parent.onExit().thenRun(() -> System.exit(0)),
                    () -> System.exit(0));
        }

        try {
            if (portFile != null) {
                Path target = portFile.toAbsolutePath();
                String bootstrap = kafka.bootstrapServers();
                Files.createDirectories(target.getParent());
                EmbeddedKafka.writeAtomically(target, out -> out.write(bootstrap.getBytes(StandardCharsets.UTF_8)));
            }
        } catch (IOException e) {
            e.printStackTrace();
            System.exit(1);
        }
        System.out.println("KAFKA_READY " + kafka.bootstrapServers());
        System.out.flush();

        stopped.await();
    }

    private static String valueAfter(String[] args, int option) {
        if (option + 1 >= args.length) {
            throw new IllegalArgumentException("missing value after " + args[option]);
        }
        return args[option + 1];
    }
}
