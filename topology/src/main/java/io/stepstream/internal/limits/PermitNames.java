package io.stepstream.internal.limits;

/** Journal names of flow control's entries, shared by executions and the orchestrator. */
public final class PermitNames {
  public static final String REQUEST = "$permit-request:";
  public static final String PERMIT = "$permit:";
  public static final String RELEASE = "$release:";

  private PermitNames() {}
}
