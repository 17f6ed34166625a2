package io.stepstream.deploy;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the fields a model did not know. fabric8's and Strimzi's model classes never fail on an
 * unknown or mistyped field: Jackson's any-setter keeps it in {@code additionalProperties} (fabric8's
 * UnmatchedFieldTypeModule does the same for a value of the wrong type). So "deserialized without an
 * exception" proves nothing; an empty {@code additionalProperties} everywhere in the tree does.
 */
final class StrictModel {
  private StrictModel() {}

  /** "path: [names]" for every object in the tree that kept properties its class does not have. */
  static List<String> unknownFields(Object root) {
    List<String> found = new ArrayList<>();
    walk(root, "", found, new IdentityHashMap<>());
    return found;
  }

  private static void walk(Object o, String path, List<String> found, IdentityHashMap<Object, Boolean> seen) {
    if (o == null || isLeaf(o) || seen.put(o, Boolean.TRUE) != null) {
      return;
    }
    if (o instanceof Collection<?> c) {
      int i = 0;
      for (Object e : c) {
        walk(e, path + "[" + i++ + "]", found, seen);
      }
      return;
    }
    if (o instanceof Map<?, ?> m) {
      m.forEach((k, v) -> walk(v, path + "." + k, found, seen));
      return;
    }
    if (!isModel(o.getClass())) {
      return;
    }
    for (Class<?> c = o.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers())) {
          continue;
        }
        Object value = read(f, o);
        if (f.getName().equals("additionalProperties")) {
          if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
            found.add((path.isEmpty() ? "<root>" : path) + " (" + o.getClass().getSimpleName() + "): " + extra.keySet());
          }
          continue;
        }
        walk(value, path + "." + f.getName(), found, seen);
      }
    }
  }

  private static boolean isModel(Class<?> c) {
    String n = c.getName();
    return n.startsWith("io.fabric8.") || n.startsWith("io.strimzi.");
  }

  private static boolean isLeaf(Object o) {
    return o instanceof CharSequence || o instanceof Number || o instanceof Boolean || o instanceof Enum<?> || o.getClass().isPrimitive();
  }

  private static Object read(Field f, Object o) {
    try {
      f.setAccessible(true);
      return f.get(o);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("cannot read " + f + " of " + o.getClass().getName(), e);
    }
  }
}
