package dev.cnm.cli.serve;

import dev.cnm.ipam.domain.IpamConfig;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The IPAM configuration flags, shared by {@code cnm serve ipam} and {@code cnm up} (which runs
 * IPAM in-process) through one picocli mixin.
 */
public final class IpamFlags {
  @Option(names = "--local-pools", paramLabel = "BASE/PREFIX:SIZE", split = ",",
      defaultValue = "${env:CNM_LOCAL_POOLS}",
      description = "Default pools of the local space, in order (env CNM_LOCAL_POOLS; default: libnetwork's "
          + "172.17.0.0/16:16 … 172.31.0.0/16:16,192.168.0.0/16:20).")
  List<String> localPools;

  @Option(names = "--global-pools", paramLabel = "BASE/PREFIX:SIZE", split = ",",
      defaultValue = "${env:CNM_GLOBAL_POOLS}",
      description = "Default pools of the global space (env CNM_GLOBAL_POOLS; default 10.0.0.0/8:24).")
  List<String> globalPools;

  @Option(names = "--vxlan-ids", paramLabel = "FIRST-LAST[:AUTO_FIRST]",
      defaultValue = "${env:CNM_VXLAN_IDS:-1-16777215:4096}",
      description = "VNIs of id set vxlan: any of FIRST..LAST may be asked for by number, automatic ones are "
          + "taken from AUTO_FIRST (default FIRST) to LAST (env CNM_VXLAN_IDS; default ${DEFAULT-VALUE}).")
  String vxlanIds;

  @Option(names = "--address-space", paramLabel = "NAME", split = ",", defaultValue = "${env:CNM_ADDRESS_SPACE}",
      description = "An extra IPAM address space besides LocalDefault and GlobalDefault; repeatable or "
          + "comma-separated (env CNM_ADDRESS_SPACE). Pools of different spaces may overlap, so networks in "
          + "different spaces can use the same subnet; a space's default pools are cut like the global ones. Give "
          + "every ipam replica the same spaces, and keep a space while networks use it.")
  List<String> addressSpaces;

  /** The IPAM configuration these flags describe (libnetwork's defaults where a flag is absent). */
  public IpamConfig toConfig() {
    IpamConfig config = IpamConfig.defaults().withIdSet(IpamConfig.VXLAN, IpamConfig.IdRange.parse(vxlanIds.trim()));
    if (given(localPools)) {
      config = config.withLocalDefaults(bases(localPools));
    }
    if (given(globalPools)) {
      config = config.withGlobalDefaults(bases(globalPools));
    }
    if (given(addressSpaces)) {
      config = config.withExtraSpaces(addressSpaces.stream().map(String::trim).filter(s -> !s.isEmpty()).toList());
    }
    return config;
  }

  private static boolean given(List<String> values) {
    return values != null && values.stream().anyMatch(v -> !v.isBlank());
  }

  private static List<IpamConfig.PoolBase> bases(List<String> texts) {
    List<IpamConfig.PoolBase> out = new ArrayList<>();
    for (String t : texts) {
      out.add(IpamConfig.PoolBase.parse(t.trim()));
    }
    return out;
  }
}
