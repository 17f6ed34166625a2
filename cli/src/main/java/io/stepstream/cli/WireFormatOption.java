package io.stepstream.cli;

import io.stepstream.client.WireFormat;
import io.stepstream.engine.Stepstream;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code --wire-format}, shared by the commands that run an engine ({@code engine}, {@code dev}). */
final class WireFormatOption {
  @Spec(Spec.Target.MIXEE) CommandSpec spec;

  @Option(names = "--wire-format", paramLabel = "json|avro|registry",
      description = "How results, events, approval requests and dead letters are written: json (plain JSON with stepstream.schema headers),"
          + " avro (Avro single-object) or registry (Confluent wire format; needs schema.registry.url in --command-config)."
          + " Default: registry when --command-config has schema.registry.url, else avro. Inputs are read in all three.")
  String wireFormat;

  /** The format asked for, or null for the default. */
  WireFormat parsed() {
    if (wireFormat == null) {
      return null;
    }
    try {
      return WireFormat.parse(wireFormat);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--wire-format " + wireFormat + ": " + e.getMessage());
    }
  }

  /** Sets the format on {@code builder} when one was asked for. */
  Stepstream.Builder applyTo(Stepstream.Builder builder) {
    WireFormat format = parsed();
    return format == null ? builder : builder.wireFormat(format);
  }
}
