package dev.cnm.cli.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a command to completion with a deadline and captures its output (stderr merged). */
final class ProcessRunner {
  record Result(int exitCode, String output) {
  }

  private ProcessRunner() {
  }

  /** Fails naming the Debian package when the program is missing, instead of skipping. */
  static void requireProgram(String path, String debianPackage) {
    if (!Files.isExecutable(Path.of(path))) {
      throw new AssertionError(path + " is missing: install the Debian package '" + debianPackage
          + "' (apt-get install " + debianPackage + ")");
    }
  }

  static Result run(List<String> command, Path workingDir, Map<String, String> environment, long timeoutSeconds)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(workingDir.toFile()).redirectErrorStream(true);
    // Tests pass every CNM_ setting they mean explicitly; the caller's own must not leak in.
    builder.environment().keySet().removeIf(name -> name.startsWith("CNM_"));
    builder.environment().putAll(environment);
    Process process = builder.start();
    process.getOutputStream().close();
    // The output is small: read it fully, then collect the exit code.
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(command + " did not finish within " + timeoutSeconds + " s");
    }
    return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
  }
}
