package dev.cnm.cli.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A Dockerfile read as its instructions (comments dropped, continuation lines joined). */
final class Dockerfile {
  /** One instruction; {@code stage} is the index of the FROM it belongs to. */
  record Instruction(int stage, String keyword, String arguments) {
    List<String> words() {
      return List.of(arguments.trim().split("\\s+"));
    }
  }

  /** A COPY: where from ({@code null} for the build context), its sources and destination. */
  record Copy(int stage, String from, List<String> sources, String destination) {
  }

  private final List<Instruction> instructions;

  private Dockerfile(List<Instruction> instructions) {
    this.instructions = instructions;
  }

  static Dockerfile read(Path file) throws IOException {
    List<Instruction> instructions = new ArrayList<>();
    StringBuilder pending = new StringBuilder();
    int stage = -1;
    for (String line : Files.readAllLines(file)) {
      String trimmed = line.trim();
      if (trimmed.startsWith("#") || (trimmed.isEmpty() && pending.length() == 0)) {
        continue;
      }
      if (trimmed.endsWith("\\")) {
        pending.append(trimmed, 0, trimmed.length() - 1).append(' ');
        continue;
      }
      pending.append(trimmed);
      String text = pending.toString().trim();
      pending.setLength(0);
      if (text.isEmpty()) {
        continue;
      }
      int space = text.indexOf(' ');
      String keyword = (space < 0 ? text : text.substring(0, space)).toUpperCase(Locale.ROOT);
      if (keyword.equals("FROM")) {
        stage++;
      }
      instructions.add(new Instruction(stage, keyword, space < 0 ? "" : text.substring(space + 1).trim()));
    }
    return new Dockerfile(instructions);
  }

  List<Instruction> instructions() {
    return instructions;
  }

  List<Instruction> all(String keyword) {
    return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
  }

  int lastStage() {
    return instructions.get(instructions.size() - 1).stage();
  }

  /** Stage names from {@code FROM image AS name}. */
  String stageName(int stage) {
    List<String> from = all("FROM").get(stage).words();
    return from.size() >= 3 && from.get(1).equalsIgnoreCase("AS") ? from.get(2) : null;
  }

  List<Copy> copies() {
    List<Copy> copies = new ArrayList<>();
    for (Instruction copy : all("COPY")) {
      List<String> words = new ArrayList<>(copy.words());
      String from = null;
      while (words.get(0).startsWith("--")) {
        String flag = words.remove(0);
        if (flag.startsWith("--from=")) {
          from = flag.substring("--from=".length());
        }
      }
      String destination = words.remove(words.size() - 1);
      copies.add(new Copy(copy.stage(), from, List.copyOf(words), destination));
    }
    return copies;
  }
}
