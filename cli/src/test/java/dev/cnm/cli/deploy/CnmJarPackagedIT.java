package dev.cnm.cli.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged cnm jar, as the image gets it. Runs in the cli module's {@code verify} phase (a
 * second surefire execution in cli/pom.xml), i.e. after {@code package} built cli/target/cnm.jar,
 * so {@code mvn install} runs it.
 */
class CnmJarPackagedIT {
  private static final Path TARGET = RepositoryFiles.resolve("cli/target");
  private static final Path JAR = TARGET.resolve("cnm.jar");
  private static final Path ENTRYPOINT = RepositoryFiles.resolve("deploy/docker/entrypoint.sh");
  private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

  @BeforeAll
  static void jarBuilt() {
    assertThat(JAR).as("cli/target/cnm.jar is built by 'mvn package' (run it first)").isRegularFile();
  }

  private static ProcessRunner.Result cnm(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("/bin/sh", ENTRYPOINT.toString()));
    command.addAll(List.of(args));
    return ProcessRunner.run(command, TARGET, Map.of("CNM_JAR", JAR.toString(), "JAVA", JAVA), 120);
  }

  @Test
  void jar_namesTheMainClassAndHoldsItsDependencies() throws Exception {
    try (JarFile jar = new JarFile(JAR.toFile())) {
      Attributes main = jar.getManifest().getMainAttributes();
      assertThat(main.getValue(Attributes.Name.MAIN_CLASS)).isEqualTo("dev.cnm.cli.Cnm");
      // The image copies this one file: what cnm certs and the gRPC transport need must be inside.
      assertThat(jar.getEntry("picocli/CommandLine.class")).isNotNull();
      assertThat(jar.getEntry("org/bouncycastle/cert/X509v3CertificateBuilder.class")).isNotNull();
      assertThat(jar.getEntry("META-INF/services/io.grpc.ManagedChannelProvider")).isNotNull();
    }
  }

  @Test
  void dockerfile_everyArtifactCopiedFromTheBuildStageExists() throws Exception {
    List<Dockerfile.Copy> fromBuild = Dockerfile.read(RepositoryFiles.resolve("deploy/docker/Dockerfile")).copies()
        .stream().filter(copy -> "build".equals(copy.from())).toList();
    assertThat(fromBuild).isNotEmpty();
    for (Dockerfile.Copy copy : fromBuild) {
      for (String source : copy.sources()) {
        // The build stage works in /src, a copy of the repository.
        assertThat(source).startsWith("/src/");
        Path built = RepositoryFiles.resolve(source.substring("/src/".length()));
        assertThat(Files.exists(built)).as(source + " exists after the Maven build").isTrue();
        if (Files.isDirectory(built)) {
          try (var files = Files.list(built)) {
            assertThat(files.count()).as(source + " is not empty").isPositive();
          }
        }
      }
    }
  }

  @Test
  void entrypoint_version_runsThePackagedCnm() throws Exception {
    ProcessRunner.Result result = cnm("--version");
    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output()).isNotBlank();
  }

  @Test
  void entrypoint_certsHelp_listsInitAndIssue() throws Exception {
    ProcessRunner.Result result = cnm("certs", "--help");
    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output()).contains("init").contains("issue");
  }
}
