package io.stepstream.docs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parts of docs/clients.md the checks read: tables marked with an HTML comment
 * ({@code <!-- table:dlq-codes -->}, invisible on GitHub) on the line before them, and fenced
 * {@code ```json input=<kind>} blocks.
 */
final class MarkdownTables {
  private static final Pattern CODE_SPAN = Pattern.compile("`([^`]+)`");

  private MarkdownTables() {}

  /** A table row: its cells, trimmed (the first is usually the name in backticks). */
  record Row(List<String> cells) {
    String first() {
      return cells.get(0);
    }

    /** The names in backticks in the first cell: one, or several for rows such as {@code `A`, `B`}. */
    Set<String> names() {
      return codeSpans(first());
    }
  }

  /** A fenced JSON example: what its {@code input=} tag says it is, and its text. */
  record Example(String kind, String json) {}

  /**
   * The rows (header and separator excluded) of the table right after {@code <!-- marker -->}.
   *
   * @throws IllegalArgumentException if the marker is missing or no table follows it
   */
  static List<Row> table(String doc, String marker) {
    String tag = "<!-- " + marker + " -->";
    int at = doc.indexOf(tag);
    if (at < 0) {
      throw new IllegalArgumentException("docs/clients.md has no table marked " + tag);
    }
    if (doc.indexOf(tag, at + 1) >= 0) {
      throw new IllegalArgumentException("docs/clients.md has two tables marked " + tag);
    }
    String[] lines = doc.substring(at + tag.length()).split("\n", -1);
    List<String> tableLines = new ArrayList<>();
    for (String line : lines) {
      if (line.isBlank() && tableLines.isEmpty()) {
        continue;
      }
      if (!line.startsWith("|")) {
        break;
      }
      tableLines.add(line);
    }
    if (tableLines.size() < 2 || !tableLines.get(1).matches("\\|[-| :]+\\|?")) {
      throw new IllegalArgumentException("no markdown table after " + tag);
    }
    int columns = cells(tableLines.get(0)).size();
    List<Row> rows = new ArrayList<>();
    for (String line : tableLines.subList(2, tableLines.size())) {
      List<String> cells = cells(line);
      if (cells.size() != columns) {
        throw new IllegalArgumentException("a row of the table " + tag + " has " + cells.size() + " cells, not " + columns + ": " + line);
      }
      rows.add(new Row(cells));
    }
    return rows;
  }

  /** Every name in backticks in the first cells of the table, with the row each came from. */
  static Map<String, Row> namesOf(List<Row> rows) {
    Map<String, Row> names = new LinkedHashMap<>();
    for (Row row : rows) {
      for (String name : row.names()) {
        names.put(name, row);
      }
    }
    return names;
  }

  /** The {@code ```json input=<kind>} blocks, in order. */
  static List<Example> examples(String doc) {
    List<Example> examples = new ArrayList<>();
    String[] lines = doc.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      Matcher m = Pattern.compile("^```json\\s+input=(\\S+)\\s*$").matcher(lines[i]);
      if (!m.matches()) {
        continue;
      }
      StringBuilder json = new StringBuilder();
      int j = i + 1;
      for (; j < lines.length && !lines[j].startsWith("```"); j++) {
        json.append(lines[j]).append('\n');
      }
      examples.add(new Example(m.group(1), json.toString()));
      i = j;
    }
    return examples;
  }

  static Set<String> codeSpans(String text) {
    Set<String> spans = new LinkedHashSet<>();
    Matcher m = CODE_SPAN.matcher(text);
    while (m.find()) {
      spans.add(m.group(1));
    }
    return spans;
  }

  private static List<String> cells(String line) {
    String inner = line.trim();
    inner = inner.substring(1, inner.endsWith("|") ? inner.length() - 1 : inner.length());
    List<String> cells = new ArrayList<>();
    for (String cell : inner.split("(?<!\\\\)\\|", -1)) {
      cells.add(cell.trim());
    }
    return cells;
  }
}
