package dev.cnm.agent.driver;

import dev.cnm.api.v1.NodeNetwork;
import dev.cnm.runtime.errors.CnmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The data halves this agent has, by name: the counterpart of the controller's
 * {@code DriverRegistry}. Holds one {@link SandboxKeeper}, registered first, and the drivers this
 * agent leaves off (with why, reported on each of their networks). Closing it closes the
 * drivers, in the reverse of their registration order.
 */
public final class DriverRegistry implements AutoCloseable {
  private final SandboxKeeper keeper;
  private final Map<String, NodeDriver> drivers;
  private final Map<String, Function<NodeNetwork, CnmException>> unavailable;

  private DriverRegistry(SandboxKeeper keeper, Map<String, NodeDriver> drivers,
      Map<String, Function<NodeNetwork, CnmException>> unavailable) {
    this.keeper = keeper;
    this.drivers = drivers;
    this.unavailable = unavailable;
  }

  /** A registry whose first driver is {@code keeper}. */
  public static Builder with(SandboxKeeper keeper) {
    return new Builder(keeper);
  }

  /** The driver that keeps the sandboxes. */
  public SandboxKeeper keeper() {
    return keeper;
  }

  /** Every driver, in registration order (the keeper first). */
  public List<NodeDriver> all() {
    return List.copyOf(drivers.values());
  }

  /** The drivers that program the kernel, in registration order (the keeper first). */
  public List<NodeDriver> withDataplane() {
    return drivers.values().stream().filter(NodeDriver::hasDataplane).toList();
  }

  /** The driver's names in registration order: the capabilities the agent registers with. */
  public List<String> names() {
    return List.copyOf(drivers.keySet());
  }

  /** Why {@code network}'s driver is left off this agent, if it is (else empty). */
  public Optional<CnmException> unavailable(NodeNetwork network) {
    Function<NodeNetwork, CnmException> why = unavailable.get(network.getDriver());
    return why == null ? Optional.empty() : Optional.of(why.apply(network));
  }

  /** Closes every driver, the last registered first; the kernel state stays as it is. */
  @Override
  public void close() {
    List<NodeDriver> all = new ArrayList<>(drivers.values());
    RuntimeException failed = null;
    for (int i = all.size() - 1; i >= 0; i--) {
      try {
        all.get(i).close();
      } catch (RuntimeException e) {
        if (failed == null) {
          failed = e;
        } else {
          failed.addSuppressed(e);
        }
      }
    }
    if (failed != null) {
      throw failed;
    }
  }

  /** Collects the drivers, in the order they are added. */
  public static final class Builder {
    private final SandboxKeeper keeper;
    private final Map<String, NodeDriver> drivers = new LinkedHashMap<>();
    private final Map<String, Function<NodeNetwork, CnmException>> unavailable = new LinkedHashMap<>();

    private Builder(SandboxKeeper keeper) {
      this.keeper = keeper;
      add(keeper);
    }

    /** Adds {@code driver}; a second driver of the same name is a wiring error. */
    public Builder add(NodeDriver driver) {
      if (drivers.putIfAbsent(driver.name(), driver) != null || unavailable.containsKey(driver.name())) {
        throw new IllegalArgumentException("driver " + driver.name() + " registered twice");
      }
      return this;
    }

    /** Leaves driver {@code name} off this agent: each of its networks fails with {@code why}. */
    public Builder unavailable(String name, Function<NodeNetwork, CnmException> why) {
      if (drivers.containsKey(name) || unavailable.putIfAbsent(name, why) != null) {
        throw new IllegalArgumentException("driver " + name + " registered twice");
      }
      return this;
    }

    public DriverRegistry build() {
      return new DriverRegistry(keeper, new LinkedHashMap<>(drivers), new LinkedHashMap<>(unavailable));
    }
  }
}
