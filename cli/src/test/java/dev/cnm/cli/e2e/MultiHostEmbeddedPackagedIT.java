package dev.cnm.cli.e2e;

/** The three-host scenarios with the embedded store (one SQLite file behind `cnm serve store`). */
class MultiHostEmbeddedPackagedIT extends MultiHostScenarios {
  @Override
  ThreeHostCluster.Backend backend() {
    return ThreeHostCluster.Backend.EMBEDDED;
  }
}
