package dev.cnm.runtime.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.ErrorInfo;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GrpcErrorsTest {
  @Test
  void toStatusException_cnmException_carriesCodeMessageAndErrorInfo() throws Exception {
    CnmException error = new CnmException(ErrorKind.FAILED_PRECONDITION, ErrorReason.ACTIVE_ENDPOINTS,
        "network n1 has 2 endpoints", Map.of("network", "n1"), null);

    StatusRuntimeException status = GrpcErrors.toStatusException(error);

    assertThat(status.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(status.getStatus().getDescription()).isEqualTo("network n1 has 2 endpoints");
    com.google.rpc.Status detail = StatusProto.fromThrowable(status);
    assertThat(detail).isNotNull();
    ErrorInfo info = detail.getDetails(0).unpack(ErrorInfo.class);
    assertThat(info.getReason()).isEqualTo("ACTIVE_ENDPOINTS");
    assertThat(info.getDomain()).isEqualTo("cnm.dev");
    assertThat(info.getMetadataMap()).containsEntry("network", "n1");
  }

  @Test
  void toStatusException_everyKind_mapsToTheSameNamedCode() {
    for (ErrorKind kind : ErrorKind.values()) {
      StatusRuntimeException status = GrpcErrors.toStatusException(new CnmException(kind, kind.reason(), "m"));
      assertThat(status.getStatus().getCode().name()).as(kind.name()).isEqualTo(kind.name());
    }
  }

  @Test
  void toStatusException_unexpectedException_isInternalNeverUnknown() {
    StatusRuntimeException status = GrpcErrors.toStatusException(new IllegalStateException("bad state"));

    assertThat(status.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(status.getStatus().getDescription()).contains("IllegalStateException", "bad state");
    assertThat(GrpcErrors.reasonOf(status)).isEqualTo("INTERNAL");
  }

  @Test
  void toStatusException_unknownStatus_becomesInternal() {
    StatusRuntimeException status = GrpcErrors.toStatusException(Status.UNKNOWN.withDescription("x").asRuntimeException());

    assertThat(status.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
  }

  @Test
  void toStatusException_otherStatus_passesThrough() {
    StatusRuntimeException original = Status.UNAVAILABLE.withDescription("down").asRuntimeException();

    assertThat(GrpcErrors.toStatusException(original)).isSameAs(original);
  }

  @Test
  void fromStatus_roundTrip_restoresKindReasonAndMetadata() {
    CnmException original = CnmException.invalidArgument("subnet", "not a CIDR");

    CnmException back = GrpcErrors.fromStatus(GrpcErrors.toStatusException(original));

    assertThat(back.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
    assertThat(back.reason()).isEqualTo("INVALID_FIELD");
    assertThat(back.metadata()).containsEntry("field", "subnet");
    assertThat(back.getMessage()).isEqualTo("subnet: not a CIDR");
    assertThat(back.getCause()).isInstanceOf(StatusRuntimeException.class);
  }

  @Test
  void fromStatus_withoutErrorInfo_usesCodeAsReason() {
    CnmException back = GrpcErrors.fromStatus(Status.DEADLINE_EXCEEDED.withDescription("late").asRuntimeException());

    assertThat(back.kind()).isEqualTo(ErrorKind.DEADLINE_EXCEEDED);
    assertThat(back.reason()).isEqualTo("DEADLINE_EXCEEDED");
    assertThat(back.getMessage()).isEqualTo("late");
  }

  @Test
  void fromStatus_cancelled_isUnavailable() {
    assertThat(GrpcErrors.fromStatus(Status.CANCELLED.asRuntimeException()).kind()).isEqualTo(ErrorKind.UNAVAILABLE);
  }
}
