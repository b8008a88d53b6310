package dev.cnm.agent.localapi;

import java.nio.charset.StandardCharsets;

/** One response: its status and body with the body's content type. */
public record HttpResponse(int status, String contentType, byte[] body) {
  public static HttpResponse json(int status, String json) {
    return new HttpResponse(status, "application/json", json.getBytes(StandardCharsets.UTF_8));
  }

  public static HttpResponse text(int status, String text) {
    return new HttpResponse(status, "text/plain; charset=utf-8", (text + "\n").getBytes(StandardCharsets.UTF_8));
  }
}
