package dev.cnm.agent.firewall;

import java.util.List;

/**
 * How the kernel's tables differ from what cnm last applied: someone (or something) flushed,
 * deleted or edited one of cnm's tables. Applying the desired state again repairs it. Rules and
 * base-chain headers of the {@code inet} table read {@code chain: rule}, those of the
 * {@code bridge} table {@code bridge chain: rule}.
 *
 * @param missing rules cnm applied that are gone
 * @param unexpected rules present that cnm did not apply
 * @param tableMissing a whole table (either) is gone
 */
public record FirewallDrift(List<String> missing, List<String> unexpected, boolean tableMissing) {
  public FirewallDrift {
    missing = List.copyOf(missing);
    unexpected = List.copyOf(unexpected);
  }
}
