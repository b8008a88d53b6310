package dev.cnm.agent.firewall;

import java.util.List;

/** Runs the {@code nft} tool. One implementation execs it; tests can give it a namespace prefix. */
public interface NftRunner {

  /**
   * Runs {@code nft <args>} with {@code stdin} on its standard input (empty for none) and waits.
   *
   * @return its exit status and outputs; a non-zero status is not an exception here
   */
  NftResult run(List<String> args, String stdin);

  /** The outcome of one nft run. */
  record NftResult(int exitCode, String stdout, String stderr) {
    public boolean ok() {
      return exitCode == 0;
    }
  }
}
