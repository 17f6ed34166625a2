package io.stepstream.schemas;

import static io.stepstream.schemas.SchemaRelease.BASELINE;
import static io.stepstream.schemas.SchemaRelease.FIXTURES;
import static org.assertj.core.api.Assertions.assertThat;

import io.stepstream.schemas.ReleasedSchemas.Released;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParser;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The published fingerprints ({@code baseline/fingerprints.tsv}, for readers in other languages), the
 * released schemas the jar ships to decoders, and the byte fixtures all agree with {@code baseline/}.
 */
@Timeout(60)
class FingerprintsTest {

  @Test
  void theCommittedFingerprintsMatchTheReleasedSchemas() throws IOException {
    String committed = Files.readString(BASELINE.resolve(ReleasedSchemas.INDEX));

    assertThat(committed)
        .as("baseline/fingerprints.tsv is out of date with baseline/: run schemas/release-schemas")
        .isEqualTo(ReleasedSchemas.inDirectory(BASELINE).index());
  }

  @Test
  void theJarShipsExactlyTheBaselineToDecoders() {
    List<String> shipped = describe(ReleasedSchemas.onClasspath().all());

    assertThat(shipped).isNotEmpty().isEqualTo(describe(ReleasedSchemas.inDirectory(BASELINE).all()));
  }

  @Test
  void aPublishedFingerprintIsWhatAvroWritesAfterTheMagicBytes() throws IOException {
    Schema schema =
        SchemaParser.parseSingle("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}");
    GenericData.Record record = new GenericData.Record(schema);
    record.put("a", 1);

    ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(record);

    byte[] header = Arrays.copyOf(encoded.array(), 10);
    assertThat(Arrays.copyOfRange(header, 0, 2)).containsExactly(0xC3, 0x01);
    assertThat(Arrays.copyOfRange(header, 2, 10))
        .isEqualTo(ReleasedSchemas.fingerprintBytes(ReleasedSchemas.fingerprint(schema)));
  }

  @Test
  void everyReleasedEnvelopeHasAFixtureWrittenWithItsReleasedSchema() throws IOException {
    ReleasedSchemas released = ReleasedSchemas.inDirectory(BASELINE);
    int checked = 0;
    for (Released r : released.all()) {
      if (!r.envelope()) {
        continue;
      }
      Path fixture = FIXTURES.resolve(r.version()).resolve(SchemaRelease.fixtureName(r));
      assertThat(fixture).as("fixture of %s %s (run schemas/release-schemas)", r.version(), r.fullName()).exists();
      byte[] bytes = Files.readAllBytes(fixture);

      assertThat(Arrays.copyOfRange(bytes, 0, 2)).as(fixture.toString()).containsExactly(0xC3, 0x01);
      assertThat(Arrays.copyOfRange(bytes, 2, 10))
          .as("%s carries the fingerprint of %s", fixture, r.path())
          .isEqualTo(ReleasedSchemas.fingerprintBytes(r.fingerprint()));
      BinaryDecoder body = DecoderFactory.get().binaryDecoder(bytes, 10, bytes.length - 10, null);
      new GenericDatumReader<GenericRecord>(r.schema()).read(null, body);
      assertThat(body.isEnd()).as("%s is exactly one record of %s", fixture, r.path()).isTrue();
      checked++;
    }
    assertThat(checked).isGreaterThanOrEqualTo(11);
  }

  private static List<String> describe(List<Released> all) {
    return all.stream().map(r -> r.version() + " " + r.path() + " " + r.fullName() + " " + r.fingerprint()).toList();
  }
}
