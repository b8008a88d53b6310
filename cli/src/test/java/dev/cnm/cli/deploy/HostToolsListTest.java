package dev.cnm.cli.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Holds scripts/lib/host-tools — the one list of host programs that bin/cnm and scripts/test.sh
 * install — against the code: a test or the agent that starts a program the list lacks would
 * pass here, where someone installed it by hand, and fail on a new machine.
 */
class HostToolsListTest {
  /** Words that stand first in an argument list without being a program we run. */
  private static final Set<String> NOT_PROGRAMS = Set.of(
      "file", "join", "link", "init", "node", "route", "service", "cc", "ul", "red", "host", "list", "store");
  /** A string literal followed by another: the head of an argv such as {@code "sysctl", "-n", ...}. */
  private static final Pattern ARGV_HEAD = Pattern.compile("\"([a-z][a-z0-9.+_-]*)\",\\s*\"");
  private static final Pattern INSTALL_HINT = Pattern.compile("install the Debian package ([a-z0-9][a-z0-9.+-]+)");
  private static final Pattern REQUIRE_CALL =
      Pattern.compile("require(?:Tool|Program)\\(\\s*\"([^\"]+)\",\\s*\"([a-z0-9][a-z0-9.+-]+)\"\\s*\\)");

  record Entry(String packageName, String scope) {
  }

  private static Map<String, Entry> listed;
  private static Map<Path, String> sources;

  @BeforeAll
  static void read() throws IOException {
    listed = new TreeMap<>();
    for (String line : Files.readAllLines(RepositoryFiles.resolve("scripts/lib/host-tools"))) {
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      String[] f = l.split("\\s+");
      assertThat(f).as("line '%s' of scripts/lib/host-tools: tool package scope", line).hasSize(3);
      assertThat(f[2]).as("scope of %s", f[0]).isIn("run", "build", "test");
      assertThat(listed.put(f[0], new Entry(f[1], f[2]))).as("%s listed twice", f[0]).isNull();
    }
    sources = new TreeMap<>();
    Path root = RepositoryFiles.root();
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/")
          && !p.toString().contains("/target/") && !p.getFileName().toString().equals("HostToolsListTest.java")).toList()) {
        sources.put(root.relativize(p), Files.readString(p));
      }
    }
    assertThat(sources).as("Java sources found under %s", root).hasSizeGreaterThan(100);
  }

  @Test
  void installHints_nameOnlyListedPackages_andTheAgentsAreInstalledByCnmUp() {
    Set<String> packages = new TreeSet<>();
    listed.values().forEach(e -> packages.add(e.packageName()));
    List<String> problems = new ArrayList<>();
    sources.forEach((file, text) -> {
      Matcher m = INSTALL_HINT.matcher(text);
      while (m.find()) {
        String pkg = m.group(1);
        if (!packages.contains(pkg)) {
          problems.add(file + " tells to install " + pkg + ", which scripts/lib/host-tools does not list");
        } else if (file.toString().contains("/src/main/") && !file.startsWith("bench") && !file.startsWith("testing")
            && listed.values().stream().noneMatch(e -> e.packageName().equals(pkg) && e.scope().equals("run"))) {
          problems.add(file + " (main code) needs " + pkg + ", but not in scope run: bin/cnm up would not install it");
        }
      }
      Matcher r = REQUIRE_CALL.matcher(text);
      while (r.find()) {
        if (!packages.contains(r.group(2))) {
          problems.add(file + " requires " + r.group(1) + " from " + r.group(2) + ", which scripts/lib/host-tools does not list");
        }
      }
    });
    assertThat(problems).isEmpty();
  }

  @Test
  void programsTheCodeRuns_areListed_unlessEssential() {
    Map<String, String> firstUse = new TreeMap<>();
    sources.forEach((file, text) -> {
      Matcher m = ARGV_HEAD.matcher(text);
      while (m.find()) {
        String word = m.group(1);
        if (!listed.containsKey(word) && !NOT_PROGRAMS.contains(word)) {
          firstUse.putIfAbsent(word, file.toString());
        }
      }
    });
    Map<String, Path> programs = new TreeMap<>();
    firstUse.keySet().forEach(w -> onPath(w).ifPresent(p -> programs.put(w, p)));
    Map<Path, String> owners = owningPackages(programs.values());
    Set<String> listedPackages = new TreeSet<>();
    listed.values().forEach(e -> listedPackages.add(e.packageName()));
    Set<String> essential = essentialPackages(new TreeSet<>(owners.values()));

    Map<String, String> unlisted = new TreeMap<>();
    programs.forEach((word, program) -> {
      String pkg = owners.get(program);
      if (pkg == null || !(essential.contains(pkg) || listedPackages.contains(pkg))) {
        unlisted.put(word, firstUse.get(word) + " runs " + program + " (" + (pkg == null ? "no Debian package" : pkg) + ")");
      }
    });
    assertThat(unlisted)
        .as("programs started by the code or the tests that scripts/lib/host-tools does not list "
            + "(add them with their Debian package, or to NOT_PROGRAMS if the word is no program)")
        .isEmpty();
  }

  @Test
  void scripts_buildWithTheWrapperAndOnline() throws IOException {
    Path root = RepositoryFiles.root();
    List<String> problems = new ArrayList<>();
    try (Stream<Path> all = Files.list(root.resolve("scripts"))) {
      for (Path p : all.filter(p -> p.toString().endsWith(".sh")).toList()) {
        for (String line : Files.readAllLines(p)) {
          String code = line.replaceFirst("#.*", "");
          // a cold Maven cache (a new machine) fails an offline build; a new machine has no mvn
          if (code.matches(".*\\bmvn\\b.*") || code.matches(".*mvnw\\b.*\\s-o\\b.*")) {
            problems.add(root.relativize(p) + ": " + line.strip());
          }
        }
      }
    }
    assertThat(problems).as("scripts must build with ./mvnw, online").isEmpty();
  }

  private static Optional<Path> onPath(String word) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
      Path p = Path.of(dir, word);
      if (Files.isExecutable(p) && !Files.isDirectory(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /**
   * The Debian package that installed each program, looking at both sides of the /usr merge
   * (dpkg knows /bin/sh, PATH finds /usr/bin/sh). One dpkg call for all: each reads its whole database.
   */
  private static Map<Path, String> owningPackages(java.util.Collection<Path> programs) {
    Map<String, Path> byCandidate = new TreeMap<>();
    for (Path program : programs) {
      List<String> candidates = new ArrayList<>(List.of(program.toString()));
      try {
        candidates.add(program.toRealPath().toString());
      } catch (IOException e) {
        // a dangling link: the path itself is all there is
      }
      for (String c : List.copyOf(candidates)) {
        candidates.add(c.startsWith("/usr/") ? c.substring(4) : "/usr" + c);
      }
      candidates.forEach(c -> byCandidate.putIfAbsent(c, program));
    }
    Map<Path, String> owners = new TreeMap<>();
    if (byCandidate.isEmpty()) {
      return owners;
    }
    List<String> command = new ArrayList<>(List.of("dpkg", "-S"));
    command.addAll(byCandidate.keySet());
    // "coreutils: /usr/bin/id"; a diverted file also gets a line "diversion by dash from: /bin/sh"
    for (String line : dpkg(command.toArray(String[]::new)).split("\n")) {
      int colon = line.indexOf(": ");
      if (line.startsWith("diversion ") || colon < 0) {
        continue;
      }
      Path program = byCandidate.get(line.substring(colon + 2).strip());
      if (program != null) {
        owners.putIfAbsent(program, line.substring(0, colon).split(",")[0].strip());
      }
    }
    return owners;
  }

  private static Set<String> essentialPackages(Set<String> packages) {
    Set<String> essential = new TreeSet<>();
    if (packages.isEmpty()) {
      return essential;
    }
    List<String> command = new ArrayList<>(List.of("dpkg-query", "-W", "-f=${Package} ${Essential}\\n"));
    command.addAll(packages);
    for (String line : dpkg(command.toArray(String[]::new)).split("\n")) {
      String[] f = line.strip().split(" ");
      if (f.length == 2 && f[1].equals("yes")) {
        essential.add(f[0].split(":")[0]);
      }
    }
    return essential;
  }

  /** Runs a dpkg query and returns what it printed (it exits 1 when some path is nobody's: not an error here). */
  private static String dpkg(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not finish in 30 s");
      }
      return out;
    } catch (IOException e) {
      throw new AssertionError("cannot run dpkg (this test reads Debian's package database): " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
