package io.stepstream.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A Dockerfile as its instructions (continuation lines joined, comments dropped). */
record Dockerfile(List<Instruction> instructions) {
  record Instruction(String keyword, String arguments) {}

  static Dockerfile read(Path file) {
    try {
      List<Instruction> out = new ArrayList<>();
      StringBuilder current = new StringBuilder();
      for (String line : Files.readAllLines(file)) {
        String t = line.strip();
        if (current.length() == 0 && (t.isEmpty() || t.startsWith("#"))) {
          continue;
        }
        if (current.length() > 0 && t.startsWith("#")) {
          continue; // a comment inside a continued instruction
        }
        if (t.endsWith("\\")) {
          current.append(t, 0, t.length() - 1).append(' ');
          continue;
        }
        current.append(t);
        String full = current.toString().strip();
        current.setLength(0);
        int space = full.indexOf(' ');
        out.add(new Instruction(full.substring(0, space).toUpperCase(), full.substring(space + 1).strip()));
      }
      return new Dockerfile(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  List<String> all(String keyword) {
    return instructions.stream().filter(i -> i.keyword().equals(keyword)).map(Instruction::arguments).toList();
  }

  String one(String keyword) {
    List<String> found = all(keyword);
    if (found.size() != 1) {
      throw new AssertionError("expected one " + keyword + ", found " + found);
    }
    return found.get(0);
  }
}
