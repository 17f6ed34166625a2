package io.stepstream.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Just enough of Java's syntax to find calls in source text and read their arguments: comments are
 * blanked out (so Javadoc mentioning a call is not one), strings stay intact, and a call is told from
 * a method declaration by what precedes its name. Not a parser; the doc checks that use it fail
 * loudly on a call shape they do not expect instead of guessing.
 */
final class JavaSources {
  private static final Pattern CONSTANT =
      Pattern.compile("static\\s+final\\s+String\\s+([A-Za-z_][A-Za-z0-9_]*)\\s*=\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*;");
  private static final Pattern LITERAL = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");

  /** One call found in a file: the file's name, the call as written up to its '(' and its top-level arguments. */
  record Call(String file, String call, List<String> args) {
    String arg(int i) {
      return args.get(i).trim();
    }

    @Override
    public String toString() {
      String text = call + String.join(",", args) + ")";
      return file + ": " + (text.length() > 160 ? text.substring(0, 160) + "..." : text);
    }
  }

  private final Map<String, String> byFile; // file name -> source with comments blanked

  private JavaSources(Map<String, String> byFile) {
    this.byFile = byFile;
  }

  /** Every .java file under the given source roots, by file name (e.g. {@code Outputs.java}). */
  static JavaSources load(Path... roots) {
    Map<String, String> files = new TreeMap<>();
    for (Path root : roots) {
      try (Stream<Path> paths = Files.walk(root)) {
        for (Path p : paths.filter(f -> f.toString().endsWith(".java")).toList()) {
          files.merge(p.getFileName().toString(), Files.readString(p), (a, b) -> a + "\n" + b);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read sources under " + root.toAbsolutePath(), e);
      }
    }
    return of(files);
  }

  /** Sources given as text, by file name (the mistake tests add made-up files). */
  static JavaSources of(Map<String, String> files) {
    Map<String, String> stripped = new TreeMap<>();
    files.forEach((name, text) -> stripped.put(name, stripComments(text)));
    return new JavaSources(stripped);
  }

  JavaSources with(String file, String text) {
    Map<String, String> more = new TreeMap<>(byFile);
    more.put(file, stripComments(text));
    return new JavaSources(more);
  }

  /**
   * The calls of {@code token} in {@code file} (null: every file). A token with a dot
   * ({@code outputs.deadLetter(}) or {@code new} matches as written, one starting with a dot
   * ({@code .lastHeader(}) on any receiver; a bare name ({@code ignore(}) matches only unqualified
   * calls, since qualified ones are other objects' methods.
   */
  List<Call> calls(String file, String token) {
    List<Call> found = new ArrayList<>();
    byFile.forEach((name, text) -> {
      if (file != null && !file.equals(name)) {
        return;
      }
      for (int at = text.indexOf(token); at >= 0; at = text.indexOf(token, at + 1)) {
        if (isCall(text, at, token)) {
          found.add(new Call(name, token, arguments(text, at + token.length() - 1)));
        }
      }
    });
    return found;
  }

  /** The value of a string-literal argument, or null if the argument is anything else. */
  static String literal(String arg) {
    Matcher m = LITERAL.matcher(arg.trim());
    return m.matches() ? m.group(1) : null;
  }

  /**
   * Resolves a constant as the code names it: {@code Outputs.ERROR_TYPE} in {@code Outputs.java},
   * a bare {@code ERROR_TYPE} in the same file first, else the one constant of that name anywhere.
   * Null if it cannot be resolved (a parameter, a method call, an ambiguous name).
   */
  String constant(String inFile, String expr) {
    String e = expr.trim();
    if (!e.matches("[A-Za-z_][A-Za-z0-9_.]*")) {
      return null;
    }
    int dot = e.lastIndexOf('.');
    if (dot >= 0) {
      String owner = e.substring(0, dot);
      return constantsOf(owner.substring(owner.lastIndexOf('.') + 1) + ".java").get(e.substring(dot + 1));
    }
    String local = constantsOf(inFile).get(e);
    if (local != null) {
      return local;
    }
    List<String> everywhere = byFile.keySet().stream().map(f -> constantsOf(f).get(e)).filter(v -> v != null).distinct().toList();
    return everywhere.size() == 1 ? everywhere.get(0) : null;
  }

  private Map<String, String> constantsOf(String file) {
    Map<String, String> constants = new TreeMap<>();
    String text = byFile.get(file);
    if (text != null) {
      Matcher m = CONSTANT.matcher(text);
      while (m.find()) {
        constants.put(m.group(1), m.group(2));
      }
    }
    return constants;
  }

  private static boolean isCall(String text, int at, String token) {
    if (token.startsWith(".")) {
      return true; // any receiver: .lastHeader(
    }
    if (at > 0 && isIdentifierChar(text.charAt(at - 1))) {
      return false; // part of a longer name
    }
    if (token.startsWith("new ") || token.indexOf('.') >= 0) {
      return true; // spelt with its receiver (which may itself be qualified: record.headers().add)
    }
    int i = at - 1;
    while (i >= 0 && Character.isWhitespace(text.charAt(i))) {
      i--;
    }
    if (i < 0) {
      return true;
    }
    char before = text.charAt(i);
    if (before == '.') {
      return false; // foo.name( is another receiver's method
    }
    if (before == '>' && !(i > 0 && text.charAt(i - 1) == '-')) {
      return false; // List<String> name(: a declaration
    }
    if (before == ']') {
      return false; // byte[] name(: a declaration
    }
    if (isIdentifierChar(before)) {
      int start = i;
      while (start > 0 && isIdentifierChar(text.charAt(start - 1))) {
        start--;
      }
      String word = text.substring(start, i + 1);
      return List.of("return", "throw", "else", "case", "yield", "new", "assert").contains(word);
    }
    return true;
  }

  private static boolean isIdentifierChar(char c) {
    return Character.isJavaIdentifierPart(c);
  }

  /** Top-level comma-separated arguments of the call whose '(' is at {@code open}. */
  private static List<String> arguments(String text, int open) {
    List<String> args = new ArrayList<>();
    int depth = 0;
    int start = open + 1;
    for (int i = open; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\'') {
        i = endOfLiteral(text, i);
        continue;
      }
      if (c == '(' || c == '[' || c == '{') {
        depth++;
      } else if (c == ')' || c == ']' || c == '}') {
        depth--;
        if (depth == 0) {
          String last = text.substring(start, i);
          if (!last.isBlank() || !args.isEmpty()) {
            args.add(last);
          }
          return args;
        }
      } else if (c == ',' && depth == 1) {
        args.add(text.substring(start, i));
        start = i + 1;
      }
    }
    throw new IllegalStateException("unbalanced parentheses after offset " + open);
  }

  /** Index of the closing quote of the string, char literal or text block opening at {@code i}. */
  private static int endOfLiteral(String text, int i) {
    char quote = text.charAt(i);
    if (quote == '"' && text.startsWith("\"\"\"", i)) {
      int end = text.indexOf("\"\"\"", i + 3);
      return end < 0 ? text.length() - 1 : end + 2;
    }
    for (int j = i + 1; j < text.length(); j++) {
      char c = text.charAt(j);
      if (c == '\\') {
        j++;
      } else if (c == quote) {
        return j;
      }
    }
    return text.length() - 1;
  }

  /** Blanks out comments (keeping line breaks), leaving strings and char literals as they are. */
  static String stripComments(String text) {
    StringBuilder out = new StringBuilder(text.length());
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '"' || c == '\'') {
        int end = endOfLiteral(text, i);
        out.append(text, i, end + 1);
        i = end + 1;
      } else if (text.startsWith("//", i)) {
        while (i < text.length() && text.charAt(i) != '\n') {
          out.append(' ');
          i++;
        }
      } else if (text.startsWith("/*", i)) {
        int end = text.indexOf("*/", i + 2);
        end = end < 0 ? text.length() : end + 2;
        for (; i < end; i++) {
          out.append(text.charAt(i) == '\n' ? '\n' : ' ');
        }
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }
}
