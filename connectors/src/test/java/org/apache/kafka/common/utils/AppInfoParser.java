package org.apache.kafka.common.utils;

/**
 * Test-only shim, put on the test Connect worker's classpath by {@code ConnectWorker}: connect-file 4.4.0 is not on
 * Maven Central, and the FileStreamSource of 4.3.1 (used unchanged instead) calls {@code AppInfoParser.getVersion()}
 * from this package, which Kafka 4.4 moved to {@code org.apache.kafka.common.utils.internals}. It is the only class
 * connect-file 4.3.1 references that the 4.4 jars lack (checked with javap).
 */
public final class AppInfoParser {
  private AppInfoParser() {}

  public static String getVersion() {
    return org.apache.kafka.common.utils.internals.AppInfoParser.getVersion();
  }
}
