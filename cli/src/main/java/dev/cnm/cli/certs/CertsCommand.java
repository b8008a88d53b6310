package dev.cnm.cli.certs;

import picocli.CommandLine.Command;

/** {@code cnm certs}: a small CA for cnm's mTLS (services, node agents, operators). */
@Command(name = "certs", mixinStandardHelpOptions = true,
    description = "Create a certificate authority and issue service, node and admin certificates for mTLS.",
    subcommands = {CertsInitCommand.class, CertsIssueCommand.class})
public final class CertsCommand {
}
