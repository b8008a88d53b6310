package dev.cnm.cli.certs;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cnm certs init --dir DIR}: writes a new CA as DIR/ca.crt and DIR/ca.key (0600). */
@Command(name = "init", mixinStandardHelpOptions = true,
    description = "Create a new certificate authority: DIR/ca.crt and DIR/ca.key (mode 0600).")
final class CertsInitCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--dir", required = true, description = "Directory for the CA files (created mode 0700).")
  Path dir;

  @Option(names = "--name", defaultValue = "cnm CA", description = "The CA's common name (default: ${DEFAULT-VALUE}).")
  String name;

  @Option(names = "--days", defaultValue = "3650", description = "Validity in days (default: ${DEFAULT-VALUE}).")
  long days;

  @Option(names = "--force", description = "Replace an existing CA (every certificate it issued stops verifying).")
  boolean force;

  @Override
  public Integer call() throws IOException, GeneralSecurityException {
    if (days <= 0) {
      throw new ParameterException(spec.commandLine(), "--days: must be positive, got " + days);
    }
    try {
      CertificateDirectory directory = new CertificateDirectory(dir);
      CertificateAuthority authority = CertificateAuthority.create(name, Duration.ofDays(days), Clock.systemUTC());
      directory.saveAuthority(authority, force);
      PrintWriter out = spec.commandLine().getOut();
      out.println("wrote " + directory.caCertificate() + " and " + directory.caKey());
      out.flush();
      return 0;
    } catch (IOException e) {
      // A missing CA or a file that exists is the operator's to fix: say which, no stack trace.
      spec.commandLine().getErr().println("cnm certs " + spec.name() + ": " + e.getMessage());
      return 1;
    }
  }
}
