package dev.cnm.agent.firewall;

import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * cnm's firewall on one host: nftables tables of its own, {@code inet cnm} (by default) and
 * {@code bridge cnm} beside it for bridged frames (see {@link NftRenderer}), always replaced
 * whole and atomically from a {@link FirewallState} with one {@code nft -f -}. It never reads,
 * edits or deletes any other table.
 *
 * <p>Thread-safe: applies are serialised, so the kernel always holds the last state applied.
 * Metrics: {@code cnm.agent.nft.apply} (timer, tag {@code outcome}), {@code cnm.agent.nft.rules}
 * (gauge: rules in both tables after the last successful apply).
 */
public final class NftFirewall {
  /** The table cnm owns unless configured otherwise. */
  public static final String DEFAULT_TABLE = "cnm";

  private final NftRunner runner;
  private final NftRenderer renderer;
  private final Timer applyOk;
  private final Timer applyFailed;
  private final AtomicInteger ruleCount = new AtomicInteger();

  private final Object lock = new Object();
  /** Guarded by {@link #lock}: the last state applied, and the kernel's listings of both tables right after. */
  private FirewallState appliedState;
  private NftTableListing appliedListing;
  private NftTableListing appliedBridgeListing;

  /**
   * @param runner how nft is run (e.g. {@code new ProcessNftRunner()})
   * @param table the table name inside family {@code inet}; tests use their own ({@code cnmt…})
   * @param registry where the metrics go
   */
  public NftFirewall(NftRunner runner, String table, MeterRegistry registry) {
    this.runner = runner;
    this.renderer = new NftRenderer(table);
    String qualified = renderer.qualifiedTable();
    this.applyOk = Timer.builder("cnm.agent.nft.apply").description("time to apply cnm's nftables table with nft -f")
        .tag("table", qualified).tag("outcome", "ok").register(registry);
    this.applyFailed = Timer.builder("cnm.agent.nft.apply").description("time to apply cnm's nftables table with nft -f")
        .tag("table", qualified).tag("outcome", "error").register(registry);
    Gauge.builder("cnm.agent.nft.rules", ruleCount, AtomicInteger::get)
        .description("rules in cnm's nftables table after the last apply").tag("table", qualified).register(registry);
  }

  /** {@code inet <table>}. */
  public String table() {
    return renderer.qualifiedTable();
  }

  /** {@code bridge <table>}. */
  public String bridgeTable() {
    return renderer.qualifiedBridgeTable();
  }

  /**
   * Replaces both tables with the rendering of {@code state}, atomically: on failure the kernel
   * keeps the previous tables untouched.
   *
   * @return the {@code inet} table as the kernel holds it afterwards ({@link #readBridge} for the other)
   * @throws CnmException FAILED_PRECONDITION {@code NFT_NOT_AVAILABLE} without nft,
   *     PERMISSION_DENIED {@code NFT_PERMISSION_DENIED} without CAP_NET_ADMIN,
   *     INTERNAL {@code NFT_APPLY_FAILED} when nft refuses the script (its message included)
   */
  public NftTableListing apply(FirewallState state) {
    String script = renderer.applyScript(state);
    synchronized (lock) {
      long start = System.nanoTime();
      NftRunner.NftResult result;
      try {
        result = runner.run(List.of("-f", "-"), script);
      } catch (RuntimeException e) {
        applyFailed.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
        throw e;
      }
      if (!result.ok()) {
        applyFailed.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
        throw failure("apply", ErrorReason.NFT_APPLY_FAILED, result);
      }
      applyOk.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
      NftTableListing listing = read();
      NftTableListing bridged = readBridge();
      appliedState = state;
      appliedListing = listing;
      appliedBridgeListing = bridged;
      ruleCount.set(listing.allRules().size() + bridged.allRules().size());
      return listing;
    }
  }

  /** Deletes cnm's tables (nothing happens when they are already gone). */
  public void remove() {
    synchronized (lock) {
      NftRunner.NftResult result = runner.run(List.of("-f", "-"), renderer.removeScript());
      if (!result.ok()) {
        throw failure("remove", ErrorReason.NFT_REMOVE_FAILED, result);
      }
      appliedState = null;
      appliedListing = null;
      appliedBridgeListing = null;
      ruleCount.set(0);
    }
  }

  /** What the {@code inet} table holds now ({@link NftTableListing#absent()} when it does not exist). */
  public NftTableListing read() {
    return read(renderer.qualifiedTable());
  }

  /** What the {@code bridge} table holds now ({@link NftTableListing#absent()} when it does not exist). */
  public NftTableListing readBridge() {
    return read(renderer.qualifiedBridgeTable());
  }

  private NftTableListing read(String qualifiedTable) {
    List<String> args = new ArrayList<>(List.of("list", "table"));
    args.addAll(List.of(qualifiedTable.split(" ")));
    NftRunner.NftResult result = runner.run(args, "");
    if (!result.ok()) {
      if (result.stderr().contains("No such file or directory")) {
        return NftTableListing.absent();
      }
      throw failure("list", ErrorReason.NFT_LIST_FAILED, qualifiedTable, result);
    }
    return NftTableListing.parse(result.stdout());
  }

  /** The state of the last successful {@link #apply}, if any since start or the last {@link #remove}. */
  public Optional<FirewallState> appliedState() {
    synchronized (lock) {
      return Optional.ofNullable(appliedState);
    }
  }

  /**
   * Compares the kernel's tables with the listings taken right after the last apply.
   *
   * @return empty when nothing was applied yet or nothing changed since
   */
  public Optional<FirewallDrift> drift() {
    NftTableListing expected;
    NftTableListing expectedBridge;
    synchronized (lock) {
      expected = appliedListing;
      expectedBridge = appliedBridgeListing;
    }
    if (expected == null) {
      return Optional.empty();
    }
    List<String> missing = new ArrayList<>();
    List<String> unexpected = new ArrayList<>();
    boolean inetGone = compare(expected, read(), "", missing, unexpected);
    boolean bridgeGone = compare(expectedBridge, readBridge(), "bridge ", missing, unexpected);
    if (missing.isEmpty() && unexpected.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new FirewallDrift(missing, unexpected, inetGone || bridgeGone));
  }

  /**
   * Adds to {@code missing} and {@code unexpected} how {@code actual} differs from {@code expected},
   * each rule as {@code <prefix><chain>: <rule>}; true when the table is gone.
   */
  private static boolean compare(NftTableListing expected, NftTableListing actual, String prefix,
                                 List<String> missing, List<String> unexpected) {
    List<String> want = qualify(expected, prefix);
    if (!actual.exists()) {
      missing.addAll(want);
      return true;
    }
    List<String> have = qualify(actual, prefix);
    List<String> gone = new ArrayList<>(want);
    have.forEach(gone::remove);
    List<String> extra = new ArrayList<>(have);
    want.forEach(extra::remove);
    expected.headers().forEach((chain, header) -> {
      if (!header.equals(actual.headers().get(chain))) {
        gone.add(prefix + chain + ": " + header);
      }
    });
    actual.headers().forEach((chain, header) -> {
      if (!expected.headers().containsKey(chain)) {
        extra.add(prefix + chain + ": " + header);
      }
    });
    missing.addAll(gone);
    unexpected.addAll(extra);
    return false;
  }

  private static List<String> qualify(NftTableListing listing, String prefix) {
    List<String> out = new ArrayList<>();
    listing.chains().forEach((chain, rules) -> rules.forEach(r -> out.add(prefix + chain + ": " + r)));
    return out;
  }

  private CnmException failure(String what, ErrorReason reason, NftRunner.NftResult result) {
    return failure(what, reason, renderer.qualifiedTable(), result);
  }

  private CnmException failure(String what, ErrorReason reason, String table, NftRunner.NftResult result) {
    String stderr = result.stderr().strip();
    Map<String, String> meta = Map.of("table", table, "exit_code", Integer.toString(result.exitCode()));
    if (stderr.contains("Operation not permitted")) {
      return new CnmException(ErrorKind.PERMISSION_DENIED, ErrorReason.NFT_PERMISSION_DENIED,
          "nft " + what + " of table " + table + " needs CAP_NET_ADMIN: " + stderr, meta, null);
    }
    return new CnmException(ErrorKind.INTERNAL, reason,
        "nft " + what + " of table " + table + " failed (exit " + result.exitCode() + "): " + stderr, meta, null);
  }
}
