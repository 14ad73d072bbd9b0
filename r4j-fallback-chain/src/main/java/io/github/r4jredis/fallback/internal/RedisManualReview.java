package io.github.r4jredis.fallback.internal;

import io.github.r4jredis.fallback.ManualReview;
import io.github.r4jredis.fallback.Operation;
import io.github.r4jredis.fallback.QueueEntry;
import io.github.r4jredis.fallback.Receipt;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manual review of a {@link RedisRetryQueue}: the operations a person decides on (submitted,
 * or moved there by a drain), resolved with a note kept in an audit stream or put back in the
 * queue, and the listeners told of each new one on this node. Thread-safe.
 */
final class RedisManualReview implements ManualReview {

  private static final Logger LOG = LoggerFactory.getLogger(RedisManualReview.class);

  private final RedisRetryQueue queue;
  private final QueueStore store;
  private final String nodeId;
  private final List<Consumer<QueueEntry>> listeners = new CopyOnWriteArrayList<>();

  RedisManualReview(RedisRetryQueue queue, QueueStore store, String nodeId) {
    this.queue = queue;
    this.store = store;
    this.nodeId = nodeId;
  }

  @Override
  public Receipt submit(Operation<?> operation, String reason, Map<String, String> context) {
    Objects.requireNonNull(reason, "reason");
    Map<String, String> extra = new LinkedHashMap<>();
    extra.put("reason", reason);
    extra.put("context", Json.write(Objects.requireNonNull(context, "context")));
    RedisRetryQueue.Added added = queue.add(operation, "review", extra);
    Receipt receipt = added.receipt();
    queue.submitted(receipt.duplicate());
    if (!receipt.duplicate()) {
      announce(QueueStore.toEntry(receipt.id(), added.fields())); // as list() shows it, stamp included
    }
    return receipt;
  }

  @Override
  public List<QueueEntry> list(int max) {
    return store.range(store.review(), max);
  }

  @Override
  public boolean resolve(String id, String note) {
    Objects.requireNonNull(note, "note");
    QueueEntry entry = store.find(store.review(), id);
    if (entry == null) {
      return false;
    }
    Map<String, String> audit = new LinkedHashMap<>();
    audit.put("reviewId", id);
    audit.put("op", entry.operation());
    audit.put("key", entry.idempotencyKey());
    audit.put("note", note);
    audit.put("by", nodeId);
    Object result = store.eval(QueueStore.RESOLVE, "resolve " + id,
        QueueStore.args(List.of(id, entry.idempotencyKey(), store.now()), audit)).get(0);
    return Long.valueOf(1L).equals(result);
  }

  @Override
  public boolean requeue(String id) {
    QueueEntry entry = store.find(store.review(), id);
    if (entry == null) {
      return false;
    }
    String enqueuedAt = Long.toString(entry.enqueuedAt().toEpochMilli());
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("op", entry.operation());
    fields.put("key", entry.idempotencyKey());
    fields.put("payload", entry.payload());
    fields.put("attempt", "0");
    fields.put("enqueuedAt", enqueuedAt);
    fields.put("critical", "1"); // it was worth a review once: if it fails again, it comes back
    fields.put("review", "0");
    Object newId = store.eval(QueueStore.REQUEUE, "requeue " + id,
        QueueStore.args(List.of(id, entry.idempotencyKey(), enqueuedAt), fields)).get(0);
    return !newId.toString().isEmpty();
  }

  @Override
  public long backlog() {
    return queue.stats().reviewBacklog();
  }

  @Override
  public ManualReview onSubmitted(Consumer<QueueEntry> listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
    return this;
  }

  /** Tells this node's listeners of a new entry; one that throws does not keep it from the others. */
  void announce(QueueEntry entry) {
    for (Consumer<QueueEntry> listener : listeners) {
      try {
        listener.accept(entry);
      } catch (RuntimeException e) {
        LOG.warn("A review listener of queue {} failed on {}", queue.name(), entry.id(), e);
      }
    }
  }

  @Override
  public String toString() {
    return "ManualReview[" + queue.name() + "]";
  }
}
