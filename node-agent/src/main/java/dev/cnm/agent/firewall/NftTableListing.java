package dev.cnm.agent.firewall;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one nftables table holds right now, parsed from {@code nft list table}: its chains, each
 * with its base-chain header (type, hook, priority, policy) and its rules as nft prints them.
 * Used for reconcile and drift reporting; rules are compared in the kernel's own normalised
 * text, so a listing taken right after an apply is the reference for later comparisons.
 *
 * @param exists whether the table exists at all
 * @param chains chain name → its rules in order (without the header line)
 * @param headers chain name → its {@code type … hook … priority …; policy …;} line (absent for regular chains)
 * @param text the raw listing
 */
public record NftTableListing(boolean exists, Map<String, List<String>> chains, Map<String, String> headers,
                              String text) {

  public NftTableListing {
    Map<String, List<String>> copy = new LinkedHashMap<>();
    chains.forEach((k, v) -> copy.put(k, List.copyOf(v)));
    chains = java.util.Collections.unmodifiableMap(copy);
    headers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(headers));
  }

  /** The listing of a table that does not exist. */
  public static NftTableListing absent() {
    return new NftTableListing(false, Map.of(), Map.of(), "");
  }

  /** Every rule of every chain, in order. */
  public List<String> allRules() {
    List<String> all = new ArrayList<>();
    chains.values().forEach(all::addAll);
    return all;
  }

  /** The rules of one chain (empty when the chain does not exist). */
  public List<String> rules(String chain) {
    return chains.getOrDefault(chain, List.of());
  }

  /** Parses the output of {@code nft list table <family> <name>}. Sets, maps and flowtables are skipped. */
  public static NftTableListing parse(String text) {
    Map<String, List<String>> chains = new LinkedHashMap<>();
    Map<String, String> headers = new LinkedHashMap<>();
    int depth = 0;
    String chain = null;
    for (String raw : text.split("\n")) {
      String line = raw.trim();
      if (line.isEmpty()) {
        continue;
      }
      if (line.endsWith("{")) {
        depth++;
        if (depth == 2 && line.startsWith("chain ")) {
          chain = line.substring("chain ".length(), line.length() - 1).trim();
          chains.put(chain, new ArrayList<>());
        }
      } else if (line.equals("}")) {
        depth--;
        if (depth < 2) {
          chain = null;
        }
      } else if (depth == 2 && chain != null) {
        if (line.startsWith("type ") && line.contains(" hook ")) {
          headers.put(chain, line);
        } else {
          chains.get(chain).add(line);
        }
      }
    }
    return new NftTableListing(true, chains, headers, text);
  }
}
