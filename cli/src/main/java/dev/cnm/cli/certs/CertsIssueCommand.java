package dev.cnm.cli.certs;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code cnm certs issue --dir DIR --kind service|node|admin --name NAME [--dns D]... [--ip A]...}:
 * signs a certificate with the CA in DIR and writes DIR/KIND-NAME.crt and DIR/KIND-NAME.key.
 */
@Command(name = "issue", mixinStandardHelpOptions = true,
    description = {"Issue a certificate signed by the CA in --dir, written as DIR/KIND-NAME.crt and .key (0600).",
        "service: server+client auth (store, ipam, controller); node: client auth, CN = the node name the",
        "agent may register as; admin: client auth for an operator's cnm CLI."})
final class CertsIssueCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--dir", required = true, description = "Directory holding ca.crt and ca.key.")
  Path dir;

  @Option(names = "--kind", required = true, description = "One of: ${COMPLETION-CANDIDATES}.",
      converter = KindConverter.class, completionCandidates = KindCandidates.class)
  CertificateKind kind;

  @Option(names = "--name", required = true,
      description = "The holder: a service name (e.g. controller), a node name, or an operator's name. Becomes the CN.")
  String name;

  @Option(names = "--dns", description = "An extra DNS subject alternative name (repeatable).")
  List<String> dnsNames = new ArrayList<>();

  @Option(names = "--ip", description = "An IP subject alternative name (repeatable).")
  List<String> ipAddresses = new ArrayList<>();

  @Option(names = "--days", defaultValue = "365", description = "Validity in days (default: ${DEFAULT-VALUE}; capped at the CA's).")
  long days;

  @Option(names = "--force", description = "Replace an existing certificate and key of the same kind and name.")
  boolean force;

  @Override
  public Integer call() throws IOException, GeneralSecurityException {
    CertificateRequest request;
    try {
      request = new CertificateRequest(kind, name, dnsNames, ipAddresses, Duration.ofDays(days));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    try {
      CertificateDirectory directory = new CertificateDirectory(dir);
      CertificateAuthority authority = directory.loadAuthority(Clock.systemUTC());
      IssuedCertificate issued = authority.issue(request);
      directory.saveIssued(request, issued, force);
      PrintWriter out = spec.commandLine().getOut();
      out.println("wrote " + directory.certificate(kind, name) + " and " + directory.key(kind, name));
      out.flush();
      return 0;
    } catch (IOException e) {
      // A missing CA or a file that exists is the operator's to fix: say which, no stack trace.
      spec.commandLine().getErr().println("cnm certs " + spec.name() + ": " + e.getMessage());
      return 1;
    }
  }

  /** Accepts the lower-case labels shown in the help (and the enum names). */
  static final class KindConverter implements picocli.CommandLine.ITypeConverter<CertificateKind> {
    @Override
    public CertificateKind convert(String value) {
      for (CertificateKind candidate : CertificateKind.values()) {
        if (candidate.label().equalsIgnoreCase(value)) {
          return candidate;
        }
      }
      throw new picocli.CommandLine.TypeConversionException(
          "'" + value + "' is not one of service, node, admin");
    }
  }

  static final class KindCandidates implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return java.util.Arrays.stream(CertificateKind.values()).map(CertificateKind::label).iterator();
    }
  }
}
