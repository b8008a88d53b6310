package dev.cnm.agent.localapi;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One request: its method, path (without the query), the query's parameters (URL-decoded; the
 * last of repeated names wins), its headers (names in lower case) and body.
 */
public record HttpRequest(String method, String path, Map<String, String> query, Map<String, String> headers,
    byte[] body) {
  public HttpRequest {
    query = Map.copyOf(query);
    headers = Map.copyOf(headers);
  }

  /** The query parameter, or "" when absent. */
  public String param(String name) {
    return query.getOrDefault(name, "");
  }

  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }
}
