package dev.cnm.cli.e2e;

/** The three-host scenarios with `cnm serve store --backend etcd` over a real etcd. */
class MultiHostEtcdPackagedIT extends MultiHostScenarios {
  @Override
  ThreeHostCluster.Backend backend() {
    return ThreeHostCluster.Backend.ETCD;
  }
}
