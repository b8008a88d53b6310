package dev.cnm.runtime.grpc;

import dev.cnm.runtime.config.TlsFiles;
import dev.cnm.runtime.metrics.GrpcClientMetricsInterceptor;
import dev.cnm.runtime.tracing.TracingClientInterceptor;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.TlsChannelCredentials;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

/** Client channels to cnm services, with client metrics and trace propagation installed. */
public final class Channels {
  private Channels() {
  }

  /**
   * A channel to {@code HOST:PORT} (or any gRPC target such as {@code dns:///host:port}),
   * {@code unix:/path} or {@code inprocess:NAME}. TCP targets use TLS when the options'
   * TLS files enable it; Unix and in-process channels are always plaintext (the socket's file
   * mode, or the process boundary, protects them).
   */
  public static ManagedChannel forTarget(String target, ClientOptions options) {
    ManagedChannelBuilder<?> builder = builderFor(target, options);
    if (options.authority() != null) {
      builder.overrideAuthority(options.authority());
    }
    // Interceptors run last-added first: tracing opens the span, metrics times inside it.
    builder.intercept(
        new GrpcClientMetricsInterceptor(options.telemetry().meterRegistry()),
        new TracingClientInterceptor(options.telemetry()));
    return builder.build();
  }

  private static ManagedChannelBuilder<?> builderFor(String target, ClientOptions options) {
    if (target.startsWith("inprocess:")) {
      return InProcessChannelBuilder.forName(target.substring("inprocess:".length()));
    }
    if (target.startsWith("unix:")) {
      ListenAddress address = ListenAddress.parse(target);
      EpollTransport.requireAvailable(address);
      return NettyChannelBuilder.forAddress(new DomainSocketAddress(address.socketPath().toString()),
              InsecureChannelCredentials.create())
          .channelType(EpollDomainSocketChannel.class, DomainSocketAddress.class)
          .eventLoopGroup(EpollTransport.clientGroup())
          .overrideAuthority("localhost");
    }
    return NettyChannelBuilder.forTarget(target, credentials(options.tls()))
        .keepAliveTime(30, TimeUnit.SECONDS)
        .keepAliveTimeout(10, TimeUnit.SECONDS);
  }

  private static ChannelCredentials credentials(TlsFiles tls) {
    if (!tls.enabled()) {
      return InsecureChannelCredentials.create();
    }
    tls.requireReadable();
    try {
      TlsChannelCredentials.Builder builder = TlsChannelCredentials.newBuilder();
      if (tls.ca() != null) {
        builder.trustManager(tls.ca().toFile());
      }
      if (tls.hasIdentity()) {
        builder.keyManager(tls.cert().toFile(), tls.key().toFile());
      }
      return builder.build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load client TLS files " + tls, e);
    }
  }
}
