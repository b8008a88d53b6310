package dev.cnm.agent.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.agent.dataplane.ReconcileReport;
import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.api.v1.NodeNetwork;
import dev.cnm.runtime.errors.CnmException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The registry's order (the agent's capabilities, the firewall's networks), refusals and close order. */
class DriverRegistryTest {
  private final List<String> closed = new ArrayList<>();

  private class Named implements NodeDriver {
    private final String name;
    private final boolean dataplane;

    Named(String name, boolean dataplane) {
      this.name = name;
      this.dataplane = dataplane;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public boolean hasDataplane() {
      return dataplane;
    }

    @Override
    public ReconcileReport apply(DesiredState desired, Map<String, Path> sandboxes) {
      return new ReconcileReport(List.of(), List.of(), List.of(), Map.of());
    }

    @Override
    public void close() {
      closed.add(name);
    }
  }

  private final class Keeper extends Named implements SandboxKeeper {
    Keeper() {
      super("bridge", true);
    }

    @Override
    public void prepare(DesiredState desired) {}

    @Override
    public boolean full() {
      return true;
    }

    @Override
    public Map<String, Path> sandboxes() {
      return Map.of();
    }

    @Override
    public Map<String, dev.cnm.agent.netns.NetNamespace> namespaces() {
      return Map.of();
    }

    @Override
    public dev.cnm.agent.dataplane.ReconcileReport expireLingering() {
      return new dev.cnm.agent.dataplane.ReconcileReport(List.of(), List.of(), List.of(), Map.of());
    }

    @Override
    public Set<String> lastSandboxIds() {
      return Set.of();
    }

    @Override
    public Set<String> desiredSandboxIds() {
      return Set.of();
    }
  }

  @Test
  void names_builtInOrder_keeperFirstThenAsAdded() {
    Keeper keeper = new Keeper();
    DriverRegistry r = DriverRegistry.with(keeper).add(new Named("null", false)).add(new Named("host", false))
        .add(new Named("overlay", true)).build();

    assertThat(r.names()).containsExactly("bridge", "null", "host", "overlay");
    assertThat(r.keeper()).isSameAs(keeper);
    assertThat(r.withDataplane()).extracting(NodeDriver::name).containsExactly("bridge", "overlay");
  }

  @Test
  void add_sameNameTwice_isRefused() {
    DriverRegistry.Builder b = DriverRegistry.with(new Keeper()).add(new Named("null", false));

    assertThatThrownBy(() -> b.add(new Named("null", false))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("null");
    assertThatThrownBy(() -> b.unavailable("bridge", n -> null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void unavailable_networkOfALeftOffDriver_carriesWhy_othersNothing() {
    DriverRegistry r = DriverRegistry.with(new Keeper())
        .unavailable("overlay", n -> CnmException.failedPrecondition(ErrorReason.DRIVER_NOT_SUPPORTED, "no " + n.getName()))
        .build();

    assertThat(r.unavailable(NodeNetwork.newBuilder().setName("ov").setDriver("overlay").build()))
        .hasValueSatisfying(e -> assertThat(e.reason()).isEqualTo("DRIVER_NOT_SUPPORTED"))
        .hasValueSatisfying(e -> assertThat(e.getMessage()).contains("no ov"));
    assertThat(r.unavailable(NodeNetwork.newBuilder().setName("b").setDriver("bridge").build())).isEmpty();
    assertThat(r.names()).containsExactly("bridge");
  }

  @Test
  void close_everyDriver_lastRegisteredFirst() {
    DriverRegistry r = DriverRegistry.with(new Keeper()).add(new Named("null", false))
        .add(new Named("overlay", true)).build();

    r.close();

    assertThat(closed).containsExactly("overlay", "null", "bridge");
  }
}
