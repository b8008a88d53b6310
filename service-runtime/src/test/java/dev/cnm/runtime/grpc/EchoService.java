package dev.cnm.runtime.grpc;

import com.google.protobuf.StringValue;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import io.grpc.BindableService;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A test service {@code cnm.test.Echo/Echo} (StringValue → StringValue) whose request says what
 * to do: {@code throw-cnm}, {@code throw-npe}, {@code onerror-cnm}, {@code sleep:MS},
 * {@code whoami} (the caller certificate's CN), {@code forward} (call the downstream channel),
 * {@code thread} (the name of the thread the handler ran on), or anything else (echoed).
 */
final class EchoService implements BindableService {
  static final String SERVICE = "cnm.test.Echo";
  static final MethodDescriptor<StringValue, StringValue> ECHO =
      MethodDescriptor.<StringValue, StringValue>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Echo"))
          .setRequestMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
          .setResponseMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
          .build();

  private final Supplier<Channel> downstream;

  EchoService() {
    this(() -> null);
  }

  EchoService(Supplier<Channel> downstream) {
    this.downstream = downstream;
  }

  static String call(Channel channel, String request) {
    return ClientCalls.blockingUnaryCall(channel, ECHO, CallOptions.DEFAULT, StringValue.of(request)).getValue();
  }

  @Override
  public ServerServiceDefinition bindService() {
    return ServerServiceDefinition.builder(ServiceDescriptor.newBuilder(SERVICE).addMethod(ECHO).build())
        .addMethod(ECHO, ServerCalls.asyncUnaryCall(this::echo))
        .build();
  }

  private void echo(StringValue request, StreamObserver<StringValue> response) {
    String value = request.getValue();
    if (value.equals("throw-cnm")) {
      throw new CnmException(ErrorKind.NOT_FOUND, ErrorReason.NETWORK_NOT_FOUND, "network n1 not found",
          Map.of("network", "n1"), null);
    }
    if (value.equals("throw-npe")) {
      throw new NullPointerException("boom");
    }
    if (value.equals("onerror-cnm")) {
      response.onError(CnmException.invalidArgument("name", "must not be empty"));
      return;
    }
    if (value.startsWith("sleep:")) {
      try {
        Thread.sleep(Long.parseLong(value.substring("sleep:".length())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (value.equals("whoami")) {
      value = PeerIdentity.current().flatMap(PeerIdentity::commonName).orElse("anonymous");
    }
    if (value.equals("thread")) {
      value = Thread.currentThread().getName();
    }
    if (value.equals("forward")) {
      value = "forwarded:" + call(downstream.get(), "hello");
    }
    response.onNext(StringValue.of(value));
    response.onCompleted();
  }
}
