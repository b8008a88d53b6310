package dev.cnm.runtime.security;

import dev.cnm.runtime.grpc.PeerIdentity;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Who a client certificate says its holder is: a role (node, service, admin) and a name. cnm's
 * CA ({@code cnm certs issue}) writes both twice: a URI SAN {@code spiffe://cnm/<role>/<name>}
 * and subject O={@code cnm:<role>}, CN={@code <name>}. The URI wins; the subject is the fallback
 * for certificates made by another tool from the same CA.
 */
public record CallerIdentity(Role role, String name) {
  private static final String URI_PREFIX = "spiffe://cnm/";
  private static final String ORG_PREFIX = "cnm:";

  /** The roles cnm's certificates carry. */
  public enum Role {
    NODE, SERVICE, ADMIN;

    /** Lower case, as in certificates and messages: {@code node}, {@code service}, {@code admin}. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The role named {@code text} (any case), or empty. */
    public static Optional<Role> parse(String text) {
      for (Role r : values()) {
        if (r.name().equalsIgnoreCase(text)) {
          return Optional.of(r);
        }
      }
      return Optional.empty();
    }
  }

  /** The identity in {@code peer}'s certificate, or empty when it carries no cnm role. */
  public static Optional<CallerIdentity> of(PeerIdentity peer) {
    for (String uri : peer.uris()) {
      if (uri.startsWith(URI_PREFIX)) {
        String rest = uri.substring(URI_PREFIX.length());
        int slash = rest.indexOf('/');
        if (slash > 0 && slash < rest.length() - 1) {
          Optional<Role> role = Role.parse(rest.substring(0, slash));
          if (role.isPresent()) {
            return Optional.of(new CallerIdentity(role.get(), rest.substring(slash + 1)));
          }
        }
      }
    }
    Optional<String> org = organisation(peer.subject());
    Optional<String> cn = peer.commonName();
    if (org.isPresent() && org.get().startsWith(ORG_PREFIX) && cn.isPresent()) {
      return Role.parse(org.get().substring(ORG_PREFIX.length())).map(r -> new CallerIdentity(r, cn.get()));
    }
    return Optional.empty();
  }

  private static Optional<String> organisation(String subject) {
    try {
      for (Rdn rdn : new LdapName(subject).getRdns()) {
        if ("O".equalsIgnoreCase(rdn.getType())) {
          return Optional.of(String.valueOf(rdn.getValue()));
        }
      }
    } catch (InvalidNameException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return role.label() + " \"" + name + "\"";
  }
}
