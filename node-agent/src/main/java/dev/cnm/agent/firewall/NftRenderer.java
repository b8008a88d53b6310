package dev.cnm.agent.firewall;

import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.net.IpPrefix;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Renders a {@link FirewallState} into the complete definitions of cnm's own nftables tables.
 * Pure text, no kernel: the output is deterministic for a given state, so it is unit-tested
 * against golden text.
 *
 * <p>The table (family {@code inet}, so one rule set serves IPv4 and IPv6; the kernel has had
 * inet NAT since 5.2) holds:
 * <ul>
 *   <li>{@code nat_prerouting}/{@code nat_output}: traffic to a local address jumps to
 *       {@code published_ports} (from outside, and from the host itself except to loopback,
 *       which the userland proxy serves for tcp and udp; an sctp port has no proxy, so it is
 *       not reachable through loopback);</li>
 *   <li>{@code published_ports}: one DNAT rule per binding, the same for tcp, udp and sctp
 *       ({@code sctp dport 8080 dnat ip to 172.18.0.2:80});</li>
 *   <li>{@code nat_postrouting}: masquerade of bridge subnets leaving through any other
 *       interface, and the hairpin masquerade;</li>
 *   <li>{@code filter_forward}: isolation between bridges, no egress for internal networks,
 *       and icc off for traffic the host routes from a bridge back into it (a sandbox reaching
 *       a neighbour's published port through the host). Its policy accepts, so DNATed traffic
 *       of a published port is forwarded whatever its protocol; no rule here, nor the
 *       masquerade and hairpin rules, depends on the protocol.</li>
 * </ul>
 *
 * <p>Frames bridged from one port of a bridge to another never reach the {@code inet} hooks
 * unless br_netfilter is loaded with {@code net.bridge.bridge-nf-call-iptables=1}, a host-wide
 * setting the agent leaves alone. So icc off is also enforced in a second table of the same name
 * in family {@code bridge}, whose {@code filter_forward} chain sees exactly the frames forwarded
 * between ports (not those to or from the bridge's own address, the gateway): for each network
 * with icc off, it drops every frame but ARP between two of the network's ports. Like dockerd,
 * whose icc=false drops all IPv4 and IPv6 forwarded within the bridge, this leaves the gateway,
 * published ports (DNATed by the host, so routed, not bridged) and egress as they were. The
 * ports are named one by one because the bridge-name match ({@code meta ibrname}) needs a kernel
 * built with {@code CONFIG_NFT_BRIDGE_META}, which not every kernel has. dockerd accepts
 * established connections before its icc rule; there is no such exception here (conntrack in the
 * bridge family needs {@code nf_conntrack_bridge}, also optional), so a connection between two
 * ports made while icc was on is cut when it turns off. Both tables are replaced in the same
 * {@code nft -f} transaction.
 */
public final class NftRenderer {
  private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,63}");
  private static final String PUBLISHED = "published_ports";

  private final String family;
  private final String table;

  /** A renderer for the tables {@code inet <table>} and {@code bridge <table>}. */
  public NftRenderer(String table) {
    this.family = "inet";
    if (table == null || !TABLE_NAME.matcher(table).matches()) {
      throw CnmException.invalidArgument("firewall.table",
          "'" + table + "' is not a valid nftables table name ([A-Za-z][A-Za-z0-9_]*, at most 64 characters)");
    }
    this.table = table;
  }

  /** {@code inet cnm}: how the table is named in nft commands. */
  public String qualifiedTable() {
    return family + " " + table;
  }

  /** {@code bridge cnm}: the table of the same name that filters bridged frames (icc off). */
  public String qualifiedBridgeTable() {
    return "bridge " + table;
  }

  /**
   * The script for one {@code nft -f -}: create each table if absent, delete it, define both
   * whole. nft runs a file as one transaction, so the kernel switches from the old tables to
   * the new ones at once, and the add/delete pairs make it work whether or not a table exists.
   */
  public String applyScript(FirewallState state) {
    return removeScript() + definition(state) + bridgeDefinition(state);
  }

  /** Removes both tables, whether or not they exist (the same idempotent idiom). */
  public String removeScript() {
    return "add table " + qualifiedTable() + "\n" + "delete table " + qualifiedTable() + "\n"
        + "add table " + qualifiedBridgeTable() + "\n" + "delete table " + qualifiedBridgeTable() + "\n";
  }

  /** The table's full definition, as {@code nft list table} would print it (modulo normalisation). */
  public String definition(FirewallState state) {
    StringBuilder out = new StringBuilder();
    out.append("table ").append(qualifiedTable()).append(" {\n");
    chain(out, "nat_prerouting", "type nat hook prerouting priority dstnat; policy accept;",
        List.of("fib daddr type local jump " + PUBLISHED));
    // The output hook has no "dstnat" keyword; -100 is its value. Loopback is left to the proxy
    // (tcp and udp only: an sctp port is reachable through the host's other addresses).
    chain(out, "nat_output", "type nat hook output priority -100; policy accept;", List.of(
        "meta nfproto ipv4 ip daddr != 127.0.0.0/8 fib daddr type local jump " + PUBLISHED,
        "meta nfproto ipv6 ip6 daddr != ::1 fib daddr type local jump " + PUBLISHED));
    chain(out, "nat_postrouting", "type nat hook postrouting priority srcnat; policy accept;", postrouting(state));
    chain(out, PUBLISHED, null, publishedPorts(state));
    chain(out, "filter_forward", "type filter hook forward priority filter; policy accept;", forward(state));
    // chain() leaves a blank line between chains; drop the last one.
    out.setLength(out.length() - 1);
    out.append("}\n");
    return out.toString();
  }

  /**
   * The bridge-family table's full definition, as {@code nft list table} would print it (modulo
   * normalisation): one base chain on the bridge's forward hook, with a rule per network with icc
   * off and ports. It is defined even when empty, so the set of tables cnm owns never changes.
   */
  public String bridgeDefinition(FirewallState state) {
    StringBuilder out = new StringBuilder();
    out.append("table ").append(qualifiedBridgeTable()).append(" {\n");
    chain(out, "filter_forward", "type filter hook forward priority filter; policy accept;", bridgedForward(state));
    out.setLength(out.length() - 1);
    out.append("}\n");
    return out.toString();
  }

  private static List<String> postrouting(FirewallState state) {
    List<String> rules = new ArrayList<>();
    for (FirewallNetwork n : state.networks()) {
      for (IpPrefix subnet : n.subnets()) {
        String saddr = IpLiterals.nftFamily(subnet.network()) + " saddr " + subnet;
        if (state.hairpin()) {
          // A container reached its own (or a neighbour's) published port through the host:
          // the DNATed packet goes back into the same bridge; masquerade it so the reply comes
          // back through the host and is un-NATed.
          rules.add("ct status dnat oifname " + quote(n.bridge()) + " " + saddr + " masquerade"
              + comment("hairpin " + n.name()));
        }
        if (n.masquerade() && !n.internal()) {
          rules.add(saddr + " oifname != " + quote(n.bridge()) + " masquerade" + comment("masquerade " + n.name()));
        }
      }
    }
    return rules;
  }

  private static List<String> publishedPorts(FirewallState state) {
    Map<String, FirewallNetwork> byBridge = new HashMap<>();
    state.networks().forEach(n -> byBridge.put(n.bridge(), n));
    List<String> rules = new ArrayList<>();
    for (PublishedPort p : state.ports()) {
      if (byBridge.get(p.bridge()).internal()) {
        continue; // libnetwork publishes nothing on internal networks
      }
      StringBuilder rule = new StringBuilder();
      if (!state.hairpin()) {
        rule.append("iifname != ").append(quote(p.bridge())).append(' ');
      }
      rule.append("meta nfproto ").append(IpLiterals.nfproto(p.containerIp())).append(' ');
      p.hostIp().ifPresent(ip -> rule.append(IpLiterals.nftFamily(ip)).append(" daddr ")
          .append(IpLiterals.format(ip)).append(' '));
      rule.append(p.protocol().nftKeyword()).append(" dport ").append(p.hostPortStart());
      if (p.hostPortEnd() != p.hostPortStart()) {
        rule.append('-').append(p.hostPortEnd());
      }
      String target = p.containerIp().getAddress().length == 16
          ? "[" + IpLiterals.format(p.containerIp()) + "]" : IpLiterals.format(p.containerIp());
      rule.append(" dnat ").append(IpLiterals.nftFamily(p.containerIp())).append(" to ")
          .append(target).append(':').append(p.containerPort());
      rules.add(rule.toString());
    }
    return rules;
  }

  private static List<String> forward(FirewallState state) {
    List<String> rules = new ArrayList<>();
    List<FirewallNetwork> networks = state.networks();
    for (FirewallNetwork n : networks) {
      List<String> others = networks.stream().filter(o -> o != n).map(o -> quote(o.bridge())).toList();
      if (!others.isEmpty()) {
        rules.add("iifname " + quote(n.bridge()) + " oifname { " + String.join(", ", others) + " } drop"
            + comment("isolation " + n.name()));
      }
    }
    for (FirewallNetwork n : networks) {
      if (n.internal()) {
        rules.add("iifname " + quote(n.bridge()) + " oifname != " + quote(n.bridge()) + " drop"
            + comment("internal " + n.name()));
        rules.add("oifname " + quote(n.bridge()) + " iifname != " + quote(n.bridge()) + " drop"
            + comment("internal " + n.name()));
      }
    }
    for (FirewallNetwork n : networks) {
      if (!n.icc()) {
        rules.add("iifname " + quote(n.bridge()) + " oifname " + quote(n.bridge()) + " drop"
            + comment("icc off " + n.name()));
      }
    }
    return rules;
  }

  /** Frames bridged between two ports of a network with icc off are dropped, ARP excepted (as dockerd leaves it). */
  private static List<String> bridgedForward(FirewallState state) {
    List<String> rules = new ArrayList<>();
    for (FirewallNetwork n : state.networks()) {
      if (!n.icc() && !n.ports().isEmpty()) {
        String ports = "{ " + String.join(", ", n.ports().stream().map(NftRenderer::quote).toList()) + " }";
        rules.add("iifname " + ports + " oifname " + ports + " ether type != arp drop" + comment("icc off " + n.name()));
      }
    }
    return rules;
  }

  private static void chain(StringBuilder out, String name, String header, List<String> rules) {
    out.append("\tchain ").append(name).append(" {\n");
    if (header != null) {
      out.append("\t\t").append(header).append('\n');
    }
    for (String rule : rules) {
      out.append("\t\t").append(rule).append('\n');
    }
    out.append("\t}\n\n");
  }

  private static String quote(String ifname) {
    return '"' + ifname + '"';
  }

  /** A rule comment; network names are free text, so keep only characters that are safe in a quoted nft string. */
  private static String comment(String text) {
    String safe = text.replaceAll("[^A-Za-z0-9 _.:@+-]", "_");
    if (safe.length() > 120) {
      safe = safe.substring(0, 120);
    }
    return " comment \"" + safe + "\"";
  }
}
