package io.stepstream.examples.agent;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The shop's orders and its payment system, in memory: what the agent's tools call. Refunds are
 * deduplicated on the caller's idempotency key, as a real payment API does, so a retried or
 * re-executed tool step pays once.
 */
public final class OrderStore {
  /** An order. Amounts in euros. */
  public record Order(String id, String customer, String item, double amount, String status, String tracking) {}

  /** A refund that was paid. */
  public record Refund(String orderId, double amount, String reference, String idempotencyKey) {}

  private final Map<String, Order> orders = new ConcurrentHashMap<>();
  private final Map<String, Refund> refundsByKey = new ConcurrentHashMap<>();

  /** The demo's orders. */
  public static OrderStore sample() {
    OrderStore s = new OrderStore();
    for (Order o : List.of(
        new Order("A-1001", "customer-1", "annual plan", 39.00, "charged twice", null),
        new Order("A-1002", "customer-2", "headphones", 89.00, "in transit", "DHL 00340434161094042557"),
        new Order("A-1003", "customer-3", "laptop", 1299.00, "delivered", "UPS 1Z999AA10123456784"),
        new Order("A-1004", "customer-1", "monitor", 249.00, "delivered", "UPS 1Z999AA10123456785"))) {
      s.orders.put(o.id(), o);
    }
    return s;
  }

  public Optional<Order> find(String orderId) {
    return Optional.ofNullable(orders.get(orderId));
  }

  /** Pays a refund once per idempotency key; a repeated key returns the first refund. */
  public Refund refund(String orderId, double amount, String idempotencyKey) {
    Order order = find(orderId).orElseThrow(() -> new IllegalArgumentException("no order " + orderId));
    if (amount <= 0 || amount > order.amount()) {
      throw new IllegalArgumentException("refund of " + amount + " for order " + orderId + " is not between 0 and " + order.amount());
    }
    return refundsByKey.computeIfAbsent(idempotencyKey,
        k -> new Refund(orderId, amount, "R-" + Integer.toHexString(k.hashCode() & 0xfffffff).toUpperCase(), k));
  }

  /** Every refund paid, once each. */
  public List<Refund> refunds() {
    return List.copyOf(refundsByKey.values());
  }
}
