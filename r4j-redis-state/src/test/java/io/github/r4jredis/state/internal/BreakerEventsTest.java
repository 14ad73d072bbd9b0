package io.github.r4jredis.state.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Call events are built only for someone who listens to them. */
class BreakerEventsTest {

  @Test
  void aListenerOfTransitionsAloneCostsCallsNothing() {
    BreakerEvents events = new BreakerEvents(() -> State.CLOSED);
    assertThat(events.wantsCallEvents()).isFalse();
    events.onStateTransition(e -> { });
    events.onReset(e -> { });
    events.onFailureRateExceeded(e -> { });
    assertThat(events.wantsCallEvents()).isFalse();
    assertThat(events.hasConsumers()).isTrue();

    events.onSuccess(e -> { });
    assertThat(events.wantsCallEvents()).isTrue();
  }

  @Test
  void everyKindOfCallEventAndEveryEventAreCallEventsWanted() {
    for (Consumer<BreakerEvents> register : List.<Consumer<BreakerEvents>>of(
        e -> e.onError(x -> { }), e -> e.onIgnoredError(x -> { }), e -> e.onCallNotPermitted(x -> { }),
        e -> e.onEvent(x -> { }))) {
      BreakerEvents events = new BreakerEvents(() -> State.CLOSED);
      register.accept(events);
      assertThat(events.wantsCallEvents()).isTrue();
    }
  }

  @Test
  void statesThatPublishNoCallEventsSaySo() {
    AtomicReference<State> state = new AtomicReference<>(State.FORCED_OPEN);
    BreakerEvents events = new BreakerEvents(state::get);
    assertThat(events.statePublishesCalls()).isFalse();
    state.set(State.METRICS_ONLY);
    assertThat(events.statePublishesCalls()).isTrue();
  }
}
