package dev.cnm.store.client;

import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.cnm.api.v1.Compare;
import dev.cnm.api.v1.DeleteRangeRequest;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.api.v1.KeyValue;
import dev.cnm.api.v1.PutRequest;
import dev.cnm.api.v1.RangeRequest;
import dev.cnm.api.v1.RangeResponse;
import dev.cnm.api.v1.StoreGrpc;
import dev.cnm.api.v1.TxnRequest;
import dev.cnm.api.v1.TxnResponse;
import dev.cnm.runtime.errors.CnmException;
import io.grpc.Channel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The typed store client every cnm service persists through: protobuf objects under string keys,
 * each read with the revision it was read at, each write guarded by that revision (libnetwork's
 * KVObject / AtomicPut). Failures surface as {@link CnmException}; a lost race as the retryable
 * {@link StoreConflictException}. Thread-safe; the caller owns the channel.
 */
public final class StoreClient {
  /** Page size {@link #list} reads with. */
  public static final int DEFAULT_PAGE = 500;

  private final Channel channel;
  private final Duration callTimeout;
  private final StoreGrpc.StoreBlockingStub stub;
  private final StoreGrpc.StoreFutureStub futureStub;

  /** A client whose calls each get a 10 s deadline. */
  public StoreClient(Channel channel) {
    this(channel, Duration.ofSeconds(10));
  }

  public StoreClient(Channel channel, Duration callTimeout) {
    this.channel = channel;
    this.callTimeout = callTimeout;
    this.stub = StoreGrpc.newBlockingStub(channel);
    this.futureStub = StoreGrpc.newFutureStub(channel).withExecutor(MoreExecutors.directExecutor());
  }

  /** The raw stub with this client's deadline, for calls the typed methods do not cover. */
  public StoreGrpc.StoreBlockingStub raw() {
    return stub.withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * The raw future stub with this client's deadline. Its futures complete on the transport's own
   * thread (no hand-off to the channel's executor): what runs on completion must not block.
   */
  public StoreGrpc.StoreFutureStub rawAsync() {
    return futureStub.withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  Channel channel() {
    return channel;
  }

  /** Reads one key; empty when absent. */
  public <T extends Message> Optional<KvObject<T>> get(String key, Parser<T> parser) {
    RangeResponse r = call(() -> raw().range(RangeRequest.newBuilder().setKey(Keys.bytes(key)).build()));
    return r.getKvsCount() == 0 ? Optional.empty() : Optional.of(decode(r.getKvs(0), parser));
  }

  /** Every object under {@code prefix}, in key order, read page by page at one revision. */
  public <T extends Message> List<KvObject<T>> list(String prefix, Parser<T> parser) {
    List<KvObject<T>> all = new ArrayList<>();
    ListPage<T> page = listPage(prefix, parser, DEFAULT_PAGE, null);
    all.addAll(page.items());
    while (page.next().isPresent()) {
      page = listPage(prefix, parser, DEFAULT_PAGE, page.next().get());
      all.addAll(page.items());
    }
    return all;
  }

  /**
   * One page of at most {@code limit} objects under {@code prefix}; pass the previous page's
   * {@link ListPage#next()} to continue (null for the first page).
   */
  public <T extends Message> ListPage<T> listPage(
      String prefix, Parser<T> parser, int limit, ListPage.Continuation from) {
    ByteString p = Keys.bytes(prefix);
    RangeRequest.Builder req = RangeRequest.newBuilder()
        .setKey(from == null ? p : from.fromKey())
        .setRangeEnd(Keys.prefixEnd(p))
        .setLimit(limit);
    if (from != null) {
      req.setRevision(from.revision());
    }
    RangeResponse r = call(() -> raw().range(req.build()));
    long revision = from == null ? r.getHeader().getRevision() : from.revision();
    List<KvObject<T>> items = new ArrayList<>(r.getKvsCount());
    for (KeyValue kv : r.getKvsList()) {
      items.add(decode(kv, parser));
    }
    Optional<ListPage.Continuation> next = r.getMore() && r.getKvsCount() > 0
        ? Optional.of(new ListPage.Continuation(Keys.successor(r.getKvs(r.getKvsCount() - 1).getKey()), revision))
        : Optional.empty();
    return new ListPage<>(items, revision, next);
  }

  /** Writes {@code value} under {@code key} only if the key does not exist. */
  public <T extends Message> KvObject<T> create(String key, T value) {
    return create(key, value, 0);
  }

  /** Create-if-absent, attached to {@code lease} (0: none). */
  public <T extends Message> KvObject<T> create(String key, T value, long lease) {
    long rev = txn().create(key, value, lease).commit();
    return new KvObject<>(key, value, rev, rev, 1, lease);
  }

  /** Replaces the value of {@code read} if the key is unchanged since it was read. */
  public <T extends Message> KvObject<T> update(KvObject<T> read, T newValue) {
    long rev = txn().update(read, newValue).commit();
    return new KvObject<>(read.key(), newValue, rev, read.createRevision(), read.version() + 1, read.lease());
  }

  /** Deletes {@code read}'s key if it is unchanged since it was read. */
  public void delete(KvObject<?> read) {
    txn().delete(read).commit();
  }

  /** Writes unconditionally (last writer wins); returns the write's revision. */
  public long put(String key, Message value, long lease) {
    return call(() -> raw().put(PutRequest.newBuilder()
        .setKey(Keys.bytes(key)).setValue(value.toByteString()).setLease(lease).build()))
        .getHeader().getRevision();
  }

  /** Deletes a key unconditionally; returns whether it existed. */
  public boolean deleteKey(String key) {
    return call(() -> raw().deleteRange(DeleteRangeRequest.newBuilder().setKey(Keys.bytes(key)).build()))
        .getDeleted() > 0;
  }

  /** Starts a multi-key atomic write (e.g. an object and its name claim). */
  public StoreTxn txn() {
    return new StoreTxn(this);
  }

  /** Sends a raw Txn with this client's deadline and error mapping. */
  TxnResponse commitRaw(TxnRequest request) {
    return call(() -> raw().txn(request));
  }

  /** The store's current revision. */
  public long revision() {
    return call(() -> raw().range(RangeRequest.newBuilder()
        .setKey(Keys.bytes("\0")).setCountOnly(true).build())).getHeader().getRevision();
  }

  /**
   * Watches every key under {@code prefix} from {@code fromRevision} (0: from the next write).
   * Reconnects by itself after the store was unreachable, resuming at the last seen revision + 1.
   */
  public StoreWatch watch(String prefix, long fromRevision, WatchListener listener) {
    return StoreWatch.start(channel, Keys.bytes(prefix), fromRevision, listener);
  }

  /** Grants a lease of {@code ttl} (whole seconds, at least 1) and keeps it alive until closed. */
  public StoreLease grantLease(Duration ttl) {
    return StoreLease.grant(this, ttl);
  }

  static <T extends Message> KvObject<T> decode(KeyValue kv, Parser<T> parser) {
    String key = Keys.string(kv.getKey());
    try {
      return new KvObject<>(key, parser.parseFrom(kv.getValue()), kv.getModRevision(),
          kv.getCreateRevision(), kv.getVersion(), kv.getLease());
    } catch (InvalidProtocolBufferException e) {
      throw new CnmException(dev.cnm.runtime.errors.ErrorKind.INTERNAL, ErrorReason.STORE_CORRUPT_VALUE,
          "key " + key + " does not hold the expected message: " + e.getMessage(),
          java.util.Map.of("key", key), e);
    }
  }

  static <R> R call(Supplier<R> rpc) {
    try {
      return rpc.get();
    } catch (RuntimeException e) {
      if (StoreStatus.isStatus(e)) {
        throw StoreStatus.toCnm(e);
      }
      throw e;
    }
  }

  static Compare modRevisionIs(String key, long rev) {
    return Compare.newBuilder().setKey(Keys.bytes(key)).setTarget(Compare.Target.MOD_REVISION)
        .setResult(Compare.Result.EQUAL).setModRevision(rev).build();
  }

  static Compare absent(String key) {
    return Compare.newBuilder().setKey(Keys.bytes(key)).setTarget(Compare.Target.CREATE_REVISION)
        .setResult(Compare.Result.EQUAL).setCreateRevision(0).build();
  }
}
