package dev.cnm.store.client;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;

/** Key encoding and etcd's prefix arithmetic. */
public final class Keys {
  private Keys() {}

  public static ByteString bytes(String key) {
    return ByteString.copyFrom(key, StandardCharsets.UTF_8);
  }

  public static String string(ByteString key) {
    return key.toString(StandardCharsets.UTF_8);
  }

  /**
   * The exclusive end of the range of every key that starts with {@code prefix}: the prefix with
   * its last byte below 0xff incremented (trailing 0xff bytes dropped); "\0" (every key) when
   * the prefix is empty or all 0xff, as etcd's clientv3.GetPrefixRangeEnd.
   */
  public static ByteString prefixEnd(ByteString prefix) {
    byte[] b = prefix.toByteArray();
    for (int i = b.length - 1; i >= 0; i--) {
      if ((b[i] & 0xff) != 0xff) {
        byte[] end = new byte[i + 1];
        System.arraycopy(b, 0, end, 0, i + 1);
        end[i]++;
        return ByteString.copyFrom(end);
      }
    }
    return ByteString.copyFrom(new byte[] {0});
  }

  /** The smallest key after {@code key}: key + "\0" (where a paged listing continues). */
  public static ByteString successor(ByteString key) {
    return key.concat(ByteString.copyFrom(new byte[] {0}));
  }
}
