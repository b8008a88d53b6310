package dev.cnm.controller;

import dev.cnm.api.v1.ListNetworksRequest;
import dev.cnm.api.v1.ListNetworksResponse;
import dev.cnm.api.v1.Network;
import dev.cnm.controller.domain.repository.StoreKeys;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;

/** List responses page by bytes as well as by count, so they fit gRPC's default 4 MiB message limit. */
class ListPagingApiTest {
  private static final int GRPC_DEFAULT_MAX = 4 * 1024 * 1024;
  @TempDir Path dir;
  ControllerFixture f;

  @BeforeEach
  void start() throws Exception {
    f = new ControllerFixture(dir);
  }

  @AfterEach
  void stop() {
    f.close();
  }

  @Test
  void listNetworks_fiveNetworksOfAMebibyteEach_comeInPagesUnderTheMessageLimit() {
    // labels this large are refused at create now; a store written before that limit holds them
    for (int i = 0; i < 5; i++) {
      String id = String.format("%064x", i + 1);
      f.storeClient.put(StoreKeys.network(id), Network.newBuilder().setId(id).setName("big" + i).setDriver("null")
          .putLabels("blob", "x".repeat(1 << 20)).build(), 0);
    }
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
        f.core.repository().networks()).hasSize(5));

    List<String> seen = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      ListNetworksResponse page = f.api.listNetworks(ListNetworksRequest.newBuilder().setPageToken(token).build());
      assertThat(page.getSerializedSize()).as("page %d", pages).isLessThan(GRPC_DEFAULT_MAX);
      page.getNetworksList().forEach(n -> seen.add(n.getName()));
      token = page.getNextPageToken();
      pages++;
    } while (!token.isEmpty() && pages < 10);

    assertThat(seen).containsExactly("big0", "big1", "big2", "big3", "big4");
    assertThat(pages).isGreaterThan(1);
  }
}
