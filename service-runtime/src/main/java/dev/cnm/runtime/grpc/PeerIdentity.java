package dev.cnm.runtime.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The verified client certificate of the current call (mTLS), for authorisation such as "an
 * agent's certificate must name the node it registers as". CnmServer installs
 * {@link #interceptor()} on every server, so service code reads {@link #current()}.
 */
public record PeerIdentity(X509Certificate certificate) {
  private static final Context.Key<PeerIdentity> KEY = Context.key("cnm-peer-identity");
  private static final int SAN_DNS = 2;
  private static final int SAN_URI = 6;

  /** The client of the call being served, when it presented a certificate. */
  public static Optional<PeerIdentity> current() {
    return Optional.ofNullable(KEY.get());
  }

  /** The certificate the client of {@code call} presented in the TLS handshake, if any. */
  public static Optional<PeerIdentity> fromCall(ServerCall<?, ?> call) {
    SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    if (session == null) {
      return Optional.empty();
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      if (chain.length > 0 && chain[0] instanceof X509Certificate leaf) {
        return Optional.of(new PeerIdentity(leaf));
      }
    } catch (SSLPeerUnverifiedException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  /** Puts the caller's identity into the gRPC Context of each call. */
  public static ServerInterceptor interceptor() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        Optional<PeerIdentity> peer = fromCall(call);
        if (peer.isEmpty()) {
          return next.startCall(call, headers);
        }
        return Contexts.interceptCall(Context.current().withValue(KEY, peer.get()), call, headers, next);
      }
    };
  }

  /** The subject distinguished name, RFC 2253 form (e.g. {@code CN=node-1,O=cnm}). */
  public String subject() {
    return certificate.getSubjectX500Principal().getName();
  }

  /** The subject's common name. */
  public Optional<String> commonName() {
    try {
      for (Rdn rdn : new LdapName(subject()).getRdns()) {
        if ("CN".equalsIgnoreCase(rdn.getType())) {
          return Optional.of(String.valueOf(rdn.getValue()));
        }
      }
    } catch (InvalidNameException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  /** DNS subject alternative names. */
  public List<String> dnsNames() {
    return alternativeNames(SAN_DNS);
  }

  /** URI subject alternative names (e.g. {@code spiffe://cnm/node/node-1}). */
  public List<String> uris() {
    return alternativeNames(SAN_URI);
  }

  private List<String> alternativeNames(int type) {
    List<String> names = new ArrayList<>();
    try {
      Collection<List<?>> all = certificate.getSubjectAlternativeNames();
      if (all != null) {
        for (List<?> entry : all) {
          if (entry.size() >= 2 && entry.get(0) instanceof Integer t && t == type) {
            names.add(String.valueOf(entry.get(1)));
          }
        }
      }
    } catch (CertificateParsingException e) {
      return List.of();
    }
    return names;
  }
}
