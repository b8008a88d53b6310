package dev.cnm.cli.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node that cannot program its host does not start: without nft (and without a way to install
 * it) both bin/cnm and the packaged jar refuse `cnm up` in one line naming the package, before
 * anything is served or written. Runs after `package` (cnm.jar), like the other *PackagedIT.
 */
class HostPreflightPackagedIT {
  private static final Path JAR = RepositoryFiles.resolve("cli/target/cnm.jar");
  private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

  @TempDir
  Path dir;

  @BeforeAll
  static void jarBuilt() {
    assertThat(JAR).as("cli/target/cnm.jar is built by 'mvn package' (run it first)").isRegularFile();
  }

  /** A PATH holding only what bin/cnm itself needs: no nft, no apt-get. */
  private Path barePath() throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    for (String tool : List.of("bash", "id", "sort", "tr", "dirname")) {
      for (String d : List.of("/usr/bin", "/bin")) {
        if (Files.isExecutable(Path.of(d, tool))) {
          Files.createSymbolicLink(bin.resolve(tool), Path.of(d, tool));
          break;
        }
      }
    }
    return bin;
  }

  @Test
  void launcher_upWithoutNftOrAptGet_refusesInOneLineNamingNftables() throws Exception {
    Path state = dir.resolve("state");
    ProcessRunner.Result r = ProcessRunner.run(
        List.of("/bin/bash", RepositoryFiles.resolve("bin/cnm").toString(), "up", "--state-dir", state.toString(),
            "--socket", dir.resolve("cnm.sock").toString()),
        dir, Map.of("PATH", barePath().toString()), 60);

    assertThat(r.exitCode()).as(r.output()).isEqualTo(1);
    assertThat(r.output().strip().lines()).as(r.output()).hasSize(1);
    assertThat(r.output()).contains("nftables").contains("apt-get install nftables");
    assertThat(state).doesNotExist();
  }

  @Test
  void jar_upWithoutNft_refusesBeforeServingAnything() throws Exception {
    Path state = dir.resolve("state");
    Path socket = dir.resolve("cnm.sock");
    ProcessRunner.Result r = ProcessRunner.run(
        List.of(JAVA, "--enable-native-access=ALL-UNNAMED", "-jar", JAR.toString(), "up", "--state-dir", state.toString(),
            "--socket", socket.toString(), "--nft-table", "cnmt_preflight"),
        dir, Map.of("PATH", barePath().toString()), 60);

    assertThat(r.exitCode()).as(r.output()).isNotZero();
    assertThat(r.output().strip().lines().filter(l -> l.startsWith("Error: ")))
        .singleElement().asString().contains("nft").contains("install the Debian package nftables");
    assertThat(state).doesNotExist();
    assertThat(socket).doesNotExist();
  }
}
