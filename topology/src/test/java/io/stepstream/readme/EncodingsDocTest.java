package io.stepstream.readme;

import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.schemas.ReleasedSchemas;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** docs/clients.md, "Encodings", lists the fingerprint of every released public envelope: readers in other languages copy them from there. */
@Timeout(30)
class EncodingsDocTest {
  @Test
  void theEncodingsSectionListsEveryReleasedPublicEnvelopesFingerprint() throws Exception {
    String doc = Files.readString(Path.of("../docs/clients.md"));
    ReleasedSchemas released = ReleasedSchemas.inDirectory(Path.of("../schemas/baseline"));

    int rows = 0;
    for (ReleasedSchemas.Released r : released.all()) {
      if (!ReleasedSchemas.PUBLIC_ENVELOPES.contains(r.fullName())) {
        continue;
      }
      String fingerprint = HexFormat.of().toHexDigits(r.fingerprint());
      String onTheWire = HexFormat.of().formatHex(ReleasedSchemas.fingerprintBytes(r.fingerprint()));
      assertThat(doc).as(r.version() + " " + r.fullName())
          .containsPattern("\\| " + r.version().replace(".", "\\.") + " \\| `" + r.fullName().replace(".", "\\.")
              + "` \\| [a-z-]+ \\| `" + fingerprint + "` \\| `" + onTheWire + "` \\|");
      rows++;
    }
    assertThat(rows).isEqualTo(ReleasedSchemas.PUBLIC_ENVELOPES.size() * released.versions().size());
  }
}
