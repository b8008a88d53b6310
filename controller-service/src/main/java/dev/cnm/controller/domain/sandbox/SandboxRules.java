package dev.cnm.controller.domain.sandbox;

import dev.cnm.api.v1.ErrorReason;
import dev.cnm.api.v1.HostEntry;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.runtime.net.Cidr;
import dev.cnm.controller.domain.validation.DnsNames;
import dev.cnm.controller.domain.validation.RequestLimits;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.net.Cidr;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Everything about a CreateSandbox request that can be checked before anything is written:
 * the text that ends up in the sandbox's hosts file and resolv.conf (so no line of a client's
 * making gets into them), the form of the external namespace path, and the labels' size. The
 * one check that needs the node (is the external path a network namespace there?) is the
 * agent's; {@link #agentRefusal} turns its refusal into the same INVALID_ARGUMENT.
 */
public final class SandboxRules {
  /** The longest host name: the kernel's HOST_NAME_MAX, which sethostname(2) enforces. */
  public static final int MAX_HOSTNAME = 64;
  /** The longest namespace path: PATH_MAX less its terminating NUL. */
  public static final int MAX_PATH_BYTES = 4095;
  /** A resolv.conf option: a word, optionally with ":VALUE" ("ndots:2", "rotate", "edns0"). */
  private static final Pattern DNS_OPTION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}(:[0-9]{1,9})?");

  private SandboxRules() {}

  /** Throws INVALID_ARGUMENT naming the first bad field of {@code req}. */
  public static void check(Sandbox req) {
    if (!req.getHostname().isEmpty()) {
      DnsNames.require("sandbox.hostname", req.getHostname(), MAX_HOSTNAME);
    }
    if (!req.getDomainName().isEmpty()) {
      DnsNames.require("sandbox.domain_name", req.getDomainName(), DnsNames.MAX_NAME);
      if (req.getHostname().length() + 1 + req.getDomainName().length() > DnsNames.MAX_NAME) {
        throw CnmException.invalidArgument("sandbox.domain_name", "hostname.domain_name must be at most "
            + DnsNames.MAX_NAME + " characters");
      }
    }
    if (!req.getExternalKey().isEmpty()) {
      externalKey(req.getExternalKey());
    }
    RequestLimits.checkList("sandbox.dns_servers", req.getDnsServersCount());
    for (int i = 0; i < req.getDnsServersCount(); i++) {
      Cidr.parseAddress("sandbox.dns_servers[" + i + "]", req.getDnsServers(i));
    }
    RequestLimits.checkList("sandbox.dns_search", req.getDnsSearchCount());
    for (int i = 0; i < req.getDnsSearchCount(); i++) {
      DnsNames.require("sandbox.dns_search[" + i + "]", req.getDnsSearch(i), DnsNames.MAX_NAME);
    }
    RequestLimits.checkList("sandbox.dns_options", req.getDnsOptionsCount());
    for (int i = 0; i < req.getDnsOptionsCount(); i++) {
      if (!DNS_OPTION.matcher(req.getDnsOptions(i)).matches()) {
        throw CnmException.invalidArgument("sandbox.dns_options[" + i + "]",
            "a resolv.conf option is a word with an optional :NUMBER (e.g. ndots:2, rotate)");
      }
    }
    RequestLimits.checkList("sandbox.extra_hosts", req.getExtraHostsCount());
    for (int i = 0; i < req.getExtraHostsCount(); i++) {
      HostEntry h = req.getExtraHosts(i);
      DnsNames.require("sandbox.extra_hosts[" + i + "].hostname", h.getHostname(), DnsNames.MAX_NAME);
      Cidr.parseAddress("sandbox.extra_hosts[" + i + "].address", h.getAddress());
    }
    RequestLimits.checkMap("sandbox.labels", req.getLabelsMap());
  }

  /**
   * The external key's form: an absolute, normalised path (no ".", ".." or empty segments, no
   * trailing '/') without control characters, at most {@link #MAX_PATH_BYTES}. Whether it is a
   * network namespace only the node can tell: the controller may run on another host.
   */
  private static void externalKey(String key) {
    String field = "sandbox.external_key";
    if (RequestLimits.hasControl(key)) {
      throw CnmException.invalidArgument(field, "must not contain control characters (NUL, line breaks)");
    }
    if (RequestLimits.utf8Length(key) > MAX_PATH_BYTES) {
      throw CnmException.invalidArgument(field, "a path is at most " + MAX_PATH_BYTES + " bytes");
    }
    if (!key.startsWith("/")) {
      throw CnmException.invalidArgument(field, "must be an absolute namespace path, got " + key);
    }
    String normal;
    try {
      normal = Path.of(key).normalize().toString();
    } catch (InvalidPathException e) {
      throw CnmException.invalidArgument(field, "not a path: " + e.getMessage());
    }
    if (!normal.equals(key)) {
      throw CnmException.invalidArgument(field, "must be a normalised path (" + normal + "), got " + key);
    }
  }

  /**
   * The error to return when the node failed to realise {@code sandbox}: INVALID_ARGUMENT
   * naming {@code sandbox.external_key} when it has one and the node's agent refused it as not
   * a network namespace, else {@code e} unchanged.
   */
  public static RuntimeException agentRefusal(Sandbox sandbox, RuntimeException e) {
    if (e instanceof CnmException c && !sandbox.getExternalKey().isEmpty()
        && sandbox.getId().equals(c.metadata().get("object_id"))
        && ErrorReason.NOT_A_NETWORK_NAMESPACE.name().equals(c.metadata().get("object_reason"))) {
      String detail = c.metadata().getOrDefault("object_message", c.getMessage());
      return new CnmException(ErrorKind.INVALID_ARGUMENT, ErrorReason.NOT_A_NETWORK_NAMESPACE,
          "sandbox.external_key: not a network namespace on node " + c.metadata().getOrDefault("node", "?")
              + " (" + detail + ")", Map.of("field", "sandbox.external_key"), c);
    }
    return e;
  }
}
