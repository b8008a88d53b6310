package dev.cnm.cli.e2e;

import dev.cnm.agent.netns.Namespaces;
import dev.cnm.agent.netns.NetNamespace;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A plaintext gRPC channel from the test JVM (in the machine's namespace) to an address that
 * exists only inside a test-owned network namespace: each TCP socket is created by a thread that
 * joined the namespace (a socket belongs to the namespace it was created in), then used from the
 * channel's event loop like any other. No relay, no address in the machine's own namespace.
 */
final class NetnsChannel implements AutoCloseable {
  private final NetNamespace namespace;
  private final NioEventLoopGroup loop = new NioEventLoopGroup(1);
  final ManagedChannel channel;

  NetnsChannel(String netnsName, String host, int port) {
    this.namespace = Namespaces.openExternal(Path.of("/run/netns", netnsName));
    this.channel = NettyChannelBuilder.forAddress(new InetSocketAddress(host, port), InsecureChannelCredentials.create())
        .eventLoopGroup(loop)
        .channelFactory(() -> Namespaces.runIn(namespace, NioSocketChannel::new))
        .build();
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    namespace.close();
  }
}
