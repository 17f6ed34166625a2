package io.stepstream.internal.codec.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.common.config.types.Password;

/**
 * How to reach a schema registry, read from Kafka client properties with the names Confluent's
 * serializers use, so one properties file configures the Kafka clients and the registry client alike.
 *
 * <pre>{@code
 * schema.registry.url=https://sr-1:8081,https://sr-2:8081
 * basic.auth.credentials.source=USER_INFO
 * basic.auth.user.info=engine:secret
 * schema.registry.ssl.truststore.location=/etc/stepstream/truststore.p12
 * schema.registry.ssl.truststore.password=changeit
 * }</pre>
 *
 * <p>One difference from Confluent: when {@code basic.auth.credentials.source} is not set but
 * {@code basic.auth.user.info} is, the user info is used (Confluent's default source, {@code URL},
 * would silently ignore it).
 */
record RegistrySettings(
    List<URI> urls,
    Optional<String> authorization,
    String credentialsDescription,
    Optional<SSLContext> sslContext,
    Duration connectTimeout,
    Duration requestTimeout,
    int rounds) {

  static final String URL = "schema.registry.url";
  static final String BASIC_SOURCE = "basic.auth.credentials.source";
  static final String USER_INFO = "basic.auth.user.info";
  static final String LEGACY_USER_INFO = "schema.registry.basic.auth.user.info";
  static final String BEARER_SOURCE = "bearer.auth.credentials.source";
  static final String BEARER_TOKEN = "bearer.auth.token";
  static final String SSL = "schema.registry.ssl.";
  static final String TRUSTSTORE_LOCATION = SSL + "truststore.location";
  static final String TRUSTSTORE_PASSWORD = SSL + "truststore.password";
  static final String TRUSTSTORE_TYPE = SSL + "truststore.type";
  static final String KEYSTORE_LOCATION = SSL + "keystore.location";
  static final String KEYSTORE_PASSWORD = SSL + "keystore.password";
  static final String KEYSTORE_TYPE = SSL + "keystore.type";
  static final String KEY_PASSWORD = SSL + "key.password";
  static final String ENDPOINT_IDENTIFICATION = SSL + "endpoint.identification.algorithm";
  static final String CONNECT_TIMEOUT = "http.connect.timeout.ms";
  static final String READ_TIMEOUT = "http.read.timeout.ms";
  /**
   * How many times every URL is tried before a call gives up (default 2: a request the registry
   * dropped, e.g. on a stale keep-alive connection, is sent once more). Stepstream's own property:
   * the engine's input reader sets 1, as it runs inside a transaction with a deadline.
   */
  static final String ROUNDS = "stepstream.schema.registry.request.rounds";
  static final int DEFAULT_ROUNDS = 2;

  /** Shorter than Confluent's 60 s: an engine blocked on a dead registry should say so soon. */
  static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

  static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

  private static final Pattern JAAS_USER = Pattern.compile("username\\s*=\\s*\"([^\"]*)\"");
  private static final Pattern JAAS_PASSWORD = Pattern.compile("password\\s*=\\s*\"([^\"]*)\"");

  /** Empty when the properties name no registry ({@code schema.registry.url} absent or blank). */
  static Optional<RegistrySettings> from(Map<String, ?> props) {
    String urlList = get(props, URL).orElse("");
    if (urlList.isBlank()) {
      return Optional.empty();
    }
    List<URI> urls = new ArrayList<>();
    String userInfoInUrl = null;
    for (String raw : urlList.split(",")) {
      if (raw.isBlank()) {
        continue;
      }
      URI uri = parseUrl(raw.strip());
      if (uri.getRawUserInfo() != null) {
        userInfoInUrl = decode(uri.getRawUserInfo());
      }
      urls.add(withoutUserInfo(uri));
    }
    if (urls.isEmpty()) {
      return Optional.empty();
    }

    Optional<String> basicUser = basicUserInfo(props, userInfoInUrl);
    Optional<String> bearer = bearerToken(props);
    if (basicUser.isPresent() && bearer.isPresent()) {
      throw new IllegalArgumentException(
          "both basic auth (" + BASIC_SOURCE + "/" + USER_INFO + ") and a bearer token (" + BEARER_SOURCE
              + ") are configured for the schema registry; remove one of them");
    }
    Optional<String> authorization = Optional.empty();
    String description = "no credentials";
    if (basicUser.isPresent()) {
      String userInfo = basicUser.get();
      if (!userInfo.contains(":")) {
        throw new IllegalArgumentException(
            USER_INFO + " must be user:password (the schema registry's basic auth), got a value without ':'");
      }
      authorization =
          Optional.of("Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8)));
      description = "basic auth as user '" + userInfo.substring(0, userInfo.indexOf(':')) + "'";
    } else if (bearer.isPresent()) {
      authorization = Optional.of("Bearer " + bearer.get());
      description = "a bearer token";
    }

    if (get(props, ENDPOINT_IDENTIFICATION).filter(String::isBlank).isPresent()) {
      throw new IllegalArgumentException(
          ENDPOINT_IDENTIFICATION + " is empty (host name verification off), which this client does not"
              + " support: give the registry a certificate for the host name in " + URL
              + ", or remove the property");
    }
    return Optional.of(
        new RegistrySettings(
            List.copyOf(urls),
            authorization,
            description,
            sslContext(props),
            millis(props, CONNECT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT),
            millis(props, READ_TIMEOUT, DEFAULT_REQUEST_TIMEOUT),
            rounds(props)));
  }

  private static int rounds(Map<String, ?> props) {
    Optional<String> value = get(props, ROUNDS);
    if (value.isEmpty()) {
      return DEFAULT_ROUNDS;
    }
    try {
      int rounds = Integer.parseInt(value.get().trim());
      if (rounds >= 1) {
        return rounds;
      }
    } catch (NumberFormatException e) {
      // named below
    }
    throw new IllegalArgumentException(ROUNDS + " must be a whole number of at least 1, was \"" + value.get() + "\"");
  }

  private static Optional<String> basicUserInfo(Map<String, ?> props, String userInfoInUrl) {
    Optional<String> userInfo = get(props, USER_INFO).or(() -> get(props, LEGACY_USER_INFO));
    String source = get(props, BASIC_SOURCE).map(s -> s.toUpperCase(Locale.ROOT)).orElse(null);
    if (source == null) {
      return userInfo.isPresent() ? userInfo : Optional.ofNullable(userInfoInUrl);
    }
    switch (source) {
      case "USER_INFO":
        if (userInfo.isEmpty()) {
          throw new IllegalArgumentException(
              BASIC_SOURCE + "=USER_INFO but " + USER_INFO + " is not set; set it to user:password");
        }
        return userInfo;
      case "URL":
        return Optional.ofNullable(userInfoInUrl);
      case "SASL_INHERIT":
        return saslUserInfo(props);
      default:
        throw new IllegalArgumentException(
            BASIC_SOURCE + "=" + source + " is not supported; use USER_INFO (with " + USER_INFO
                + "=user:password), URL (http://user:password@host:port) or SASL_INHERIT");
    }
  }

  /** The SASL/PLAIN or SCRAM user of the Kafka clients, as Confluent's {@code SASL_INHERIT} does. */
  private static Optional<String> saslUserInfo(Map<String, ?> props) {
    String jaas = get(props, "sasl.jaas.config").orElse("");
    Matcher user = JAAS_USER.matcher(jaas);
    Matcher password = JAAS_PASSWORD.matcher(jaas);
    if (!user.find() || !password.find()) {
      throw new IllegalArgumentException(
          BASIC_SOURCE + "=SASL_INHERIT needs sasl.jaas.config with username=\"...\" and password=\"...\""
              + " (PLAIN or SCRAM); set " + USER_INFO + " instead for other SASL mechanisms");
    }
    return Optional.of(user.group(1) + ":" + password.group(1));
  }

  private static Optional<String> bearerToken(Map<String, ?> props) {
    Optional<String> source = get(props, BEARER_SOURCE).map(s -> s.toUpperCase(Locale.ROOT));
    Optional<String> token = get(props, BEARER_TOKEN);
    if (source.isEmpty()) {
      return token;
    }
    if (!source.get().equals("STATIC_TOKEN")) {
      throw new IllegalArgumentException(
          BEARER_SOURCE + "=" + source.get() + " is not supported; use STATIC_TOKEN with " + BEARER_TOKEN);
    }
    if (token.isEmpty()) {
      throw new IllegalArgumentException(BEARER_SOURCE + "=STATIC_TOKEN but " + BEARER_TOKEN + " is not set");
    }
    return token;
  }

  private static Optional<SSLContext> sslContext(Map<String, ?> props) {
    Optional<String> truststore = get(props, TRUSTSTORE_LOCATION);
    Optional<String> keystore = get(props, KEYSTORE_LOCATION);
    if (truststore.isEmpty() && keystore.isEmpty()) {
      return Optional.empty(); // https URLs then use the JVM's default trust (cacerts)
    }
    try {
      TrustManagerFactory tmf = null;
      if (truststore.isPresent()) {
        KeyStore store =
            load(truststore.get(), get(props, TRUSTSTORE_TYPE).orElse("JKS"), get(props, TRUSTSTORE_PASSWORD),
                TRUSTSTORE_LOCATION);
        tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
      }
      KeyManagerFactory kmf = null;
      if (keystore.isPresent()) {
        Optional<String> storePassword = get(props, KEYSTORE_PASSWORD);
        KeyStore store =
            load(keystore.get(), get(props, KEYSTORE_TYPE).orElse("JKS"), storePassword, KEYSTORE_LOCATION);
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        char[] keyPassword = get(props, KEY_PASSWORD).or(() -> storePassword).map(String::toCharArray).orElse(null);
        kmf.init(store, keyPassword);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
      return Optional.of(context);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "cannot set up TLS for the schema registry from " + SSL + "* properties: " + e.getMessage(), e);
    }
  }

  private static KeyStore load(String location, String type, Optional<String> password, String property)
      throws GeneralSecurityException {
    if (type.equalsIgnoreCase("PEM")) {
      throw new IllegalArgumentException(
          property + ": PEM stores are not supported for the schema registry; use JKS or PKCS12"
              + " (keytool -importcert / openssl pkcs12 -export)");
    }
    KeyStore store = KeyStore.getInstance(type);
    try (InputStream in = Files.newInputStream(Path.of(location))) {
      store.load(in, password.map(String::toCharArray).orElse(null));
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read the " + type + " store " + location + " (" + property + "): " + e.getMessage()
              + " (wrong password or type?)", e);
    }
    return store;
  }

  private static Duration millis(Map<String, ?> props, String key, Duration dflt) {
    Optional<String> value = get(props, key);
    if (value.isEmpty()) {
      return dflt;
    }
    try {
      long ms = Long.parseLong(value.get().strip());
      if (ms <= 0) {
        throw new NumberFormatException();
      }
      return Duration.ofMillis(ms);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a positive number of milliseconds, got '" + value.get() + "'");
    }
  }

  private static URI parseUrl(String raw) {
    URI uri;
    try {
      uri = URI.create(raw.endsWith("/") ? raw.substring(0, raw.length() - 1) : raw);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(URL + " has an invalid URL '" + redact(raw) + "': " + e.getMessage(), e);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
      throw new IllegalArgumentException(
          URL + " must list http:// or https:// URLs separated by commas, got '" + redact(raw) + "'");
    }
    return uri;
  }

  private static URI withoutUserInfo(URI uri) {
    if (uri.getRawUserInfo() == null) {
      return uri;
    }
    String s = uri.toString();
    return URI.create(s.replaceFirst("://[^@/]*@", "://"));
  }

  private static String redact(String url) {
    return url.replaceFirst("://[^@/]*@", "://***@");
  }

  private static String decode(String rawUserInfo) {
    return java.net.URLDecoder.decode(rawUserInfo.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /** A property as a string; Kafka's {@link Password} hides its value in toString(). */
  static Optional<String> get(Map<String, ?> props, String key) {
    Object value = props.get(key);
    if (value == null) {
      return Optional.empty();
    }
    String s = value instanceof Password p ? p.value() : String.valueOf(value);
    return s.isEmpty() && !key.equals(ENDPOINT_IDENTIFICATION) ? Optional.empty() : Optional.of(s);
  }

  @Override
  public String toString() {
    // never print the Authorization header
    return "RegistrySettings[urls=" + urls + ", " + credentialsDescription + ", tls="
        + sslContext.isPresent() + "]";
  }
}
