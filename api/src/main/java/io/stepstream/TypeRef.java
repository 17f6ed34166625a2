package io.stepstream;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;

/**
 * A generic type for decoding recorded values, captured by an anonymous subclass: {@code
 * List.class} decodes JSON elements as maps, {@code new TypeRef<List<Finding>>() {}} as {@code
 * Finding}s, the first time and on every replay.
 *
 * <pre>{@code
 * // BAD: the elements come back as LinkedHashMap (a ClassCastException later)
 * List<Finding> f = ctx.step("search", List.class, s -> search.run(q));
 *
 * // GOOD
 * List<Finding> f = ctx.step("search", new TypeRef<List<Finding>>() {}, s -> search.run(q));
 * }</pre>
 *
 * @param <T> the type captured
 */
public abstract class TypeRef<T> {
  private final Type type;

  /** Captures the type argument of the anonymous subclass ({@code new TypeRef<List<Foo>>() {}}). */
  protected TypeRef() {
    Type superclass = getClass().getGenericSuperclass();
    if (!(superclass instanceof ParameterizedType parameterized)) {
      throw new IllegalStateException("create a TypeRef as an anonymous subclass with its type argument: new TypeRef<List<Foo>>() {}");
    }
    this.type = parameterized.getActualTypeArguments()[0];
  }

  private TypeRef(Type type) {
    this.type = type;
  }

  /** A plain class as a type token. */
  public static <T> TypeRef<T> of(Class<T> type) {
    return new TypeRef<>(type) {};
  }

  /** The captured type. */
  public Type type() {
    return type;
  }

  @Override
  public String toString() {
    return type.getTypeName();
  }
}
