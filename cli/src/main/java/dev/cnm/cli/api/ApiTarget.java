package dev.cnm.cli.api;

import dev.cnm.api.v1.NetworkControllerGrpc;
import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.config.TlsFiles;
import dev.cnm.runtime.grpc.Channels;
import dev.cnm.runtime.grpc.ClientOptions;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Option;

/**
 * Where the client commands find a controller: {@code --host}, else CNM_HOST, else the Unix
 * socket {@code cnm up} and {@code cnm serve controller} serve by default (neither listens on TCP
 * unless told to). Use as {@code @Mixin ApiTarget api;}.
 */
public final class ApiTarget {
  /** The socket {@code cnm up} serves on by default. */
  public static final String DEFAULT_SOCKET = "/run/cnm/cnm.sock";

  @Option(names = {"-H", "--host"}, paramLabel = "ADDR", defaultValue = "${env:CNM_HOST}",
      description = "Controller address: HOST:PORT or unix:/path (env CNM_HOST; default unix:" + DEFAULT_SOCKET
          + ", mode 0600: only its owner may connect).")
  String host;

  @Option(names = "--tls-cert", paramLabel = "FILE", defaultValue = "${env:CNM_TLS_CERT}",
      description = "Client certificate for mTLS (env CNM_TLS_CERT).")
  String tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE", defaultValue = "${env:CNM_TLS_KEY}",
      description = "Client key for mTLS (env CNM_TLS_KEY).")
  String tlsKey;

  @Option(names = "--tls-ca", paramLabel = "FILE", defaultValue = "${env:CNM_TLS_CA}",
      description = "CA that signed the controller's certificate (env CNM_TLS_CA).")
  String tlsCa;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "35",
      description = "Deadline of each call (default ${DEFAULT-VALUE}).")
  long timeoutSeconds;

  public String target() {
    if (host != null && !host.isBlank()) {
      return host;
    }
    return "unix:" + DEFAULT_SOCKET;
  }

  private static Path path(String s) {
    return s == null || s.isBlank() ? null : Path.of(s);
  }

  /** A connection to the controller; close it when done. */
  public Connection connect() {
    ClientOptions options = ClientOptions.of(new TlsFiles(path(tlsCert), path(tlsKey), path(tlsCa)), Telemetry.noop());
    ManagedChannel channel = Channels.forTarget(target(), options);
    return new Connection(channel, NetworkControllerGrpc.newBlockingStub(channel), timeoutSeconds);
  }

  /** An open channel and a stub whose calls carry the deadline. */
  public record Connection(ManagedChannel channel, NetworkControllerGrpc.NetworkControllerBlockingStub raw,
      long timeoutSeconds) implements AutoCloseable {
    public NetworkControllerGrpc.NetworkControllerBlockingStub stub() {
      return raw.withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
      channel.shutdownNow();
    }
  }
}
