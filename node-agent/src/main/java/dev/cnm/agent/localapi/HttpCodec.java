package dev.cnm.agent.localapi;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The part of HTTP/1.1 (RFC 9112) the local API needs: a request line, headers, a body of
 * {@code Content-Length} bytes (chunked bodies are refused with 411, which curl and Go's client
 * avoid by sending the length of a body they have in full), {@code Expect: 100-continue}, and a
 * response that closes the connection.
 */
final class HttpCodec {
  static final int MAX_HEAD_BYTES = 64 * 1024;
  static final int MAX_BODY_BYTES = 8 * 1024 * 1024;

  private HttpCodec() {}

  /** A request the codec refuses, with the status to answer it with. */
  static final class BadRequest extends Exception {
    final int status;

    BadRequest(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  static HttpRequest read(InputStream in, OutputStream out) throws IOException, BadRequest {
    int[] budget = {MAX_HEAD_BYTES};
    String requestLine = line(in, budget);
    String[] parts = requestLine.split(" ");
    if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
      throw new BadRequest(400, "malformed request line");
    }
    Map<String, String> headers = new HashMap<>();
    for (String h = line(in, budget); !h.isEmpty(); h = line(in, budget)) {
      int colon = h.indexOf(':');
      if (colon <= 0) {
        throw new BadRequest(400, "malformed header line");
      }
      headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
    }
    if (headers.containsKey("transfer-encoding")) {
      throw new BadRequest(411, "send the body with a Content-Length, not a Transfer-Encoding");
    }
    int length = 0;
    String declared = headers.get("content-length");
    if (declared != null) {
      try {
        length = Integer.parseInt(declared);
      } catch (NumberFormatException e) {
        throw new BadRequest(400, "Content-Length is not a number");
      }
      if (length < 0 || length > MAX_BODY_BYTES) {
        throw new BadRequest(413, "the body may take at most " + MAX_BODY_BYTES + " bytes");
      }
    }
    if ("100-continue".equalsIgnoreCase(headers.get("expect"))) {
      out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
    }
    byte[] body = in.readNBytes(length);
    if (body.length != length) {
      throw new EOFException("the connection closed inside the body");
    }
    String target = parts[1];
    int q = target.indexOf('?');
    String path = q < 0 ? target : target.substring(0, q);
    return new HttpRequest(parts[0], path, q < 0 ? Map.of() : query(target.substring(q + 1)), headers, body);
  }

  private static Map<String, String> query(String query) throws BadRequest {
    Map<String, String> params = new HashMap<>();
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      try {
        params.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
            eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw new BadRequest(400, "malformed query: " + e.getMessage());
      }
    }
    return params;
  }

  /** One line ended by CRLF (or a bare LF), taken from the head's byte budget. */
  private static String line(InputStream in, int[] budget) throws IOException, BadRequest {
    ByteArrayOutputStream line = new ByteArrayOutputStream(128);
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("the connection closed inside the request head");
      }
      if (--budget[0] < 0) {
        throw new BadRequest(431, "the request head may take at most " + MAX_HEAD_BYTES + " bytes");
      }
      if (b == '\n') {
        byte[] bytes = line.toByteArray();
        int end = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, end, StandardCharsets.ISO_8859_1);
      }
      line.write(b);
    }
  }

  static void write(OutputStream out, HttpResponse response) throws IOException {
    String head = "HTTP/1.1 " + response.status() + " " + reason(response.status()) + "\r\n"
        + "Content-Type: " + response.contentType() + "\r\n"
        + "Content-Length: " + response.body().length + "\r\n"
        + "Connection: close\r\n\r\n";
    out.write(head.getBytes(StandardCharsets.US_ASCII));
    out.write(response.body());
    out.flush();
  }

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 411 -> "Length Required";
      case 413 -> "Content Too Large";
      case 431 -> "Request Header Fields Too Large";
      case 500 -> "Internal Server Error";
      case 503 -> "Service Unavailable";
      default -> "Status";
    };
  }
}
