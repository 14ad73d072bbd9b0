package io.github.r4jredis.slo.internal;

import io.github.r4jredis.slo.SloAlert.Type;
import io.github.r4jredis.slo.SloAlert;
import io.github.r4jredis.slo.SloMonitor.AlertListener;
import io.github.r4jredis.slo.SloStoreException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet's firing alerts, kept in Redis ({@code <prefix>:slo:alerts}, one field per alert) so
 * that the node that fires one and the node that resolves it need not be the same, and each
 * change is announced once, by the node that made it. Thread-safe.
 */
final class AlertBook {

  private static final Logger LOG = LoggerFactory.getLogger(AlertBook.class);

  private final FleetStore store;
  private final List<AlertListener> listeners;
  /** The alerts this node announced and has not seen resolved: the answer while Redis is away. */
  private final Map<String, SloAlert> announced = new ConcurrentHashMap<>();

  AlertBook(FleetStore store, List<AlertListener> listeners) {
    this.store = store;
    this.listeners = listeners;
  }

  /** The firing alerts as Redis holds them: {@code "<type>|<service>"} to their stored form. */
  Map<String, String> firing() {
    return store.alerts();
  }

  /** Fires or resolves one alert, announcing it only when this node changed it in Redis. */
  void judge(Map<String, String> firing, Type type, String service, String severity, boolean condition,
      double value, double threshold, String message, Instant at) {
    String key = type + "|" + service;
    if (condition && !firing.containsKey(key)) {
      String stored = at.toEpochMilli() + "|" + severity + "|" + value + "|" + threshold + "|" + message;
      if (store.fire(key, stored)) {
        firing.put(key, stored);
        SloAlert alert = new SloAlert(type, service, severity, true, message, value, threshold, at);
        announced.put(key, alert);
        announce(alert);
      }
    } else if (!condition && firing.containsKey(key)) {
      SloAlert fired = parse(key, firing.get(key));
      firing.remove(key);
      if (store.resolve(key)) {
        announced.remove(key);
        announce(new SloAlert(type, service, fired == null ? severity : fired.severity(), false,
            "resolved: " + (fired == null ? message : fired.message()), value, threshold, at));
      }
    }
  }

  private void announce(SloAlert alert) {
    for (AlertListener listener : listeners) {
      try {
        listener.onAlert(alert);
      } catch (RuntimeException e) {
        LOG.warn("An SLO alert listener failed on {}", alert.key(), e);
      }
    }
  }

  /** The alerts firing fleet-wide; while Redis is away, the ones this node fired and has not seen resolved. */
  List<SloAlert> active() {
    try {
      return activeFrom(store.alerts());
    } catch (SloStoreException e) {
      return List.copyOf(announced.values());
    }
  }

  static List<SloAlert> activeFrom(Map<String, String> firing) {
    List<SloAlert> alerts = new ArrayList<>();
    new TreeMap<>(firing).forEach((key, value) -> {
      SloAlert alert = parse(key, value);
      if (alert != null) {
        alerts.add(alert);
      }
    });
    return alerts;
  }

  private static @Nullable SloAlert parse(String key, String value) {
    String[] keyParts = key.split("\\|", 2);
    String[] parts = value.split("\\|", 5);
    try {
      return new SloAlert(Type.valueOf(keyParts[0]), keyParts[1], parts[1], true, parts[4], Double.parseDouble(parts[2]),
          Double.parseDouble(parts[3]), Instant.ofEpochMilli(Long.parseLong(parts[0])));
    } catch (RuntimeException e) {
      LOG.debug("Ignoring an unreadable alert {} = {}", key, value);
      return null;
    }
  }
}
