package io.stepstream.secure;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away PKI for a test broker, made with the JDK's {@code keytool} (EC P-256 keys): a self-signed CA, a
 * broker key pair whose certificate the CA signed (CN=broker, SAN IP 127.0.0.1 so clients verify the
 * host name as they do in production), and a truststore holding only the CA. PKCS12, one password.
 *
 * @param keystore the broker's key and certificate chain
 * @param truststore the CA certificate: what every client (and the broker, as a client of itself) trusts
 */
public record TestCertificates(Path keystore, Path truststore, String password) {
  private static final String DAYS = "2";

  /** Writes {@code broker.p12} and {@code truststore.p12} into {@code dir}. */
  public static TestCertificates create(Path dir) throws IOException {
    Files.createDirectories(dir);
    String password = "test-" + Long.toHexString(new java.security.SecureRandom().nextLong());
    Path ca = dir.resolve("ca.p12");
    Path caPem = dir.resolve("ca.pem");
    Path keystore = dir.resolve("broker.p12");
    Path csr = dir.resolve("broker.csr");
    Path signed = dir.resolve("broker.pem");
    Path truststore = dir.resolve("truststore.p12");

    keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=Stepstream test CA",
        "-ext", "bc:c", "-validity", DAYS, "-keystore", ca.toString(), "-storetype", "PKCS12", "-storepass", password);
    keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-storepass", password, "-file", caPem.toString());
    keytool("-genkeypair", "-alias", "broker", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=broker",
        "-validity", DAYS, "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", password);
    keytool("-certreq", "-alias", "broker", "-keystore", keystore.toString(), "-storepass", password, "-file", csr.toString());
    // serverAuth for its listeners, clientAuth because the broker also presents it to its controller (mutual TLS)
    keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-storepass", password, "-infile", csr.toString(),
        "-outfile", signed.toString(), "-validity", DAYS, "-ext", "SAN=IP:127.0.0.1,DNS:localhost",
        "-ext", "KU=digitalSignature,keyEncipherment", "-ext", "EKU=serverAuth,clientAuth");
    keytool("-importcert", "-noprompt", "-alias", "ca", "-keystore", keystore.toString(), "-storepass", password, "-file", caPem.toString());
    keytool("-importcert", "-alias", "broker", "-keystore", keystore.toString(), "-storepass", password, "-file", signed.toString());
    keytool("-importcert", "-noprompt", "-alias", "ca", "-keystore", truststore.toString(), "-storetype", "PKCS12",
        "-storepass", password, "-file", caPem.toString());
    return new TestCertificates(keystore, truststore, password);
  }

  private static void keytool(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    // eight short JVMs: start them the cheap way (C1 only, serial GC)
    command.addAll(List.of("-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC"));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException("keytool " + args[0] + " did not finish within 60 s");
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted running keytool " + args[0], e);
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.exitValue() != 0) {
      throw new IOException("keytool " + args[0] + " failed with exit code " + process.exitValue() + ": " + output);
    }
  }
}
