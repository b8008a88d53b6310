package dev.cnm.cli.deploy;

/**
 * Stands in for the cnm jar in the entry point test: prints what the JVM received, so the test
 * sees exactly how the script passed arguments and JVM options. An argument {@code exit=N} makes
 * it exit with N.
 */
public final class EchoArgsMain {
  private EchoArgsMain() {
  }

  public static void main(String[] args) {
    System.out.println("probe=" + System.getProperty("cnm.probe"));
    int exitCode = 0;
    for (int i = 0; i < args.length; i++) {
      System.out.println("arg[" + i + "]=<" + args[i] + ">");
      if (args[i].startsWith("exit=")) {
        exitCode = Integer.parseInt(args[i].substring("exit=".length()));
      }
    }
    System.out.flush();
    System.exit(exitCode);
  }
}
