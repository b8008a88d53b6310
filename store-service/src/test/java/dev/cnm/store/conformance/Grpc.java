package dev.cnm.store.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Small helpers for asserting on the Store API's answers. */
final class Grpc {
  private Grpc() {}

  static ByteString b(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }

  /** Asserts the call fails with {@code code} and a message naming {@code field}; returns the ErrorInfo metadata. */
  static Map<String, String> assertFails(ThrowingCallable call, Status.Code code, String field) {
    Throwable t = catchThrowable(call);
    assertThat(t).as("expected %s naming %s", code, field).isInstanceOf(StatusRuntimeException.class);
    Status s = Status.fromThrowable(t);
    assertThat(s.getCode()).as("status of %s", s).isEqualTo(code);
    assertThat(s.getDescription()).as("message names the field").contains(field);
    return errorInfo(t);
  }

  static Map<String, String> errorInfo(Throwable t) {
    com.google.rpc.Status st = StatusProto.fromThrowable(t);
    if (st == null) {
      return Map.of();
    }
    for (var any : st.getDetailsList()) {
      if (any.is(ErrorInfo.class)) {
        try {
          return any.unpack(ErrorInfo.class).getMetadataMap();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
          throw new AssertionError(e);
        }
      }
    }
    return Map.of();
  }
}
