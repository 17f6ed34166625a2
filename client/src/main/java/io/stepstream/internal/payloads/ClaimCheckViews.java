package io.stepstream.internal.payloads;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stepstream.avro.ClaimCheck;
import io.stepstream.avro.Payload;
import io.stepstream.internal.codec.PayloadCodec;
import java.util.Locale;

/**
 * How the query API ({@code /api/runs/{id}}, history) shows a claim-checked value: its size and
 * where it lives, never its bytes (a 10 MB value is not inlined into a page, and the engine does not
 * read it from the store to answer a query).
 */
public final class ClaimCheckViews {
  private ClaimCheckViews() {}

  /** {@code {"encoding","json":null,"text":"<claim-checked ...>","bytes":size,"claimCheck":{...}}}. */
  public static ObjectNode value(Payload payload, ObjectMapper json) {
    ClaimCheck ref = payload.getClaimCheck();
    ObjectNode n = json.createObjectNode();
    n.put("encoding", payload.getEncoding().name().toLowerCase(Locale.ROOT));
    n.putNull("json");
    n.put("text", PayloadCodec.describe(payload));
    n.put("bytes", ref.getSize());
    n.set("claimCheck", reference(ref, json));
    return n;
  }

  /** The reference's fields, as docs/large-payloads.md describes them for readers in any language. */
  public static ObjectNode reference(ClaimCheck ref, ObjectMapper json) {
    ObjectNode r = json.createObjectNode();
    r.put("sha256", ref.getSha256());
    r.put("size", ref.getSize());
    r.put("topic", ref.getTopic());
    r.put("partition", ref.getPartition());
    r.put("key", ref.getKey());
    ArrayNode offsets = r.putArray("offsets");
    ref.getOffsets().forEach(offsets::add);
    return r;
  }
}
