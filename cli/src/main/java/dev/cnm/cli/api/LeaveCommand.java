package dev.cnm.cli.api;

import dev.cnm.api.v1.LeaveRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cnm leave ENDPOINT SANDBOX}. */
@Command(name = "leave", mixinStandardHelpOptions = true, description = "Detach an endpoint from its sandbox.")
public final class LeaveCommand implements Callable<Integer> {
  @Mixin ApiTarget api;
  @Option(names = "--network", description = "The endpoint's network.")
  String network = "";
  @Parameters(index = "0", paramLabel = "ENDPOINT")
  String endpoint;
  @Parameters(index = "1", paramLabel = "SANDBOX")
  String sandbox;

  @Override
  public Integer call() {
    try (ApiTarget.Connection c = api.connect()) {
      c.stub().leave(LeaveRequest.newBuilder().setNetwork(network).setEndpoint(endpoint).setSandbox(sandbox).build());
    }
    return 0;
  }
}
