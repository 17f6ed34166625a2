package io.stepstream;

/**
 * What happens to a session message that arrives while a turn of its session runs.
 *
 * <pre>{@code
 * client.sendSessionMessage("agent-session", "conv-42", "add-message", "hi", MessagePolicy.INTERRUPT);
 * }</pre>
 */
public enum MessagePolicy {
  /** Queued; turns run one at a time in arrival order (the default). */
  ENQUEUE,
  /** Answered at once as failed ({@code SESSION_BUSY}, naming the session and the running turn); nothing runs. */
  REJECT,
  /**
   * The running turn is cancelled (its state change is not committed) and this message runs next,
   * before queued ones. A turn that completed before the cancel reached it commits as usual.
   */
  INTERRUPT
}
