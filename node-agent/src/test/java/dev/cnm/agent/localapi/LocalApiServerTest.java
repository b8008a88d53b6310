package dev.cnm.agent.localapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local API's server on a real Unix socket, spoken to with raw HTTP/1.1 bytes. */
class LocalApiServerTest {
  @TempDir Path dir;

  private LocalApiServer echo(Path socket) {
    return LocalApiServer.builder()
        .route("POST", "/echo", r -> HttpResponse.json(200, "{\"q\":\"" + r.param("v") + "\",\"body\":" + r.bodyText() + "}"))
        .start(socket);
  }

  private static String exchange(Path socket, String request) throws IOException {
    try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      c.connect(UnixDomainSocketAddress.of(socket));
      c.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteBuffer buf = ByteBuffer.allocate(4096);
      while (c.read(buf) >= 0) {
        out.write(buf.array(), 0, buf.position());
        buf.clear();
      }
      return out.toString(StandardCharsets.UTF_8);
    }
  }

  @Test
  void route_postWithQueryAndBody_handlerSeesThemDecoded() throws Exception {
    Path socket = dir.resolve("api.sock");
    try (LocalApiServer server = echo(socket)) {
      String response = exchange(socket, "POST /echo?v=a%20b%3Bc%3Dd HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\n\r\n[1,2,3]");
      assertThat(response).startsWith("HTTP/1.1 200 OK\r\n").contains("Content-Type: application/json\r\n")
          .contains("Connection: close\r\n").endsWith("{\"q\":\"a b;c=d\",\"body\":[1,2,3]}");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
    }
    assertThat(socket).doesNotExist();
  }

  @Test
  void dispatch_unknownPathOrMethod_404Or405() throws Exception {
    Path socket = dir.resolve("api.sock");
    try (LocalApiServer server = echo(socket)) {
      assertThat(exchange(socket, "GET /nothing HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 404 ");
      assertThat(exchange(socket, "GET /echo HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 405 ");
      assertThat(exchange(socket, "garbage\r\n\r\n")).startsWith("HTTP/1.1 400 ");
      assertThat(exchange(socket, "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")).startsWith("HTTP/1.1 411 ");
    }
  }

  @Test
  void start_socketOfALiveServer_refused_staleFileReplaced() throws Exception {
    Path socket = dir.resolve("api.sock");
    try (LocalApiServer server = echo(socket)) {
      assertThatThrownBy(() -> echo(socket)).isInstanceOf(IllegalStateException.class).hasMessageContaining("in use");
    }
    Files.createFile(socket); // what a killed agent leaves
    try (LocalApiServer server = echo(socket)) {
      assertThat(exchange(socket, "POST /echo?v=1 HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}")).startsWith("HTTP/1.1 200 ");
    }
  }

  @Test
  void route_registeredTwice_refused() {
    LocalApiServer.Builder b = LocalApiServer.builder().route("POST", "/a", r -> HttpResponse.text(200, ""));
    assertThatThrownBy(() -> b.route("POST", "/a", r -> HttpResponse.text(200, "")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
