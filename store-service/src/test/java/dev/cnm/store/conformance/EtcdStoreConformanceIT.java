package dev.cnm.store.conformance;

import dev.cnm.store.StoreServices;
import dev.cnm.store.backend.KvBackend;
import dev.cnm.testing.EtcdExtension;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Store contract on the etcd backend, against a real etcd started for this class. */
class EtcdStoreConformanceIT extends BadInputConformanceSuite {
  @RegisterExtension static final EtcdExtension ETCD = new EtcdExtension();

  @Override
  protected KvBackend newBackend() {
    return StoreServices.etcd(List.of(ETCD.endpoint()));
  }
}
