package io.stepstream.internal.query;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Part of a run list: what one partition (or one instance) found after the cursor, sorted, and how
 * far it is sure of it. {@code scannedTo}: every matching run up to this position (inclusive) is in
 * {@code items}; beyond it this part has not looked (it stopped at the page size or its scan
 * budget). Null: this part has nothing more at all. {@code partitions}: which partitions it read.
 *
 * <p>Items are JSON objects with {@code createdAt} and {@code runId} (RunSummary, or a
 * PendingApproval with its run's {@code createdAt} in {@code position}).
 */
public record Slice(List<Item> items, Position scannedTo, Set<Integer> partitions) {
  public Slice {
    items = List.copyOf(items);
    partitions = Set.copyOf(partitions);
  }

  /** One listed thing and its place in the order. */
  public record Item(Position position, ObjectNode json) {}

  public static Slice empty(Set<Integer> partitions) {
    return new Slice(List.of(), null, partitions);
  }

  /**
   * Merges parts into one page of at most {@code limit} runs: only items no part could still have
   * something before (up to the earliest {@code scannedTo}), in order, then cut at {@code limit}.
   * The result's {@code scannedTo} is where the next page continues (the last item returned, or the
   * point every part got to), null when every part is exhausted. Items of the same run (approvals)
   * count as one toward {@code limit} and are never split.
   */
  public static Slice merge(Collection<Slice> parts, int limit) {
    Position bound = null;
    Set<Integer> partitions = new TreeSet<>();
    List<Item> all = new ArrayList<>();
    for (Slice part : parts) {
      partitions.addAll(part.partitions());
      all.addAll(part.items());
      if (part.scannedTo() != null && (bound == null || part.scannedTo().compareTo(bound) < 0)) {
        bound = part.scannedTo();
      }
    }
    all.sort(Comparator.comparing(Item::position));
    List<Item> page = new ArrayList<>();
    Position last = null;
    int runs = 0;
    for (Item item : all) {
      if (bound != null && item.position().isAfter(bound)) {
        break;
      }
      boolean sameRun = last != null && last.equals(item.position());
      if (!sameRun && runs == limit) {
        return new Slice(page, last, partitions); // full: continue after the last run returned
      }
      page.add(item);
      if (!sameRun) {
        runs++;
      }
      last = item.position();
    }
    if (runs == limit && bound != null && last != null) {
      return new Slice(page, last, partitions);
    }
    return new Slice(page, bound, partitions);
  }
}
