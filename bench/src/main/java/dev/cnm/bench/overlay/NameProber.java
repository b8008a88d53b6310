package dev.cnm.bench.overlay;

import dev.cnm.agent.netns.NetNamespace;
import java.util.Hashtable;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.InitialDirContext;

/**
 * Asks the embedded resolver of a sandbox (127.0.0.11, from inside the sandbox's namespace:
 * {@link NamespaceProbe}) for a name until it answers with the expected address. The JDK's DNS
 * provider opens each query's socket on the calling thread, which stays in the sandbox's
 * namespace. Before the name is known the resolver forwards it to the sandbox's upstream; the
 * bench gives the sandbox one that refuses at once (a closed port on its host's loopback), so an
 * early query costs a round trip, not a timeout.
 */
final class NameProber {
  private static final int MAX_ATTEMPTS = 2000;

  private NameProber() {}

  static NamespaceProbe start(NetNamespace sandbox, String name, String expected) throws InterruptedException {
    InitialDirContext[] dns = new InitialDirContext[1];
    return NamespaceProbe.start(sandbox, "cnm-bench-name-prober", MAX_ATTEMPTS,
        name + " did not resolve to " + expected, new NamespaceProbe.Body() {
          @Override
          public void prepare() throws Exception {
            Hashtable<String, String> env = new Hashtable<>();
            env.put("java.naming.factory.initial", "com.sun.jndi.dns.DnsContextFactory");
            env.put("java.naming.provider.url", "dns://127.0.0.11");
            env.put("com.sun.jndi.dns.timeout.initial", "100");
            env.put("com.sun.jndi.dns.timeout.retries", "1");
            dns[0] = new InitialDirContext(env);
          }

          @Override
          public boolean attempt() {
            try {
              Attribute a = dns[0].getAttributes(name, new String[] {"A"}).get("A");
              return a != null && a.contains(expected);
            } catch (NamingException e) {
              return false; // not known yet: SERVFAIL or NXDOMAIN
            }
          }
        });
  }
}
