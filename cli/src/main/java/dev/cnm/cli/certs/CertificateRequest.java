package dev.cnm.cli.certs;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.bouncycastle.util.IPAddress;

/**
 * What to put in one certificate: its kind, the holder's name (the CN), extra DNS and IP
 * subject alternative names, and how long it is valid.
 */
public record CertificateRequest(
    CertificateKind kind, String name, List<String> dnsNames, List<String> ipAddresses, Duration validity) {

  /** Names become a CN, a URI path segment and file names: keep them to DNS-label-like text. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]{0,251}[A-Za-z0-9])?");

  /** A DNS SAN may also be a wildcard such as {@code *.cnm.svc}. */
  private static final Pattern DNS = Pattern.compile("(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?");

  public CertificateRequest {
    Objects.requireNonNull(kind, "kind");
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("--name: '" + name
          + "' must be 1-253 characters of letters, digits, '.', '_' or '-', starting and ending with a letter or digit");
    }
    dnsNames = List.copyOf(dnsNames);
    ipAddresses = List.copyOf(ipAddresses);
    for (String dns : dnsNames) {
      if (!DNS.matcher(dns).matches() || IPAddress.isValid(dns)) {
        throw new IllegalArgumentException("--dns: '" + dns + "' is not a DNS name (use --ip for addresses)");
      }
    }
    for (String ip : ipAddresses) {
      if (!IPAddress.isValid(ip)) {
        throw new IllegalArgumentException("--ip: '" + ip + "' is not an IPv4 or IPv6 address");
      }
    }
    if (validity.isNegative() || validity.isZero()) {
      throw new IllegalArgumentException("--days: validity must be positive, got " + validity.toDays());
    }
  }
}
