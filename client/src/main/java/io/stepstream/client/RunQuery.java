package io.stepstream.client;

import io.stepstream.RunStatus;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What {@link WorkflowClient#listRuns} lists: by status, workflow type, run id substring and
 * creation time, newest first, {@code limit} runs a page (default 50, at most 500), from a cursor.
 * Immutable; {@link #next} gives the query of the next page.
 *
 * <pre>{@code
 * RunQuery stuck = RunQuery.builder()
 *     .status(RunStatus.WAITING, RunStatus.PARKED)
 *     .type("support")
 *     .search("acme")                                   // run ids containing "acme" (any case)
 *     .since(Instant.now().minus(Duration.ofDays(1)))
 *     .limit(100)
 *     .build();
 * }</pre>
 */
public final class RunQuery {
  public static final int DEFAULT_LIMIT = 50;
  public static final int MAX_LIMIT = 500;

  private final Set<RunStatus> statuses;
  private final Set<String> types;
  private final String search;
  private final Instant since;
  private final Instant until;
  private final int limit;
  private final String cursor;

  private RunQuery(Builder b, String cursor) {
    this.statuses = Set.copyOf(b.statuses);
    this.types = Set.copyOf(b.types);
    this.search = b.search;
    this.since = b.since;
    this.until = b.until;
    this.limit = b.limit;
    this.cursor = cursor;
  }

  /** Every run, newest first, the first page of {@value #DEFAULT_LIMIT}. */
  public static RunQuery all() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The same query, continuing at {@code cursor} (a page's {@code nextCursor}). */
  public RunQuery next(String cursor) {
    return new RunQuery(toBuilder(), cursor);
  }

  private Builder toBuilder() {
    Builder b = new Builder();
    b.statuses.addAll(statuses);
    b.types.addAll(types);
    b.search = search;
    b.since = since;
    b.until = until;
    b.limit = limit;
    return b;
  }

  public Set<RunStatus> statuses() {
    return statuses;
  }

  public Set<String> types() {
    return types;
  }

  /** Substring of the run id (case-insensitive), or null. */
  public String search() {
    return search;
  }

  /** Runs created at or after this, or null. */
  public Instant since() {
    return since;
  }

  /** Runs created before this, or null. */
  public Instant until() {
    return until;
  }

  public int limit() {
    return limit;
  }

  /** Where this page starts (a previous page's {@code nextCursor}), or null for the first. */
  public String cursor() {
    return cursor;
  }

  @Override
  public String toString() {
    return "RunQuery[statuses=" + statuses + ", types=" + types + ", search=" + search + ", since=" + since + ", until=" + until
        + ", limit=" + limit + ", cursor=" + cursor + "]";
  }

  /** Builds a {@link RunQuery}; every criterion is optional. */
  public static final class Builder {
    private final Set<RunStatus> statuses = new LinkedHashSet<>();
    private final Set<String> types = new LinkedHashSet<>();
    private String search;
    private Instant since;
    private Instant until;
    private int limit = DEFAULT_LIMIT;
    private String cursor;

    private Builder() {}

    /** Runs in any of these statuses (called again: adds). */
    public Builder status(RunStatus... statuses) {
      this.statuses.addAll(Arrays.asList(statuses));
      return this;
    }

    /** Runs of any of these workflow types (called again: adds). */
    public Builder type(String... workflowTypes) {
      this.types.addAll(Arrays.asList(workflowTypes));
      return this;
    }

    public Builder search(String runIdSubstring) {
      this.search = runIdSubstring == null || runIdSubstring.isBlank() ? null : runIdSubstring;
      return this;
    }

    public Builder since(Instant since) {
      this.since = since;
      return this;
    }

    public Builder until(Instant until) {
      this.until = until;
      return this;
    }

    /** Runs a page, 1..{@value RunQuery#MAX_LIMIT}. */
    public Builder limit(int limit) {
      if (limit < 1 || limit > MAX_LIMIT) {
        throw new IllegalArgumentException("limit must be 1.." + MAX_LIMIT + ", was " + limit);
      }
      this.limit = limit;
      return this;
    }

    public Builder cursor(String cursor) {
      this.cursor = cursor == null || cursor.isBlank() ? null : cursor;
      return this;
    }

    public RunQuery build() {
      return new RunQuery(this, cursor);
    }
  }
}
