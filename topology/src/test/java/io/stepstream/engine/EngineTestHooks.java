package io.stepstream.engine;

import io.stepstream.internal.http.HttpAuth;

/** What tests in other packages may set on an engine that users cannot (no public API for it). */
public final class EngineTestHooks {
  private EngineTestHooks() {}

  /** The instance's Kafka Streams (its metadata: who owns which partition). */
  public static org.apache.kafka.streams.KafkaStreams streams(Stepstream engine) {
    return engine.streamsForTests();
  }

  /** The query routes authenticate with {@code auth} (e.g. {@code new DevModeAuth()}) outside dev mode. */
  public static Stepstream.Builder httpAuth(Stepstream.Builder builder, HttpAuth auth) {
    return builder.httpAuthForTests(auth);
  }
}
