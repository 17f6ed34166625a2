package io.stepstream.internal.identity;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The identity provider's public signing keys (a JWKS), reduced to those usable for RS256 (RSA,
 * 2048 bits or more) and ES256 (EC P-256). Private parts, if the JWKS has any, are dropped.
 */
final class SigningKeys {
  static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256);
  private static final int MIN_RSA_BITS = 2048;

  private final List<JWK> keys;

  private SigningKeys(List<JWK> keys) {
    this.keys = keys;
  }

  /** @throws IllegalArgumentException naming what is wrong, if the JSON is no JWKS or has no usable key */
  static SigningKeys parse(String jwksJson) {
    JWKSet set;
    try {
      set = JWKSet.parse(jwksJson);
    } catch (ParseException e) {
      throw new IllegalArgumentException("the approver identity JWKS is not a JSON Web Key Set ({\"keys\":[...]}): " + e.getMessage(), e);
    }
    List<JWK> usable = new ArrayList<>();
    for (JWK key : set.getKeys()) {
      if (usable(key)) {
        usable.add(key.toPublicJWK());
      }
    }
    if (usable.isEmpty()) {
      throw new IllegalArgumentException("the approver identity JWKS has no key usable for RS256 (RSA, " + MIN_RSA_BITS
          + "+ bits) or ES256 (EC P-256) signatures among its " + set.getKeys().size() + " keys");
    }
    return new SigningKeys(List.copyOf(usable));
  }

  int size() {
    return keys.size();
  }

  /** Keys that could have made a signature with {@code alg} and key id {@code kid} (any key id when null). */
  List<JWSVerifier> candidates(String kid, JWSAlgorithm alg) {
    List<JWSVerifier> verifiers = new ArrayList<>();
    for (JWK key : keys) {
      boolean kidMatches = kid == null || kid.equals(key.getKeyID());
      boolean algMatches = key.getAlgorithm() == null || key.getAlgorithm().equals(alg);
      if (kidMatches && algMatches) {
        JWSVerifier verifier = verifier(key, alg);
        if (verifier != null) {
          verifiers.add(verifier);
        }
      }
    }
    return verifiers;
  }

  private static JWSVerifier verifier(JWK key, JWSAlgorithm alg) {
    try {
      if (alg.equals(JWSAlgorithm.RS256) && key instanceof RSAKey rsa) {
        return new RSASSAVerifier(rsa);
      }
      if (alg.equals(JWSAlgorithm.ES256) && key instanceof ECKey ec) {
        return new ECDSAVerifier(ec);
      }
      return null;
    } catch (JOSEException e) {
      return null; // a key nimbus cannot use for this algorithm cannot have made the signature
    }
  }

  private static boolean usable(JWK key) {
    if (key.getKeyUse() != null && !KeyUse.SIGNATURE.equals(key.getKeyUse())) {
      return false;
    }
    if (key.getAlgorithm() != null && !ALGORITHMS.contains(JWSAlgorithm.parse(key.getAlgorithm().getName()))) {
      return false;
    }
    if (key instanceof RSAKey rsa) {
      return rsa.size() >= MIN_RSA_BITS;
    }
    return key instanceof ECKey ec && Curve.P_256.equals(ec.getCurve());
  }
}
