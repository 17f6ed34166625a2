package io.stepstream.fault;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The loopback "external system" of the fault suite: every executed step appends one line
 * {@code <step> <idempotencyKey> <value> <epochMillis>} to {@code effects-<instance>.log}, one file
 * per engine JVM (appended to again by the same instance after a restart).
 *
 * <p>One {@code write} per line on an append-mode channel: after a SIGKILL a line is either in the OS
 * page cache (and so in the file) or absent, never half written, except at worst the very last line,
 * which {@link #readAll} skips if it is malformed.
 */
public final class EffectsLog implements AutoCloseable {
  private final FileChannel channel;

  private EffectsLog(FileChannel channel) {
    this.channel = channel;
  }

  public static EffectsLog open(Path workDir, String instance) throws IOException {
    Files.createDirectories(workDir);
    return new EffectsLog(
        FileChannel.open(file(workDir, instance), StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND));
  }

  static Path file(Path workDir, String instance) {
    return workDir.resolve("effects-" + instance + ".log");
  }

  /** Records that {@code step} ran with {@code key} and produced {@code value}. */
  public synchronized void record(String step, String key, String value) {
    String line = step + " " + key + " " + value + " " + System.currentTimeMillis() + "\n";
    try {
      ByteBuffer bytes = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not record the effect of " + key, e);
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  /** One executed step, as the external system saw it. */
  public record Effect(String instance, String step, String key, String value, long at) {}

  /** Every effect recorded by every instance in {@code workDir}. */
  public static List<Effect> readAll(Path workDir) throws IOException {
    List<Effect> effects = new ArrayList<>();
    if (!Files.isDirectory(workDir)) {
      return effects;
    }
    try (Stream<Path> files = Files.list(workDir)) {
      for (Path f : (Iterable<Path>) files.filter(p -> p.getFileName().toString().matches("effects-.+\\.log"))::iterator) {
        String name = f.getFileName().toString();
        String instance = name.substring("effects-".length(), name.length() - ".log".length());
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
          String[] parts = line.split(" ");
          if (parts.length != 4) {
            continue; // a line cut by a kill (only ever the last one)
          }
          effects.add(new Effect(instance, parts[0], parts[1], parts[2], Long.parseLong(parts[3])));
        }
      }
    }
    return effects;
  }
}
