package dev.cnm.cli.serve;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Prints the ServerOptions its flags and environment give; run in a child JVM by ServerFlagsEnvTest. */
@Command(name = "print-options")
public final class PrintServerOptionsMain implements Runnable {
  @Mixin
  ServerFlags server;

  @Override
  public void run() {
    System.out.println(server.toOptions("127.0.0.1:7370"));
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new PrintServerOptionsMain()).execute(args));
  }
}
