package io.stepstream.internal.codec.registry;

/**
 * A schema registry call that did not succeed. {@link #kind()} says whether retrying can help:
 * only {@link Kind#UNREACHABLE} is transient; the others need someone to change a setting, a
 * schema or the registry.
 */
public final class SchemaRegistryException extends RuntimeException {

  /** What went wrong, by what it takes to fix it. */
  public enum Kind {
    /** No URL of {@code schema.registry.url} answered (connection refused, timeout, 502-504). */
    UNREACHABLE,
    /** 401 or 403: credentials missing, wrong, or not allowed to do this on this subject. */
    NOT_AUTHORIZED,
    /** 409: the schema breaks the subject's compatibility rule. */
    INCOMPATIBLE,
    /** 422: the registry refused the schema or the compatibility level as invalid. */
    INVALID,
    /** 404 on a schema id: no such schema in this registry. */
    UNKNOWN_ID,
    /** Any other answer the client did not expect. */
    UNEXPECTED
  }

  private final Kind kind;

  SchemaRegistryException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  SchemaRegistryException(Kind kind, String message) {
    this(kind, message, null);
  }

  public Kind kind() {
    return kind;
  }

  /** True when the same call may succeed later without changing anything (the registry was down). */
  public boolean isRetriable() {
    return kind == Kind.UNREACHABLE;
  }
}
