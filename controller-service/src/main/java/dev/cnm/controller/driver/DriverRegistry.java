package dev.cnm.controller.driver;

import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The control halves the controller knows, by name. Immutable. */
public final class DriverRegistry {
  private final Map<String, NetworkDriver> drivers;

  public DriverRegistry(Collection<? extends NetworkDriver> drivers) {
    Map<String, NetworkDriver> m = new TreeMap<>();
    for (NetworkDriver d : drivers) {
      m.put(d.name(), d);
    }
    this.drivers = Map.copyOf(m);
  }

  /** null, host, bridge and overlay. */
  public static DriverRegistry builtIn() {
    return new DriverRegistry(List.of(new NullDriver(), new HostDriver(), new BridgeDriver(), new OverlayDriver()));
  }

  /** The driver called {@code name}; INVALID_ARGUMENT naming {@code field} if unknown. */
  public NetworkDriver require(String field, String name) {
    NetworkDriver d = drivers.get(name);
    if (d == null) {
      throw new CnmException(ErrorKind.INVALID_ARGUMENT, ErrorReason.UNKNOWN_DRIVER,
          field + ": unknown driver \"" + name + "\" (known: " + String.join(", ", new TreeMap<>(drivers).keySet()) + ")",
          Map.of("field", field, "driver", name), null);
    }
    return d;
  }

  /** Every driver, in name order. */
  public List<NetworkDriver> all() {
    return new ArrayList<>(new TreeMap<>(drivers).values());
  }
}
