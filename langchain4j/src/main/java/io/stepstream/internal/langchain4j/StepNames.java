package io.stepstream.internal.langchain4j;

/** Step names this module makes up from the user's: checked early, with the rule named. */
public final class StepNames {
  private StepNames() {}

  /** A prefix or step name of the user's: non-empty, no leading '$', no '@' (the engine's rules for step names). */
  public static void checkPrefix(String name) {
    if (name == null || name.isBlank() || name.startsWith("$") || name.contains("@")) {
      throw new IllegalArgumentException(
          "invalid step name or prefix '" + name + "': it must be non-empty, must not start with '$' and must not contain '@'");
    }
  }

  /** The step of the i-th (from 1) tool call of a turn: {@code <turn>:<tool>-<i>}. */
  public static String toolStep(String turnName, String toolName, int index) {
    return turnName + ":" + toolName.replace('@', '_') + "-" + index;
  }
}
