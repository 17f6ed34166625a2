package io.stepstream.testkit;

import io.stepstream.NonDeterminismException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The reports of replaying several histories; {@link #assertDeterministic()} is the CI gate.
 *
 * <pre>{@code
 * WorkflowReplayer.of(new OrderWorkflows())
 *     .replay(HistorySource.fromFiles(Path.of("src/test/resources/histories")))
 *     .assertDeterministic();   // fails the build, naming every run, step and change
 * }</pre>
 */
public final class ReplayReports {
  private final List<ReplayReport> reports;

  ReplayReports(List<ReplayReport> reports) {
    this.reports = List.copyOf(reports);
  }

  public List<ReplayReport> all() {
    return reports;
  }

  /** The runs the current code does not replay as recorded. */
  public List<ReplayReport> nonDeterministic() {
    return reports.stream().filter(r -> !r.deterministic()).toList();
  }

  public boolean allDeterministic() {
    return nonDeterministic().isEmpty();
  }

  /**
   * @throws NonDeterminismException listing every run whose history the code does not replay, with what changed
   */
  public ReplayReports assertDeterministic() {
    List<ReplayReport> bad = nonDeterministic();
    if (!bad.isEmpty()) {
      throw new NonDeterminismException(bad.size() + " of " + reports.size() + " replayed histories do not match the current workflow code:\n"
          + bad.stream().map(r -> "  - " + r).collect(Collectors.joining("\n")));
    }
    return this;
  }

  @Override
  public String toString() {
    return reports.stream().map(ReplayReport::toString).collect(Collectors.joining("\n"));
  }
}
