package dev.cnm.cli.security;

import dev.cnm.controller.ControllerServer;
import dev.cnm.ipam.domain.IpamConfig;
import dev.cnm.ipam.server.IpamServer;
import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.config.ServerOptions;
import dev.cnm.runtime.config.TlsFiles;
import dev.cnm.runtime.grpc.Channels;
import dev.cnm.runtime.grpc.ClientOptions;
import dev.cnm.store.StoreServer;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.util.List;

/**
 * store, ipam and controller wired as the {@code cnm serve} commands wire them, every hop mutual
 * TLS on a loopback port with one service certificate (its --tls-* files serve and dial):
 * controller → store and ipam, ipam → store. Embedded store, no kernel needed.
 */
final class MtlsController implements AutoCloseable {
  private final StoreServer store;
  private final IpamServer ipam;
  final ControllerServer controller;

  MtlsController(Path dataDir, TlsFiles serviceTls) throws Exception {
    ServerOptions options = ServerOptions.builder().listen("127.0.0.1:0").tls(serviceTls).build();
    ClientOptions client = ClientOptions.of(serviceTls, Telemetry.noop());
    store = StoreServer.start(StoreServer.Backend.EMBEDDED, dataDir, List.of(), options);
    String storeTarget = "127.0.0.1:" + store.port();
    ipam = IpamServer.start(storeTarget, options, client, IpamConfig.defaults());
    controller = ControllerServer.start(storeTarget, "127.0.0.1:" + ipam.port(), options, client);
  }

  String target() {
    return "127.0.0.1:" + controller.port();
  }

  String storeTarget() {
    return "127.0.0.1:" + store.port();
  }

  String ipamTarget() {
    return "127.0.0.1:" + ipam.port();
  }

  /** A TCP channel to {@code target} presenting (or not) the given client TLS files. */
  static ManagedChannel dial(String target, TlsFiles client) {
    return Channels.forTarget(target, ClientOptions.of(client, Telemetry.noop()));
  }

  @Override
  public void close() {
    controller.close();
    ipam.close();
    store.close();
  }
}
