package io.stepstream.internal.codec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * A registry in memory, for unit tests of the framing only: counts the calls that would go over the
 * network, and can be taken "down". The real-registry tests use a real server.
 */
final class InMemorySchemaIds implements SchemaIds {
  final Map<Integer, Schema> byId = new HashMap<>();
  final Map<String, Integer> idBySubject = new HashMap<>();
  final List<String> registrations = new ArrayList<>();
  int lookups;
  boolean down;
  private int nextId = 100;

  @Override
  public synchronized int register(String subject, Schema schema) {
    if (down) {
      throw new RegistryUnavailableException("connection refused", null);
    }
    registrations.add(subject);
    return idBySubject.computeIfAbsent(subject + "|" + schema.toString(), k -> {
      int id = nextId++;
      byId.put(id, schema);
      return id;
    });
  }

  /** Puts a schema under a given id, as another producer would have registered it. */
  synchronized int put(int id, Schema schema) {
    byId.put(id, schema);
    return id;
  }

  @Override
  public synchronized Schema schemaById(int id) {
    lookups++;
    if (down) {
      throw new RegistryUnavailableException("connection refused", null);
    }
    Schema s = byId.get(id);
    if (s == null) {
      throw new IllegalArgumentException("schema " + id + " not found");
    }
    return s;
  }

  @Override
  public String url() {
    return "http://in-memory";
  }
}
