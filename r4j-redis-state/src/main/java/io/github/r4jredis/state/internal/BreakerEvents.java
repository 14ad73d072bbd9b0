package io.github.r4jredis.state.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnCallNotPermittedEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnErrorEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnFailureRateExceededEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnIgnoredErrorEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnResetEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnSlowCallRateExceededEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnStateTransitionEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnSuccessEvent;
import io.github.resilience4j.core.EventConsumer;
import io.github.resilience4j.core.EventProcessor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A breaker's event publisher, with Resilience4j's publication rules: an event is built only
 * when someone listens, states that do not publish (DISABLED, FORCED_OPEN) publish only the
 * event types Resilience4j forces, and a listener that throws is logged, never passed on.
 *
 * <p>Thread-safe (Resilience4j's {@link EventProcessor}).
 */
public final class BreakerEvents extends EventProcessor<CircuitBreakerEvent>
    implements EventConsumer<CircuitBreakerEvent>, CircuitBreaker.EventPublisher {

  private static final Logger LOG = LoggerFactory.getLogger(BreakerEvents.class);

  private final Supplier<CircuitBreaker.State> state;
  /** Whether anyone listens to events of single calls (success, error, ignored, not permitted). */
  private volatile boolean callEvents;
  private static final java.util.Set<String> CALL_EVENTS = java.util.Set.of(
      CircuitBreakerOnSuccessEvent.class.getName(), CircuitBreakerOnErrorEvent.class.getName(),
      CircuitBreakerOnIgnoredErrorEvent.class.getName(), CircuitBreakerOnCallNotPermittedEvent.class.getName());

  /** Events of a breaker whose current state {@code state} supplies. */
  public BreakerEvents(Supplier<CircuitBreaker.State> state) {
    this.state = state;
  }

  /**
   * Whether a call's event is to be built: someone listens to all events or to that kind. A
   * listener of transitions alone (as SLO accounting on a call observer is) costs calls nothing.
   */
  public boolean wantsCallEvents() {
    return callEvents;
  }

  /** Whether the current state publishes call events (DISABLED and FORCED_OPEN do not). */
  public boolean statePublishesCalls() {
    return state.get().allowPublish;
  }

  @Override
  public void registerConsumer(String className, EventConsumer<? extends CircuitBreakerEvent> consumer) {
    super.registerConsumer(className, consumer);
    if (CALL_EVENTS.contains(className)) {
      callEvents = true;
    }
  }

  @Override
  public void onEvent(EventConsumer<CircuitBreakerEvent> consumer) {
    super.onEvent(consumer);
    callEvents = true;
  }

  /** Builds and publishes an event if anyone listens and the state allows it. */
  public void publish(Supplier<? extends CircuitBreakerEvent> event) {
    if (!hasConsumers()) {
      return;
    }
    CircuitBreakerEvent built = event.get();
    if (!built.getEventType().forcePublish && !state.get().allowPublish) {
      return;
    }
    try {
      processEvent(built);
    } catch (RuntimeException e) {
      LOG.warn("An event consumer of circuit breaker '{}' failed on {}", built.getCircuitBreakerName(),
          built.getEventType(), e);
    }
  }

  @Override
  public void consumeEvent(CircuitBreakerEvent event) {
    processEvent(event);
  }

  @Override
  public CircuitBreaker.EventPublisher onSuccess(EventConsumer<CircuitBreakerOnSuccessEvent> consumer) {
    registerConsumer(CircuitBreakerOnSuccessEvent.class.getName(), consumer);
    return this;
  }

  @Override
  public CircuitBreaker.EventPublisher onError(EventConsumer<CircuitBreakerOnErrorEvent> consumer) {
    registerConsumer(CircuitBreakerOnErrorEvent.class.getName(), consumer);
    return this;
  }

  @Override
  public CircuitBreaker.EventPublisher onStateTransition(
      EventConsumer<CircuitBreakerOnStateTransitionEvent> consumer) {
    registerConsumer(CircuitBreakerOnStateTransitionEvent.class.getName(), consumer);
    return this;
  }

  @Override
  public CircuitBreaker.EventPublisher onReset(EventConsumer<CircuitBreakerOnResetEvent> consumer) {
    registerConsumer(CircuitBreakerOnResetEvent.class.getName(), consumer);
    return this;
  }

  @Override
  public CircuitBreaker.EventPublisher onIgnoredError(
      EventConsumer<CircuitBreakerOnIgnoredErrorEvent> consumer) {
    registerConsumer(CircuitBreakerOnIgnoredErrorEvent.class.getName(), consumer);
    return this;
  }

  @Override
  public CircuitBreaker.EventPublisher onCallNotPermitted(
      EventConsumer<CircuitBreakerOnCallNotPermittedEvent> consumer) {
    registerConsumer(CircuitBreakerOnCallNotPermittedEvent.class.getName(), consumer);
    return this;
  }

  @Override
  public CircuitBreaker.EventPublisher onFailureRateExceeded(
      EventConsumer<CircuitBreakerOnFailureRateExceededEvent> consumer) {
    registerConsumer(CircuitBreakerOnFailureRateExceededEvent.class.getName(), consumer);
    return this;
  }

  @Override
  public CircuitBreaker.EventPublisher onSlowCallRateExceeded(
      EventConsumer<CircuitBreakerOnSlowCallRateExceededEvent> consumer) {
    registerConsumer(CircuitBreakerOnSlowCallRateExceededEvent.class.getName(), consumer);
    return this;
  }
}
