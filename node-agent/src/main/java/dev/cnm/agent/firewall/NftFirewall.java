package dev.cnm.agent.firewall;

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
 * cnm's firewall on one host: one nftables table of its own ({@code inet cnm} by default),
 * always replaced whole and atomically from a {@link FirewallState} with one {@code nft -f -}.
 * It never reads, edits or deletes any other table.
 *
 * <p>Thread-safe: applies are serialised, so the kernel always holds the last state applied.
 * Metrics: {@code cnm.agent.nft.apply} (timer, tag {@code outcome}), {@code cnm.agent.nft.rules}
 * (gauge: rules in the table after the last successful apply).
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
  /** Guarded by {@link #lock}: the last state applied, and the kernel's listing right after. */
  private FirewallState appliedState;
  private NftTableListing appliedListing;

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

  /**
   * Replaces the table with the rendering of {@code state}, atomically: on failure the kernel
   * keeps the previous table untouched.
   *
   * @return the table as the kernel holds it afterwards
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
        throw failure("apply", result);
      }
      applyOk.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
      NftTableListing listing = read();
      appliedState = state;
      appliedListing = listing;
      ruleCount.set(listing.allRules().size());
      return listing;
    }
  }

  /** Deletes cnm's table (nothing happens when it is already gone). */
  public void remove() {
    synchronized (lock) {
      NftRunner.NftResult result = runner.run(List.of("-f", "-"), renderer.removeScript());
      if (!result.ok()) {
        throw failure("remove", result);
      }
      appliedState = null;
      appliedListing = null;
      ruleCount.set(0);
    }
  }

  /** What the table holds now ({@link NftTableListing#absent()} when it does not exist). */
  public NftTableListing read() {
    List<String> args = new ArrayList<>(List.of("list", "table"));
    args.addAll(List.of(renderer.qualifiedTable().split(" ")));
    NftRunner.NftResult result = runner.run(args, "");
    if (!result.ok()) {
      if (result.stderr().contains("No such file or directory")) {
        return NftTableListing.absent();
      }
      throw failure("list", result);
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
   * Compares the kernel's table with the listing taken right after the last apply.
   *
   * @return empty when nothing was applied yet or nothing changed since
   */
  public Optional<FirewallDrift> drift() {
    NftTableListing expected;
    synchronized (lock) {
      expected = appliedListing;
    }
    if (expected == null) {
      return Optional.empty();
    }
    NftTableListing actual = read();
    if (!actual.exists()) {
      return Optional.of(new FirewallDrift(qualify(expected), List.of(), true));
    }
    List<String> want = qualify(expected);
    List<String> have = qualify(actual);
    List<String> missing = new ArrayList<>(want);
    have.forEach(missing::remove);
    List<String> unexpected = new ArrayList<>(have);
    want.forEach(unexpected::remove);
    boolean headersDiffer = !expected.headers().equals(actual.headers());
    if (missing.isEmpty() && unexpected.isEmpty() && !headersDiffer) {
      return Optional.empty();
    }
    if (headersDiffer) {
      expected.headers().forEach((chain, header) -> {
        if (!header.equals(actual.headers().get(chain))) {
          missing.add(chain + ": " + header);
        }
      });
    }
    return Optional.of(new FirewallDrift(missing, unexpected, false));
  }

  private static List<String> qualify(NftTableListing listing) {
    List<String> out = new ArrayList<>();
    listing.chains().forEach((chain, rules) -> rules.forEach(r -> out.add(chain + ": " + r)));
    return out;
  }

  private CnmException failure(String what, NftRunner.NftResult result) {
    String stderr = result.stderr().strip();
    Map<String, String> meta = Map.of("table", renderer.qualifiedTable(), "exit_code",
        Integer.toString(result.exitCode()));
    if (stderr.contains("Operation not permitted")) {
      return new CnmException(ErrorKind.PERMISSION_DENIED, "NFT_PERMISSION_DENIED",
          "nft " + what + " of table " + renderer.qualifiedTable() + " needs CAP_NET_ADMIN: " + stderr, meta, null);
    }
    return new CnmException(ErrorKind.INTERNAL, "NFT_" + what.toUpperCase(java.util.Locale.ROOT) + "_FAILED",
        "nft " + what + " of table " + renderer.qualifiedTable() + " failed (exit " + result.exitCode() + "): "
            + stderr, meta, null);
  }
}
