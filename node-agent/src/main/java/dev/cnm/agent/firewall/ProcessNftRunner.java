package dev.cnm.agent.firewall;

import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Execs {@code nft}, optionally behind a command prefix such as
 * {@code ip netns exec <ns>} (how tests keep their rules out of the machine's own namespace).
 */
public final class ProcessNftRunner implements NftRunner {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final List<String> prefix;
  private final String nft;

  /** Runs {@code nft} from the PATH in the agent's own network namespace. */
  public ProcessNftRunner() {
    this(List.of(), "nft");
  }

  /**
   * @param prefix words put before the nft binary, e.g. {@code [ip, netns, exec, cnmt-h1]}
   * @param nft the nft binary (a name looked up in PATH, or a path)
   */
  public ProcessNftRunner(List<String> prefix, String nft) {
    this.prefix = List.copyOf(prefix);
    this.nft = nft;
  }

  /** A runner that executes nft inside the named network namespace through {@code ip netns exec}. */
  public static ProcessNftRunner inNamedNamespace(String netns) {
    return new ProcessNftRunner(List.of("ip", "netns", "exec", netns), "nft");
  }

  @Override
  public NftResult run(List<String> args, String stdin) {
    List<String> command = new ArrayList<>(prefix);
    command.add(nft);
    command.addAll(args);
    Process process;
    try {
      process = new ProcessBuilder(command).start();
    } catch (IOException e) {
      throw new CnmException(ErrorKind.FAILED_PRECONDITION, ErrorReason.NFT_NOT_AVAILABLE,
          "cannot run '" + String.join(" ", command) + "': " + e.getMessage()
              + " (install the Debian package nftables)", Map.of(), e);
    }
    // stderr is drained on its own thread so a large listing on stdout can never deadlock the pipes.
    // (A thread of its own, not the common pool, which blocking reads could starve.)
    CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> drain(process.getErrorStream()), r -> {
      Thread t = new Thread(r, "cnm-nft-stderr");
      t.setDaemon(true);
      t.start();
    });
    try (OutputStream in = process.getOutputStream()) {
      in.write(stdin.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      // nft exited before reading its input; its status and stderr say why.
    }
    String stdout = drain(process.getInputStream());
    try {
      if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new CnmException(ErrorKind.DEADLINE_EXCEEDED, ErrorReason.NFT_TIMEOUT,
            "'" + String.join(" ", command) + "' did not finish within " + TIMEOUT.toSeconds() + " s");
      }
      return new NftResult(process.exitValue(), stdout, stderr.join());
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new CnmException(ErrorKind.UNAVAILABLE, ErrorReason.INTERRUPTED, "interrupted while waiting for nft", Map.of(), e);
    }
  }

  private static String drain(InputStream stream) {
    try (stream) {
      return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
