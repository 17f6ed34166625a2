package io.stepstream.secure;

import io.stepstream.devkafka.EmbeddedKafka;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.SaslAuthenticationException;

/**
 * The real single-node broker, secured as a production cluster would be: one SASL_SSL listener
 * (SCRAM-SHA-512 over TLS, certificate for IP 127.0.0.1) for clients and for the broker itself,
 * {@code StandardAuthorizer} with {@code allow.everyone.if.no.acl.found=false}, and two super users:
 * {@code broker} (the broker's own connections) and {@code admin} (creates users and ACLs). Both
 * SCRAM credentials are written into the metadata log when the storage is formatted; every other
 * user is added by the admin with {@link #addUser} ({@code Admin.alterUserScramCredentials}).
 *
 * <p>The CONTROLLER listener is TLS with client certificates (the broker presents its own; the
 * principal maps to {@code User:broker}), so no unauthenticated principal is a super user anywhere.
 */
public final class SecuredBroker implements AutoCloseable {
  public static final String MECHANISM = "SCRAM-SHA-512";
  public static final String ADMIN = "admin";
  private static final String BROKER = "broker";

  private final EmbeddedKafka kafka;
  private final TestCertificates certificates;
  private final String adminPassword;

  private SecuredBroker(EmbeddedKafka kafka, TestCertificates certificates, String adminPassword) {
    this.kafka = kafka;
    this.certificates = certificates;
    this.adminPassword = adminPassword;
  }

  /** Generates certificates in {@code dir/tls} and starts the broker on {@code dir/kafka}. */
  public static SecuredBroker start(Path dir) throws IOException {
    TestCertificates tls = TestCertificates.create(dir.resolve("tls"));
    String brokerPassword = randomPassword();
    String adminPassword = randomPassword();
    Map<String, String> broker = new HashMap<>();
    broker.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
    broker.put("allow.everyone.if.no.acl.found", "false");
    broker.put("super.users", "User:" + BROKER + ";User:" + ADMIN);
    broker.put("sasl.enabled.mechanisms", MECHANISM);
    broker.put("sasl.mechanism.inter.broker.protocol", MECHANISM);
    broker.put("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config", jaas(BROKER, brokerPassword));
    broker.put("ssl.keystore.type", "PKCS12");
    broker.put("ssl.keystore.location", tls.keystore().toString());
    broker.put("ssl.keystore.password", tls.password());
    broker.put("ssl.key.password", tls.password());
    broker.put("ssl.truststore.type", "PKCS12");
    broker.put("ssl.truststore.location", tls.truststore().toString());
    broker.put("ssl.truststore.password", tls.password());
    // the controller listener: mutual TLS, the broker's certificate CN=broker is User:broker
    broker.put("listener.name.controller.ssl.client.auth", "required");
    broker.put("ssl.principal.mapping.rules", "RULE:^CN=([^,]+)$/$1/,DEFAULT");
    Map<String, Object> adminClient = clientProperties(tls, ADMIN, adminPassword);
    EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), EmbeddedKafka.options()
        .listenerSecurity("SASL_SSL")
        .controllerListenerSecurity("SSL")
        .scramCredential(MECHANISM, BROKER, brokerPassword)
        .scramCredential(MECHANISM, ADMIN, adminPassword)
        .overrides(broker)
        .clientProperties(adminClient));
    return new SecuredBroker(kafka, tls, adminPassword);
  }

  public String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  public TestCertificates certificates() {
    return certificates;
  }

  /**
   * What a client of {@code user} puts in its client.properties: SASL_SSL, SCRAM-SHA-512, the
   * truststore, and the bootstrap servers.
   */
  public Map<String, Object> clientProperties(String user, String password) {
    Map<String, Object> p = clientProperties(certificates, user, password);
    p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    return p;
  }

  /** The super user's client properties (creates users and ACLs, reads anything). */
  public Map<String, Object> adminProperties() {
    return clientProperties(ADMIN, adminPassword);
  }

  public Admin admin() {
    Map<String, Object> p = new HashMap<>(adminProperties());
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    return Admin.create(p);
  }

  /** Adds (or changes) a SCRAM user and waits until it can log in. */
  public void addUser(String user, String password) throws Exception {
    try (Admin admin = admin()) {
      admin.alterUserScramCredentials(List.of(
              new UserScramCredentialUpsertion(user, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), password)))
          .all().get(30, TimeUnit.SECONDS);
    }
    awaitLogin(user, password);
  }

  /** Creates ACLs as the admin; returns once the broker applies them (the metadata log is read back). */
  public void allow(Collection<AclBinding> acls) throws Exception {
    try (Admin admin = admin()) {
      admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
      // the authorizer learns new ACLs from the metadata log; wait until describe shows all of them
      long deadline = System.currentTimeMillis() + 30_000;
      while (!admin.describeAcls(org.apache.kafka.common.acl.AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS).containsAll(acls)) {
        if (System.currentTimeMillis() > deadline) {
          throw new TimeoutException("ACLs not visible after 30 s: " + acls);
        }
        Thread.sleep(50);
      }
    }
  }

  /** The credential reaches the broker's cache through the metadata log, just after the admin call returns. */
  private void awaitLogin(String user, String password) throws Exception {
    Map<String, Object> p = new HashMap<>(clientProperties(user, password));
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
    long deadline = System.currentTimeMillis() + 30_000;
    while (true) {
      try (Admin admin = Admin.create(p)) {
        admin.describeCluster().nodes().get(10, TimeUnit.SECONDS);
        return;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof SaslAuthenticationException) || System.currentTimeMillis() > deadline) {
          throw e;
        }
      }
      Thread.sleep(100);
    }
  }

  @Override
  public void close() {
    kafka.close();
  }

  static Map<String, Object> clientProperties(TestCertificates tls, String user, String password) {
    Map<String, Object> p = new HashMap<>();
    p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
    p.put(SaslConfigs.SASL_MECHANISM, MECHANISM);
    p.put(SaslConfigs.SASL_JAAS_CONFIG, jaas(user, password));
    p.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
    p.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, tls.truststore().toString());
    p.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, tls.password());
    return p;
  }

  static String jaas(String user, String password) {
    return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\"" + password + "\";";
  }

  public static String randomPassword() {
    byte[] bytes = new byte[18];
    new java.security.SecureRandom().nextBytes(bytes);
    return java.util.HexFormat.of().formatHex(bytes);
  }

  /** How long a secured client waits for an answer, at most, in these tests. */
  public static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(30);
}
