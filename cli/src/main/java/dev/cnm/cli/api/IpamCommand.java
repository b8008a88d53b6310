package dev.cnm.cli.api;

import dev.cnm.api.v1.Freed;
import dev.cnm.api.v1.SweepIpamRequest;
import dev.cnm.api.v1.SweepIpamResponse;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cnm ipam sweep [--dry-run]}. */
@Command(name = "ipam", mixinStandardHelpOptions = true, description = "Maintain IPAM's allocations.",
    subcommands = {IpamCommand.Sweep.class})
public final class IpamCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return 2;
  }

  /**
   * Asks the controller to sweep (SweepIpam): it collects the owners in the store the same way
   * its periodic sweep does, so there is one place that knows what is live.
   */
  @Command(name = "sweep", mixinStandardHelpOptions = true,
      description = "Free every address, VNI and pool whose owner (a network or endpoint) is not in the store, "
          + "as the controller does at start and every --ipam-sweep-interval. On a cluster it runs on the "
          + "controller replica holding the sweep lease (another replica refuses with FAILED_PRECONDITION).")
  static final class Sweep implements Callable<Integer> {
    @Mixin ApiTarget api;
    @Mixin OutputFlag output;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--dry-run", description = "Print what would be freed; free nothing.")
    boolean dryRun;

    @Override
    public Integer call() {
      try (ApiTarget.Connection c = api.connect()) {
        SweepIpamResponse r = c.stub().sweepIpam(SweepIpamRequest.newBuilder().setDryRun(dryRun).build());
        PrintWriter out = spec.commandLine().getOut();
        if (output.get() == Output.JSON) {
          Output.JSON.one(out, r);
          return 0;
        }
        output.get().list(out, r.getFreedList(),
            new Output.Column<>("FREED", Sweep::what),
            new Output.Column<>("POOL/SET", f -> f.getWhatCase() == Freed.WhatCase.ID ? f.getSet() : f.getPoolId()),
            new Output.Column<>("OWNER", Freed::getOwner));
        out.println((dryRun ? "would free " : "freed ") + r.getFreedCount() + "; kept the allocations of "
            + r.getLiveOwners() + " live owner(s)");
      }
      return 0;
    }

    private static String what(Freed f) {
      return switch (f.getWhatCase()) {
        case ADDRESS -> "address " + f.getAddress();
        case ID -> "id " + f.getId();
        default -> "pool";
      };
    }
  }
}
