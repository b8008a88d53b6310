package dev.cnm.cli.deploy;

import static dev.cnm.cli.deploy.YamlTree.at;
import static dev.cnm.cli.deploy.YamlTree.list;
import static dev.cnm.cli.deploy.YamlTree.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import dev.cnm.cli.certs.CertificateAuthority;
import dev.cnm.cli.certs.CertificateKind;
import dev.cnm.cli.certs.CertificateRequest;
import dev.cnm.cli.certs.IssuedCertificate;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HelmChartTest {
  private static final Path CHART = RepositoryFiles.resolve("deploy/helm/cnm");

  @TempDir
  Path temp;

  private static List<Map<String, Object>> render(UnaryOperator<TemplateCommand> options) {
    return YamlTree.documents(options.apply(new Helm(CHART).template().withName("cnm").withNamespace("net")).call());
  }

  private static List<Map<String, Object>> render() {
    return render(t -> t);
  }

  private static List<Map<String, Object>> ofKind(List<Map<String, Object>> objects, String kind) {
    return objects.stream().filter(o -> kind.equals(o.get("kind"))).collect(Collectors.toList());
  }

  private static Map<String, Object> named(List<Map<String, Object>> objects, String kind, String name) {
    return ofKind(objects, kind).stream().filter(o -> name.equals(at(o, "metadata.name"))).findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in " + names(objects)));
  }

  private static List<String> names(List<Map<String, Object>> objects) {
    return objects.stream().map(o -> o.get("kind") + "/" + at(o, "metadata.name")).collect(Collectors.toList());
  }

  private static Map<String, Object> container(Map<String, Object> workload) {
    return list(workload, "spec.template.spec.containers").get(0);
  }

  private static List<String> args(Map<String, Object> workload) {
    return at(container(workload), "args");
  }

  @Test
  void lint_strict_passes() {
    LintResult result = new Helm(CHART).lint().strict().call();
    assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
  }

  @Test
  void template_defaults_renderEveryComponentWithItsKind() {
    List<Map<String, Object>> objects = render();
    assertThat(names(objects)).contains("ConfigMap/cnm", "ServiceAccount/cnm",
        "Deployment/cnm-store", "Deployment/cnm-ipam", "Deployment/cnm-controller",
        "Service/cnm-store", "Service/cnm-ipam", "Service/cnm-controller",
        "PodDisruptionBudget/cnm-store", "PodDisruptionBudget/cnm-ipam", "PodDisruptionBudget/cnm-controller",
        "StatefulSet/cnm-etcd", "Service/cnm-etcd-headless", "PodDisruptionBudget/cnm-etcd",
        "DaemonSet/cnm-agent");
    assertThat(ofKind(objects, "Secret")).as("no Secret while tls is off").isEmpty();
    assertThat(objects).allSatisfy(o -> assertThat((String) at(o, "metadata.namespace")).isEqualTo("net"));
  }

  @Test
  void template_services_haveTwoReplicasPdbsAndMatchingSelectors() {
    List<Map<String, Object>> objects = render();
    for (String component : List.of("store", "ipam", "controller")) {
      Map<String, Object> deployment = named(objects, "Deployment", "cnm-" + component);
      assertThat((Integer) at(deployment, "spec.replicas")).as(component).isGreaterThanOrEqualTo(2);
      Map<String, Object> podLabels = map(deployment, "spec.template.metadata.labels");
      Map<String, Object> pdb = named(objects, "PodDisruptionBudget", "cnm-" + component);
      assertThat((Integer) at(pdb, "spec.minAvailable")).isEqualTo(1);
      assertThat(podLabels).containsAllEntriesOf(map(pdb, "spec.selector.matchLabels"));
      assertThat(podLabels).containsAllEntriesOf(map(named(objects, "Service", "cnm-" + component), "spec.selector"));
      assertThat(args(deployment)).startsWith("serve", component);
      Map<String, Object> security = map(container(deployment), "securityContext");
      assertThat(security).containsEntry("runAsNonRoot", true).containsEntry("readOnlyRootFilesystem", true)
          .containsEntry("allowPrivilegeEscalation", false);
    }
    assertThat(args(named(objects, "Deployment", "cnm-controller")))
        .contains("--store=cnm-store.net.svc:7370", "--ipam=cnm-ipam.net.svc:7371", "--listen=0.0.0.0:7372");
  }

  @Test
  void template_etcd_storeUsesEveryMemberOfTheStatefulSet() {
    List<Map<String, Object>> objects = render();
    Map<String, Object> etcd = named(objects, "StatefulSet", "cnm-etcd");
    assertThat((Integer) at(etcd, "spec.replicas")).isEqualTo(3);
    assertThat((String) at(etcd, "spec.serviceName")).isEqualTo("cnm-etcd-headless");
    assertThat(list(etcd, "spec.volumeClaimTemplates")).hasSize(1);
    List<String> command = at(container(etcd), "command");
    assertThat(command).anySatisfy(flag -> assertThat(flag).startsWith("--initial-cluster=")
        .contains("cnm-etcd-0=http://cnm-etcd-0.cnm-etcd-headless.net.svc:2380")
        .contains("cnm-etcd-2=http://cnm-etcd-2.cnm-etcd-headless.net.svc:2380"));
    assertThat((Object) at(named(objects, "Service", "cnm-etcd-headless"), "spec.clusterIP")).isEqualTo("None");
    assertThat(args(named(objects, "Deployment", "cnm-store"))).contains("--backend=etcd",
        "--etcd-endpoints=http://cnm-etcd-0.cnm-etcd-headless.net.svc:2379,"
            + "http://cnm-etcd-1.cnm-etcd-headless.net.svc:2379,http://cnm-etcd-2.cnm-etcd-headless.net.svc:2379");
  }

  @Test
  void template_agent_isPrivilegedHostNetworkDaemonSetWithHostMounts() {
    Map<String, Object> agent = named(render(), "DaemonSet", "cnm-agent");
    Map<String, Object> pod = map(agent, "spec.template.spec");
    assertThat(pod).containsEntry("hostNetwork", true).containsEntry("dnsPolicy", "ClusterFirstWithHostNet");
    Map<String, Object> container = container(agent);
    assertThat((Boolean) at(container, "securityContext.privileged")).isTrue();
    assertThat(args(agent)).contains("serve", "agent", "--node=$(NODE_NAME)", "--advertise-address=$(NODE_IP)",
        "--controller=cnm-controller.net.svc:7372", "--state-dir=/var/lib/cnm");

    Map<String, String> hostPaths = list(pod, "volumes").stream().collect(Collectors.toMap(
        v -> (String) v.get("name"), v -> at(v, "hostPath.path")));
    Map<String, Map<String, Object>> mounts = list(container, "volumeMounts").stream()
        .collect(Collectors.toMap(m -> (String) m.get("mountPath"), m -> m));
    assertThat(mounts).containsKeys("/run/cnm", "/var/run/netns", "/var/lib/cnm");
    assertThat(hostPaths.get((String) mounts.get("/run/cnm").get("name"))).isEqualTo("/run/cnm");
    assertThat(hostPaths.get((String) mounts.get("/var/lib/cnm").get("name"))).isEqualTo("/var/lib/cnm");
    assertThat(hostPaths.get((String) mounts.get("/var/run/netns").get("name"))).isEqualTo("/var/run/netns");
    assertThat(mounts.get("/var/run/netns")).containsEntry("mountPropagation", "Bidirectional");
    // $(NODE_IP) in a later env value expands only if NODE_IP is defined before it.
    List<String> env = list(container, "env").stream().map(e -> (String) e.get("name")).collect(Collectors.toList());
    assertThat(env).containsSubsequence("NODE_IP", "CNM_METRICS_LISTEN");
    // Sandbox namespaces are bind mounts under <state dir>/netns: they must reach the host.
    assertThat(mounts.get("/var/lib/cnm")).containsEntry("mountPropagation", "Bidirectional");
  }

  @Test
  void template_agentNotPrivileged_getsOnlyNetAdminAndSysAdmin() {
    Map<String, Object> agent = named(render(t -> t.set("agent.privileged", "false")), "DaemonSet", "cnm-agent");
    Map<String, Object> security = map(container(agent), "securityContext");
    assertThat(security).containsEntry("privileged", false);
    assertThat((List<String>) at(security, "capabilities.add")).containsExactly("NET_ADMIN", "SYS_ADMIN");
    assertThat((List<String>) at(security, "capabilities.drop")).containsExactly("ALL");
    assertThat(list(container(agent), "volumeMounts")).filteredOn(m -> m.containsKey("mountPropagation"))
        .extracting(m -> m.get("mountPropagation")).containsOnly("HostToContainer").hasSize(2);
  }

  @Test
  void template_overrides_replicasAndExternalEtcd() {
    List<Map<String, Object>> objects = render(t -> t.set("store.replicas", "4").set("controller.replicas", "3")
        .set("etcd.enabled", "false").set("etcd.external.endpoints[0]", "http://etcd-a:2379").set("etcd.external.endpoints[1]", "http://etcd-b:2379"));
    assertThat((Integer) at(named(objects, "Deployment", "cnm-store"), "spec.replicas")).isEqualTo(4);
    assertThat((Integer) at(named(objects, "Deployment", "cnm-controller"), "spec.replicas")).isEqualTo(3);
    assertThat(ofKind(objects, "StatefulSet")).isEmpty();
    assertThat(names(objects)).doesNotContain("Service/cnm-etcd-headless", "PodDisruptionBudget/cnm-etcd");
    assertThat(args(named(objects, "Deployment", "cnm-store")))
        .contains("--etcd-endpoints=http://etcd-a:2379,http://etcd-b:2379");
  }

  @Test
  void template_externalEtcdWithoutEndpoints_failsNamingTheValue() {
    assertThatThrownBy(() -> render(t -> t.set("etcd.enabled", "false")))
        .hasMessageContaining("etcd.external.endpoints");
  }

  /** Renders with tls.enabled and certificates of a fresh CA, issued as the chart README says. */
  private List<Map<String, Object>> renderWithTls(UnaryOperator<TemplateCommand> more) throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("chart test CA", Duration.ofDays(1), Clock.systemUTC());
    IssuedCertificate service = ca.issue(new CertificateRequest(CertificateKind.SERVICE, "cnm",
        List.of("*.net.svc"), List.of(), Duration.ofDays(1)));
    IssuedCertificate etcd = ca.issue(new CertificateRequest(CertificateKind.SERVICE, "etcd",
        List.of("*.cnm-etcd-headless.net.svc", "cnm-etcd-headless.net.svc"), List.of("127.0.0.1"), Duration.ofDays(1)));
    Path caFile = pem("ca.crt", "CERTIFICATE", ca.certificate().getEncoded());
    Path certFile = pem("tls.crt", "CERTIFICATE", service.certificate().getEncoded());
    Path keyFile = pem("tls.key", "PRIVATE KEY", service.privateKey().getEncoded());
    Path etcdCertFile = pem("etcd.crt", "CERTIFICATE", etcd.certificate().getEncoded());
    Path etcdKeyFile = pem("etcd.key", "PRIVATE KEY", etcd.privateKey().getEncoded());
    return render(t -> more.apply(t.set("tls.enabled", "true")
        .setFile("tls.ca", caFile).setFile("tls.cert", certFile).setFile("tls.key", keyFile)
        .setFile("tls.etcdCert", etcdCertFile).setFile("tls.etcdKey", etcdKeyFile)));
  }

  @Test
  void template_tlsEnabled_createsSecretAndMountsItEverywhere() throws Exception {
    List<Map<String, Object>> objects = renderWithTls(t -> t);

    Map<String, Object> secret = named(objects, "Secret", "cnm-tls");
    assertThat(decode((String) map(secret, "data").get("ca.crt"))).isEqualTo(Files.readString(temp.resolve("ca.crt")));
    assertThat(decode((String) map(secret, "data").get("tls.key"))).isEqualTo(Files.readString(temp.resolve("tls.key")));
    assertThat(decode((String) map(secret, "data").get("etcd.crt"))).isEqualTo(Files.readString(temp.resolve("etcd.crt")));
    assertThat(decode((String) map(secret, "data").get("etcd.key"))).isEqualTo(Files.readString(temp.resolve("etcd.key")));
    for (String component : List.of("store", "ipam", "controller")) {
      Map<String, Object> deployment = named(objects, "Deployment", "cnm-" + component);
      assertThat(args(deployment)).contains("--tls-cert=/etc/cnm/tls/tls.crt", "--tls-key=/etc/cnm/tls/tls.key",
          "--tls-ca=/etc/cnm/tls/ca.crt").doesNotContain("--insecure-tcp");
      assertThat(list(deployment, "spec.template.spec.volumes")).anySatisfy(v -> assertThat(
          (String) at(v, "secret.secretName")).isEqualTo("cnm-tls"));
      assertThat(list(container(deployment), "volumeMounts")).anySatisfy(m -> assertThat(m)
          .containsEntry("mountPath", "/etc/cnm/tls").containsEntry("readOnly", true));
    }
    Map<String, Object> agent = named(objects, "DaemonSet", "cnm-agent");
    assertThat(args(agent)).contains("--tls-cert=/etc/cnm/node/node-$(NODE_NAME).crt",
        "--tls-key=/etc/cnm/node/node-$(NODE_NAME).key", "--tls-ca=/etc/cnm/tls/ca.crt");
    assertThat(list(agent, "spec.template.spec.volumes")).anySatisfy(v -> assertThat(
        (String) at(v, "hostPath.path")).isEqualTo("/etc/cnm/pki"));
  }

  @Test
  void template_tlsEnabled_etcdServesClientTlsWithClientCertificates() throws Exception {
    Map<String, Object> etcd = named(renderWithTls(t -> t), "StatefulSet", "cnm-etcd");
    Map<String, Object> container = container(etcd);
    List<String> command = at(container, "command");
    assertThat(command).contains("--listen-client-urls=https://0.0.0.0:2379",
        "--advertise-client-urls=https://$(POD_NAME).cnm-etcd-headless.net.svc:2379",
        "--cert-file=/etc/etcd/tls/etcd.crt", "--key-file=/etc/etcd/tls/etcd.key",
        "--trusted-ca-file=/etc/etcd/tls/ca.crt", "--client-cert-auth",
        "--listen-metrics-urls=http://0.0.0.0:2381");
    // Peers stay plain HTTP (documented).
    assertThat(command).contains("--listen-peer-urls=http://0.0.0.0:2380");
    assertThat(command).noneSatisfy(flag -> assertThat(flag).startsWith("--listen-client-urls=http:"));

    Map<String, Object> mount = list(container, "volumeMounts").stream()
        .filter(m -> "/etc/etcd/tls".equals(m.get("mountPath"))).findFirst()
        .orElseThrow(() -> new AssertionError("no /etc/etcd/tls mount in " + list(container, "volumeMounts")));
    assertThat(mount).containsEntry("readOnly", true);
    Map<String, Object> volume = list(etcd, "spec.template.spec.volumes").stream()
        .filter(v -> mount.get("name").equals(v.get("name"))).findFirst()
        .orElseThrow(() -> new AssertionError("no volume " + mount.get("name")));
    assertThat((String) at(volume, "secret.secretName")).isEqualTo("cnm-tls");
    assertThat(list(volume, "secret.items")).extracting(i -> i.get("key"))
        .containsExactlyInAnyOrder("ca.crt", "etcd.crt", "etcd.key");

    // The kubelet has no client certificate: probes must hit the plain-HTTP metrics listener.
    Map<String, Object> metricsPort = list(container, "ports").stream()
        .filter(p -> "metrics".equals(p.get("name"))).findFirst().orElseThrow();
    assertThat(metricsPort).containsEntry("containerPort", 2381);
    for (String probe : List.of("readinessProbe", "livenessProbe")) {
      assertThat((Object) at(container, probe + ".httpGet.port")).as(probe).isEqualTo("metrics");
    }
  }

  @Test
  void template_tlsEnabled_storeDialsEtcdOverHttpsWithItsCertificate() throws Exception {
    List<String> args = args(named(renderWithTls(t -> t), "Deployment", "cnm-store"));
    assertThat(args).contains("--etcd-endpoints=https://cnm-etcd-0.cnm-etcd-headless.net.svc:2379,"
            + "https://cnm-etcd-1.cnm-etcd-headless.net.svc:2379,https://cnm-etcd-2.cnm-etcd-headless.net.svc:2379",
        "--etcd-ca=/etc/cnm/tls/ca.crt", "--etcd-cert=/etc/cnm/tls/tls.crt", "--etcd-key=/etc/cnm/tls/tls.key");
  }

  @Test
  void template_tlsDisabled_servicesTrustTcpCallersOnlyByTheExplicitFlag() {
    List<Map<String, Object>> objects = render();
    for (String component : List.of("store", "ipam", "controller")) {
      // without it a plaintext TCP listener refuses agent sessions and writes: the cluster would not work
      assertThat(args(named(objects, "Deployment", "cnm-" + component))).as(component).contains("--insecure-tcp")
          .noneSatisfy(arg -> assertThat(arg).startsWith("--tls-"));
    }
  }

  @Test
  void template_tlsDisabled_etcdAndStoreStayPlain() {
    List<Map<String, Object>> objects = render();
    Map<String, Object> etcd = named(objects, "StatefulSet", "cnm-etcd");
    Map<String, Object> container = container(etcd);
    List<String> command = at(container, "command");
    assertThat(command).contains("--listen-client-urls=http://0.0.0.0:2379");
    assertThat(command).noneSatisfy(flag -> assertThat(flag).startsWith("--cert-file"));
    assertThat(command).noneSatisfy(flag -> assertThat(flag).startsWith("--client-cert-auth"));
    assertThat(command).noneSatisfy(flag -> assertThat(flag).startsWith("--listen-metrics-urls"));
    assertThat(list(container, "volumeMounts")).extracting(m -> m.get("mountPath")).containsExactly("/var/lib/etcd");
    assertThat(map(etcd, "spec.template.spec")).doesNotContainKey("volumes");
    assertThat((Object) at(container, "readinessProbe.httpGet.port")).isEqualTo("client");
    assertThat((Object) at(container, "livenessProbe.httpGet.port")).isEqualTo("client");
    assertThat(args(named(objects, "Deployment", "cnm-store")))
        .noneSatisfy(arg -> assertThat(arg).startsWith("--etcd-c"))
        .noneSatisfy(arg -> assertThat(arg).startsWith("--etcd-key"));
  }

  @Test
  void template_tlsEnabledWithExternalEtcd_storeGetsNoEtcdTlsFlags() throws Exception {
    List<Map<String, Object>> objects = renderWithTls(t -> t.set("etcd.enabled", "false")
        .set("etcd.external.endpoints[0]", "http://etcd-a:2379"));
    assertThat(ofKind(objects, "StatefulSet")).isEmpty();
    assertThat((Map<String, Object>) map(named(objects, "Secret", "cnm-tls"), "data")).doesNotContainKey("etcd.crt");
    assertThat(args(named(objects, "Deployment", "cnm-store"))).contains("--etcd-endpoints=http://etcd-a:2379")
        .noneSatisfy(arg -> assertThat(arg).startsWith("--etcd-ca"));
  }

  @Test
  void template_tlsEnabledWithoutEtcdCertificate_failsNamingTheValue() throws Exception {
    Path pemFile = pem("x.crt", "CERTIFICATE", new byte[] {1});
    assertThatThrownBy(() -> render(t -> t.set("tls.enabled", "true")
        .setFile("tls.ca", pemFile).setFile("tls.cert", pemFile).setFile("tls.key", pemFile)))
        .hasMessageContaining("tls.etcdCert");
  }

  @Test
  void template_tlsWithExistingSecret_rendersNoSecretAndUsesThatName() {
    List<Map<String, Object>> objects = render(t -> t.set("tls.enabled", "true").set("tls.existingSecret", "my-pki"));
    assertThat(ofKind(objects, "Secret")).isEmpty();
    assertThat(list(named(objects, "Deployment", "cnm-ipam"), "spec.template.spec.volumes"))
        .anySatisfy(v -> assertThat(v).containsKey("secret")
            .satisfies(x -> assertThat((String) at(x, "secret.secretName")).isEqualTo("my-pki")));
  }

  @Test
  void template_tlsEnabledWithoutCertificates_failsNamingTheValue() {
    assertThatThrownBy(() -> render(t -> t.set("tls.enabled", "true"))).hasMessageContaining("tls.ca");
  }

  @Test
  void template_valuesOutsideTheSchema_areRejectedNamingTheValue() {
    assertThatThrownBy(() -> render(t -> t.set("logFormat", "xml"))).hasMessageContaining("logFormat");
    assertThatThrownBy(() -> render(t -> t.set("etcd.replicas", "2"))).hasMessageContaining("replicas");
    assertThatThrownBy(() -> render(t -> t.set("store.replicas", "0"))).hasMessageContaining("replicas");
  }

  private Path pem(String file, String type, byte[] der) throws Exception {
    StringWriter text = new StringWriter();
    try (PemWriter writer = new PemWriter(text)) {
      writer.writeObject(new PemObject(type, der));
    }
    return Files.writeString(temp.resolve(file), text.toString());
  }

  private static String decode(String base64) {
    return new String(Base64.getDecoder().decode(base64), StandardCharsets.US_ASCII);
  }
}
