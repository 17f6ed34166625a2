package io.stepstream.connect;

/** The plugins' version, from the jar's manifest (what a worker shows in {@code GET /connector-plugins}). */
final class Versions {
  private Versions() {}

  static String of(Class<?> type) {
    String version = type.getPackage().getImplementationVersion();
    return version == null ? "unknown (not from the plugin jar)" : version;
  }
}
