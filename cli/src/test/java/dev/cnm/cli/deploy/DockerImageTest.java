package dev.cnm.cli.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What can be checked of the image without a Docker engine: the Dockerfile's shape and its
 * entry point script, run here against a stand-in jar (the real cnm jar is checked after
 * packaging by {@link CnmJarPackagedIT}).
 */
class DockerImageTest {
  private static final Path DOCKERFILE = RepositoryFiles.resolve("deploy/docker/Dockerfile");
  private static final Path ENTRYPOINT = RepositoryFiles.resolve("deploy/docker/entrypoint.sh");
  private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

  @TempDir
  Path temp;

  /** A jar whose Main-Class is {@link EchoArgsMain}, taken from the test classes. */
  private Path echoJar() throws Exception {
    Path jar = temp.resolve("echo.jar");
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, EchoArgsMain.class.getName());
    String entry = EchoArgsMain.class.getName().replace('.', '/') + ".class";
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
      out.putNextEntry(new JarEntry(entry));
      try (var in = EchoArgsMain.class.getClassLoader().getResourceAsStream(entry)) {
        in.transferTo(out);
      }
      out.closeEntry();
    }
    return jar;
  }

  private ProcessRunner.Result entrypoint(Map<String, String> env, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("/bin/sh", ENTRYPOINT.toString()));
    command.addAll(List.of(args));
    return ProcessRunner.run(command, temp, env, 60);
  }

  @Test
  void entrypoint_passesEveryArgumentUnchangedToTheJar() throws Exception {
    ProcessRunner.Result result = entrypoint(Map.of("CNM_JAR", echoJar().toString(), "JAVA", JAVA),
        "serve", "store", "--listen", "0.0.0.0:7370", "two words", "", "$HOME", "*");
    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output()).contains("arg[0]=<serve>", "arg[1]=<store>", "arg[3]=<0.0.0.0:7370>",
        "arg[4]=<two words>", "arg[5]=<>", "arg[6]=<$HOME>", "arg[7]=<*>").doesNotContain("arg[8]");
  }

  @Test
  void entrypoint_appliesJavaOptsAndPropagatesTheExitCode() throws Exception {
    ProcessRunner.Result result = entrypoint(Map.of("CNM_JAR", echoJar().toString(), "JAVA", JAVA,
        "JAVA_OPTS", "-Dcnm.probe=seen -Xmx64m"), "exit=3");
    assertThat(result.exitCode()).isEqualTo(3);
    assertThat(result.output()).contains("probe=seen");
  }

  @Test
  void entrypoint_missingJar_exits127NamingIt() throws Exception {
    ProcessRunner.Result result = entrypoint(Map.of("CNM_JAR", temp.resolve("absent.jar").toString()), "--version");
    assertThat(result.exitCode()).isEqualTo(127);
    assertThat(result.output()).contains("absent.jar");
  }

  @Test
  void dockerfile_runtimeStageRunsTheEntrypointItCopies() throws Exception {
    Dockerfile dockerfile = Dockerfile.read(DOCKERFILE);
    int runtime = dockerfile.lastStage();
    List<Dockerfile.Instruction> entrypoints = dockerfile.all("ENTRYPOINT");
    assertThat(entrypoints).hasSize(1);
    assertThat(entrypoints.get(0).stage()).isEqualTo(runtime);
    String entrypointPath = entrypoints.get(0).arguments().replaceAll("[\\[\\]\"]", "").trim();
    assertThat(dockerfile.copies()).anySatisfy(copy -> {
      assertThat(copy.from()).isNull();
      assertThat(copy.sources()).containsExactly("deploy/docker/entrypoint.sh");
      assertThat(copy.destination()).isEqualTo(entrypointPath);
    });
    assertThat(Files.isExecutable(ENTRYPOINT)).as("entrypoint.sh is executable").isTrue();
  }

  @Test
  void dockerfile_buildsWithMavenAndCopiesTheJarFromThatStage() throws Exception {
    Dockerfile dockerfile = Dockerfile.read(DOCKERFILE);
    assertThat(dockerfile.stageName(0)).isEqualTo("build");
    assertThat(dockerfile.all("FROM").get(0).arguments()).startsWith("maven:");
    assertThat(dockerfile.all("RUN")).anySatisfy(run -> {
      assertThat(run.stage()).isZero();
      assertThat(run.arguments()).startsWith("mvn ").contains("package").contains("-pl cli");
    });
    assertThat(dockerfile.copies()).filteredOn(copy -> "build".equals(copy.from()))
        .extracting(Dockerfile.Copy::sources)
        .containsExactly(List.of("/src/cli/target/cnm.jar"));
  }

  @Test
  void dockerfile_runtimeHasAgentToolsAndRunsAsNonRootByDefault() throws Exception {
    Dockerfile dockerfile = Dockerfile.read(DOCKERFILE);
    int runtime = dockerfile.lastStage();
    String runtimeRuns = String.join("\n", dockerfile.all("RUN").stream()
        .filter(run -> run.stage() == runtime).map(Dockerfile.Instruction::arguments).toList());
    assertThat(runtimeRuns).contains("apt-get install").contains("iproute2").contains("nftables")
        .contains("openjdk-17-jre-headless").contains("useradd").contains("--uid 10001");
    assertThat(dockerfile.all("FROM").get(runtime).arguments()).startsWith("debian:");
    List<Dockerfile.Instruction> users = dockerfile.all("USER");
    assertThat(users).isNotEmpty();
    assertThat(users.get(users.size() - 1).arguments()).isEqualTo("cnm");
  }

  @Test
  void dockerignore_keepsBuildOutputOutOfTheContext() throws Exception {
    List<String> ignored = Files.readAllLines(RepositoryFiles.resolve(".dockerignore"));
    assertThat(ignored).contains("**/target", ".git");
  }
}
