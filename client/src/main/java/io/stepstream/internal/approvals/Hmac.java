package io.stepstream.internal.approvals;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HMAC-SHA256 and SHA-256 over length-prefixed fields (unambiguous whatever the fields contain), base64url. */
final class Hmac {
  private Hmac() {}

  static String mac(ApprovalKey key, byte[] message) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.secret(), "HmacSHA256"));
      return base64(mac.doFinal(message));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  static String sha256(byte[] message, int bytes) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(message);
      return base64(java.util.Arrays.copyOf(digest, bytes));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }

  static byte[] fields(String... fields) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String field : fields) {
      byte[] utf8 = field.getBytes(StandardCharsets.UTF_8);
      out.writeBytes(ByteBuffer.allocate(4).putInt(utf8.length).array());
      out.writeBytes(utf8);
    }
    return out.toByteArray();
  }

  static boolean equal(String a, String b) {
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  static String base64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
