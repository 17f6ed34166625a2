package io.stepstream.cli;

import io.stepstream.internal.client.EngineHttp;
import io.stepstream.internal.client.EngineQueries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Where the engine's HTTP API is and who asks: what query commands ({@code runs ...}) share. */
final class EngineUrlOptions {
  static final String DEFAULT_URL = "http://127.0.0.1:8080";

  @Option(names = "--engine-url", paramLabel = "URL", split = ",",
      description = "An engine instance's HTTP address (its --http-bind), repeatable or comma-separated: tried in order;"
          + " any instance answers for every run (default: $STEPSTREAM_ENGINE_URL, else " + DEFAULT_URL + ").")
  List<String> engineUrls = new ArrayList<>();

  @Option(names = "--engine-token-file", paramLabel = "FILE",
      description = "A file holding your JWT, sent as 'Authorization: Bearer' (default: $STEPSTREAM_ENGINE_TOKEN).")
  Path tokenFile;

  @Option(names = "--user", defaultValue = "${sys:user.name}",
      description = "Who asks, for an engine in dev mode (X-Stepstream-User, unverified) (default: your user name).")
  String user;

  List<String> urls() {
    if (!engineUrls.isEmpty()) {
      return engineUrls;
    }
    String fromEnv = System.getenv("STEPSTREAM_ENGINE_URL");
    return List.of(fromEnv == null || fromEnv.isBlank() ? DEFAULT_URL : fromEnv.strip());
  }

  String token() {
    try {
      if (tokenFile != null) {
        return Files.readString(tokenFile).strip();
      }
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("could not read the engine token from " + tokenFile + ": " + e.getMessage(), e);
    }
    String fromEnv = System.getenv("STEPSTREAM_ENGINE_TOKEN");
    return fromEnv == null || fromEnv.isBlank() ? null : fromEnv.strip();
  }

  EngineQueries queries() {
    return new EngineQueries(new EngineHttp(urls(), token(), user, Duration.ofSeconds(30)));
  }
}
