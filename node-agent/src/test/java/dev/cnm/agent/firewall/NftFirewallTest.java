package dev.cnm.agent.firewall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** NftFirewall's handling of nft's answers, with a scripted nft in place of the real one. */
class NftFirewallTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final List<String> scripts = new ArrayList<>();

  private NftFirewall firewallAnswering(NftRunner.NftResult applyResult) {
    NftRunner runner = (args, stdin) -> {
      if (args.get(0).equals("-f")) {
        scripts.add(stdin);
        return applyResult;
      }
      if (args.contains("bridge")) {
        return new NftRunner.NftResult(0, "table bridge cnmt_u {\n\tchain b {\n\t\tdrop\n\t\tdrop\n\t}\n}\n", "");
      }
      return new NftRunner.NftResult(0, "table inet cnmt_u {\n\tchain c {\n\t\tcounter\n\t}\n}\n", "");
    };
    return new NftFirewall(runner, "cnmt_u", registry);
  }

  @Test
  void apply_nftRefusesTheScript_throwsInternalWithNftsMessageAndCountsAnError() {
    NftFirewall firewall = firewallAnswering(new NftRunner.NftResult(1, "", "Error: syntax error\n"));

    assertThatThrownBy(() -> firewall.apply(FirewallState.empty()))
        .isInstanceOfSatisfying(CnmException.class, e -> {
          assertThat(e.kind()).isEqualTo(ErrorKind.INTERNAL);
          assertThat(e.reason()).isEqualTo("NFT_APPLY_FAILED");
          assertThat(e.metadata()).containsEntry("table", "inet cnmt_u");
        })
        .hasMessageContaining("Error: syntax error");
    assertThat(registry.get("cnm.agent.nft.apply").tag("outcome", "error").timer().count()).isEqualTo(1);
    assertThat(firewall.appliedState()).isEmpty();
  }

  @Test
  void apply_withoutCapNetAdmin_throwsPermissionDenied() {
    NftFirewall firewall = firewallAnswering(
        new NftRunner.NftResult(1, "", "Error: Could not process rule: Operation not permitted\n"));

    assertThatThrownBy(() -> firewall.apply(FirewallState.empty()))
        .isInstanceOfSatisfying(CnmException.class, e -> {
          assertThat(e.kind()).isEqualTo(ErrorKind.PERMISSION_DENIED);
          assertThat(e.reason()).isEqualTo("NFT_PERMISSION_DENIED");
        });
  }

  @Test
  void apply_success_sendsOneWholeScriptForBothTablesAndRecordsTheListings() {
    NftFirewall firewall = firewallAnswering(new NftRunner.NftResult(0, "", ""));

    NftTableListing listing = firewall.apply(FirewallState.empty());

    assertThat(scripts).singleElement().asString()
        .startsWith("add table inet cnmt_u\ndelete table inet cnmt_u\nadd table bridge cnmt_u\ndelete table bridge cnmt_u\n"
            + "table inet cnmt_u {")
        .contains("}\ntable bridge cnmt_u {\n");
    assertThat(listing.rules("c")).containsExactly("counter");
    assertThat(firewall.appliedState()).contains(FirewallState.empty());
    assertThat(registry.get("cnm.agent.nft.rules").gauge().value()).as("rules of both tables").isEqualTo(3);
  }

  @Test
  void run_missingNftBinary_failsNamingTheDebianPackage() {
    NftFirewall firewall = new NftFirewall(new ProcessNftRunner(List.of(), "/nonexistent/nft"), "cnmt_u", registry);

    assertThatThrownBy(() -> firewall.apply(FirewallState.empty()))
        .isInstanceOfSatisfying(CnmException.class, e -> assertThat(e.reason()).isEqualTo("NFT_NOT_AVAILABLE"))
        .hasMessageContaining("nftables");
  }
}
