package dev.cnm.controller;

import static dev.cnm.controller.Api.bridge;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.api.v1.DeleteNetworkRequest;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.NetworkControllerGrpc;
import dev.cnm.api.v1.ObjectEvent;
import dev.cnm.api.v1.ObjectKind;
import dev.cnm.api.v1.WatchObjectsRequest;
import io.grpc.Context;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WatchApiTest {
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

  private List<ObjectEvent> read(long from, int count) {
    List<ObjectEvent> out = new ArrayList<>();
    try (Context.CancellableContext ctx = Context.current().withCancellation()) {
      ctx.run(() -> {
        Iterator<ObjectEvent> it = NetworkControllerGrpc.newBlockingStub(f.channel)
            .withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
            .watch(WatchObjectsRequest.newBuilder().setStartRevision(from)
                .addKinds(ObjectKind.OBJECT_KIND_NETWORK).build());
        while (out.size() < count && it.hasNext()) {
          out.add(it.next());
        }
      });
    }
    return out;
  }

  @Test
  void watch_fromARevision_replaysCreatedAndDeleted_andResumesAfterTheLastSeen() {
    Network a = f.api.createNetwork(bridge("a", "10.70.1.0/24"));
    f.api.createNetwork(bridge("b", "10.70.2.0/24"));
    f.api.deleteNetwork(DeleteNetworkRequest.newBuilder().setNetwork("a").build());
    List<ObjectEvent> all = read(a.getRevision(), 3);
    assertThat(all).extracting(ObjectEvent::getType).containsExactly(ObjectEvent.EventType.EVENT_TYPE_CREATED,
        ObjectEvent.EventType.EVENT_TYPE_CREATED, ObjectEvent.EventType.EVENT_TYPE_DELETED);
    assertThat(all.get(0).getNetwork().getName()).isEqualTo("a");
    assertThat(all.get(2).getId()).isEqualTo(a.getId());
    assertThat(all.get(2).getNetwork().getName()).as("a delete carries the object as it was").isEqualTo("a");
    List<ObjectEvent> resumed = read(all.get(0).getRevision() + 1, 2);
    assertThat(resumed).extracting(e -> e.getNetwork().getName()).containsExactly("b", "a");
  }
}
