package dev.cnm.controller.domain.query;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import dev.cnm.runtime.errors.CnmException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;

/**
 * Page tokens for List methods: an opaque encoding of the last sort key of the previous page.
 * A page ends at {@code page_size} items or before its items would pass {@link #MAX_PAGE_BYTES},
 * whichever comes first, so a List answers within gRPC's default 4 MiB message limit however
 * large the objects are (a page always holds at least one item).
 */
public final class Pages {
  /** The most bytes of items one page carries (a quarter of gRPC's default message limit). */
  static final int MAX_PAGE_BYTES = 1 << 20;

  private Pages() {}

  /** One page of a List answer; {@code nextToken} empty on the last. */
  public record Page<T>(List<T> items, String nextToken) {}

  /** {@code sorted} must be in ascending {@code sortKey} order. */
  static <T extends MessageLite> Page<T> page(List<T> sorted, Function<T, String> sortKey, int pageSize, String token) {
    return page(sorted, sortKey, pageSize, token, MAX_PAGE_BYTES);
  }

  static <T extends MessageLite> Page<T> page(List<T> sorted, Function<T, String> sortKey, int pageSize, String token,
      int maxBytes) {
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
    int end = start;
    long bytes = 0;
    while (end < sorted.size() && end - start < size) {
      // as a repeated field of the response: the item, its length and a one-byte tag
      int item = sorted.get(end).getSerializedSize();
      bytes += 1 + CodedOutputStream.computeUInt32SizeNoTag(item) + item;
      if (bytes > maxBytes && end > start) {
        break;
      }
      end++;
    }
    List<T> items = sorted.subList(start, end);
    String next = end < sorted.size()
        ? Base64.getUrlEncoder().withoutPadding().encodeToString(
            sortKey.apply(sorted.get(end - 1)).getBytes(StandardCharsets.UTF_8))
        : "";
    return new Page<>(List.copyOf(items), next);
  }
}
