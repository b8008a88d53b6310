package dev.cnm.agent.firewall;

import java.util.List;

/**
 * How the kernel's table differs from what cnm last applied: someone (or something) flushed,
 * deleted or edited cnm's table. Applying the desired state again repairs it.
 *
 * @param missing rules (as {@code chain: rule}) cnm applied that are gone
 * @param unexpected rules (as {@code chain: rule}) present that cnm did not apply
 * @param tableMissing the whole table is gone
 */
public record FirewallDrift(List<String> missing, List<String> unexpected, boolean tableMissing) {
  public FirewallDrift {
    missing = List.copyOf(missing);
    unexpected = List.copyOf(unexpected);
  }
}
