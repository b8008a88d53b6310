package dev.cnm.controller.grpc;

import dev.cnm.runtime.errors.CnmException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;

/** Page tokens for List methods: an opaque encoding of the last sort key of the previous page. */
final class Pages {
  private Pages() {}

  record Page<T>(List<T> items, String nextToken) {}

  /** {@code sorted} must be in ascending {@code sortKey} order. */
  static <T> Page<T> page(List<T> sorted, Function<T, String> sortKey, int pageSize, String token) {
    if (pageSize < 0) {
      throw CnmException.invalidArgument("page_size", "must not be negative");
    }
    int size = pageSize == 0 ? 100 : Math.min(pageSize, 1000);
    String after = "";
    if (!token.isEmpty()) {
      try {
        after = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw CnmException.invalidArgument("page_token", "not a token this API issued");
      }
    }
    int start = 0;
    if (!after.isEmpty()) {
      while (start < sorted.size() && sortKey.apply(sorted.get(start)).compareTo(after) <= 0) {
        start++;
      }
    }
    int end = Math.min(sorted.size(), start + size);
    List<T> items = sorted.subList(start, end);
    String next = end < sorted.size()
        ? Base64.getUrlEncoder().withoutPadding().encodeToString(
            sortKey.apply(sorted.get(end - 1)).getBytes(StandardCharsets.UTF_8))
        : "";
    return new Page<>(List.copyOf(items), next);
  }
}
