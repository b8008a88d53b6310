package dev.cnm.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.protobuf.ByteString;
import dev.cnm.api.v1.PutRequest;
import dev.cnm.api.v1.RangeRequest;
import dev.cnm.api.v1.StoreGrpc;
import dev.cnm.testing.EtcdProcess;
import io.grpc.Status;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** With etcd gone, calls end UNAVAILABLE before their deadline, and work again once it is back. */
class EtcdUnavailableIT {

  @Test
  void etcdKilled_callsAnswerUnavailableWithinDeadline_thenRecover() throws Exception {
    try (EtcdProcess etcd = EtcdProcess.start();
        InProcessStore store = InProcessStore.inProcess(StoreServices.etcd(List.of(etcd.endpoint())))) {
      var kv = StoreGrpc.newBlockingStub(store.channel());
      ByteString key = ByteString.copyFromUtf8("/down/a");
      kv.withDeadlineAfter(10, TimeUnit.SECONDS).put(PutRequest.newBuilder().setKey(key).setValue(key).build());
      etcd.kill();
      for (int i = 0; i < 2; i++) {
        long t0 = System.nanoTime();
        Throwable put = catchThrowable(() -> kv.withDeadlineAfter(2, TimeUnit.SECONDS)
            .put(PutRequest.newBuilder().setKey(key).setValue(key).build()));
        Throwable get = catchThrowable(() -> kv.withDeadlineAfter(2, TimeUnit.SECONDS)
            .range(RangeRequest.newBuilder().setKey(key).build()));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(Status.fromThrowable(put).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(Status.fromThrowable(get).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(millis).as("two calls with 2 s deadlines").isLessThan(4_000);
      }
      etcd.restart();
      // the backend reconnects by itself; a client retries UNAVAILABLE until then
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      ByteString value = null;
      while (value == null && System.nanoTime() < until) {
        try {
          value = kv.withDeadlineAfter(2, TimeUnit.SECONDS).range(RangeRequest.newBuilder().setKey(key).build())
              .getKvs(0).getValue();
        } catch (io.grpc.StatusRuntimeException e) {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          Thread.sleep(200);
        }
      }
      assertThat(value).isEqualTo(key);
    }
  }
}
