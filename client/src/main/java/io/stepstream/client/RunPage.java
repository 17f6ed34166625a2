package io.stepstream.client;

import java.util.List;
import java.util.Optional;

/**
 * One page of a run list, newest first. Ask for the next with {@link RunQuery#next(String)}; a
 * page may hold fewer runs than its limit (even none) and still have a next one, when the engine
 * stopped looking at its scan budget.
 *
 * <pre>{@code
 * RunQuery query = RunQuery.builder().type("support").limit(100).build();
 * for (RunPage page = client.listRuns(query); ; page = client.listRuns(query = query.next(page.nextCursor().get()))) {
 *   page.runs().forEach(run -> System.out.println(run.runId()));
 *   if (page.nextCursor().isEmpty()) break;
 * }
 * }</pre>
 */
public record RunPage(List<RunSummary> runs, Optional<String> nextCursor) {
  public RunPage {
    runs = List.copyOf(runs);
  }
}
