package io.stepstream.internal.query;

import io.stepstream.avro.RunState;
import io.stepstream.avro.RunStatus;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a run list asks for: statuses, workflow types, a run id substring ({@code q}), a creation
 * time range ({@code since} inclusive, {@code until} exclusive, epoch ms), a page size and where to
 * continue. Read from the query string of {@code GET /api/runs} or {@code GET /api/approvals}.
 */
public record RunFilter(Set<RunStatus> statuses, Set<String> types, String q, Long since, Long until, int limit, Position after) {
  public static final int DEFAULT_LIMIT = 50;
  public static final int MAX_LIMIT = 500;

  public RunFilter {
    statuses = Set.copyOf(statuses);
    types = Set.copyOf(types);
  }

  /** Everything, newest first, one default page. */
  public static RunFilter all() {
    return new RunFilter(Set.of(), Set.of(), null, null, null, DEFAULT_LIMIT, null);
  }

  /** From query parameters; {@link IllegalArgumentException} naming the bad parameter. */
  public static RunFilter parse(Map<String, String> query) {
    Set<RunStatus> statuses = split(query.get("status")).stream().map(RunFilter::status).collect(Collectors.toSet());
    Set<String> types = split(query.get("type"));
    String q = query.get("q");
    Long since = number(query, "since");
    Long until = number(query, "until");
    Long limit = number(query, "limit");
    if (limit != null && (limit < 1 || limit > MAX_LIMIT)) {
      throw new IllegalArgumentException("limit must be 1.." + MAX_LIMIT + ", was " + limit);
    }
    String cursor = query.get("cursor");
    Position after = cursor == null || cursor.isBlank() ? null : Position.ofCursor(cursor);
    return new RunFilter(statuses, types, q == null || q.isBlank() ? null : q, since, until,
        limit == null ? DEFAULT_LIMIT : limit.intValue(), after);
  }

  /** The query string of this filter (without limit and cursor), as instances pass it on to each other. */
  public String queryString() {
    StringBuilder s = new StringBuilder();
    if (!statuses.isEmpty()) {
      s.append("&status=").append(encode(statuses.stream().map(Enum::name).sorted().collect(Collectors.joining(","))));
    }
    if (!types.isEmpty()) {
      s.append("&type=").append(encode(types.stream().sorted().collect(Collectors.joining(","))));
    }
    if (q != null) {
      s.append("&q=").append(encode(q));
    }
    if (since != null) {
      s.append("&since=").append(since);
    }
    if (until != null) {
      s.append("&until=").append(until);
    }
    s.append("&limit=").append(limit);
    if (after != null) {
      s.append("&cursor=").append(after.cursor());
    }
    return s.substring(1);
  }

  /** True if the run's header matches (time range included). */
  public boolean matches(RunState s) {
    return (statuses.isEmpty() || statuses.contains(s.getStatus()))
        && (types.isEmpty() || types.contains(s.getWorkflowType()))
        && (q == null || s.getRunId().toLowerCase(Locale.ROOT).contains(q.toLowerCase(Locale.ROOT)))
        && inTimeRange(s.getCreatedAt());
  }

  public boolean inTimeRange(long createdAt) {
    return (since == null || createdAt >= since) && (until == null || createdAt < until);
  }

  private static String encode(String s) {
    return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
  }

  private static java.util.List<String> splitList(String value) {
    if (value == null || value.isBlank()) {
      return java.util.List.of();
    }
    return Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  private static Set<String> split(String value) {
    return Set.copyOf(splitList(value));
  }

  private static RunStatus status(String name) {
    try {
      return RunStatus.valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("status '" + name + "' is not a run status; use "
          + Arrays.stream(RunStatus.values()).map(Enum::name).collect(Collectors.joining(", ")));
    }
  }

  private static Long number(Map<String, String> query, String name) {
    String value = query.get(name);
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a number (" + (name.equals("limit") ? "1.." + MAX_LIMIT : "epoch milliseconds")
          + "), was '" + value + "'");
    }
  }
}
