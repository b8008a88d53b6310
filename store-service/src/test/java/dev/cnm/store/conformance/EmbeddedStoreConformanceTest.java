package dev.cnm.store.conformance;

import dev.cnm.store.StoreServices;
import dev.cnm.store.backend.KvBackend;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The Store contract on the embedded (SQLite) backend, a fresh database per test. */
class EmbeddedStoreConformanceTest extends BadInputConformanceSuite {
  @TempDir Path dataDir;

  @Override
  protected KvBackend newBackend() {
    return StoreServices.embedded(dataDir);
  }
}
