package dev.cnm.store.etcd;

import dev.cnm.runtime.config.TlsFiles;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLException;

/** Makes the jetcd clients of {@link EtcdBackend}: plaintext, or TLS with etcd client certificates. */
final class EtcdClients {
  private EtcdClients() {}

  /**
   * A client of {@code endpoints}. When {@code tls} names files, connections use TLS (give
   * {@code https://} endpoints): the CA verifies etcd's server certificate, which must name the
   * endpoint's host; the certificate and key are presented to an etcd that runs with
   * {@code --client-cert-auth}. The files are read here, so a bad one fails at start.
   */
  static Client create(List<String> endpoints, TlsFiles tls) {
    ClientBuilder b = Client.builder()
        .endpoints(endpoints.toArray(String[]::new))
        .connectTimeout(Duration.ofSeconds(2))
        .waitForReady(false)
        .retryMaxDuration(Duration.ofSeconds(5))
        .maxInboundMessageSize(64 * 1024 * 1024);
    if (tls.enabled()) {
      b.sslContext(sslContext(tls));
    }
    return b.build();
  }

  private static SslContext sslContext(TlsFiles tls) {
    try {
      SslContextBuilder ssl = GrpcSslContexts.forClient();
      if (tls.ca() != null) {
        ssl.trustManager(tls.ca().toFile());
      }
      if (tls.hasIdentity()) {
        ssl.keyManager(tls.cert().toFile(), tls.key().toFile());
      }
      return ssl.build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalArgumentException("etcd client TLS: cannot load --etcd-ca/--etcd-cert/--etcd-key ("
          + e.getMessage() + ")", e);
    }
  }
}
