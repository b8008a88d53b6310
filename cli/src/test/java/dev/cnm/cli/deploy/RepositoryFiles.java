package dev.cnm.cli.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds files of the source tree from a test running in the cli module (Maven runs it in cli/). */
final class RepositoryFiles {
  private RepositoryFiles() {
  }

  /** The repository root: the nearest ancestor of the working directory that holds deploy/. */
  static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    for (Path candidate = dir; candidate != null; candidate = candidate.getParent()) {
      if (Files.isDirectory(candidate.resolve("deploy")) && Files.exists(candidate.resolve("pom.xml"))) {
        return candidate;
      }
    }
    throw new AssertionError("no deploy/ directory above " + dir + ": run the tests from the cnm source tree");
  }

  static Path resolve(String relative) {
    return root().resolve(relative);
  }
}
