package io.stepstream.internal.orchestrator;

import io.stepstream.avro.AuditEventType;
import io.stepstream.engine.AuditLevel;
import java.util.EnumSet;
import java.util.Set;

/** Which audit event types an {@link AuditLevel} leaves out of the events topic. */
final class AuditFilter {
  private static final Set<AuditEventType> ROUTINE_STEP_SUCCESSES =
      EnumSet.of(AuditEventType.STEP_COMPLETED, AuditEventType.VALUE_RECORDED, AuditEventType.HEARTBEAT);

  private final Set<AuditEventType> omitted;

  private AuditFilter(Set<AuditEventType> omitted) {
    this.omitted = omitted;
  }

  static AuditFilter of(AuditLevel level) {
    return new AuditFilter(switch (level) {
      case FULL -> EnumSet.noneOf(AuditEventType.class);
      case LEAN -> ROUTINE_STEP_SUCCESSES;
    });
  }

  boolean writes(AuditEventType type) {
    return !omitted.contains(type);
  }
}
