package io.github.r4jredis.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.r4jredis.state.SharedBreakerState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** How the CLI prints shared breaker states: an aligned table for people, JSON for scripts. */
final class StatusView {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String[] HEADERS = {
      "NAME", "STATE", "VERSION", "SINCE", "CALLS", "FAILED", "SLOW", "FAILURE%", "NODES", "FAILING", "DETAIL"};

  private StatusView() {}

  /** One row per breaker under a header; a line saying so when there is none. */
  static String table(List<SharedBreakerState> states, Instant now) {
    if (states.isEmpty()) {
      return "No circuit breakers." + System.lineSeparator();
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(HEADERS);
    for (SharedBreakerState s : states) {
      rows.add(new String[] {
          s.name(), s.state().name(), Long.toString(s.version()), age(s.since(), now) + " ago",
          Long.toString(s.calls()), Long.toString(s.failedCalls()), Long.toString(s.slowCalls()),
          s.failureRate() < 0 ? "-" : String.format(Locale.ROOT, "%.1f", s.failureRate()),
          Integer.toString(s.reportingNodes()), Integer.toString(s.failingNodes()), detail(s, now)});
    }
    int[] widths = new int[HEADERS.length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].codePointCount(0, row[i].length()));
      }
    }
    StringBuilder out = new StringBuilder();
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        line.append(row[i]).append(" ".repeat(widths[i] - row[i].codePointCount(0, row[i].length()) + 2));
      }
      out.append(line.toString().stripTrailing()).append(System.lineSeparator());
    }
    return out.toString();
  }

  /** A JSON array of the states, with ISO-8601 instants; indented, or on one line. */
  static String json(List<SharedBreakerState> states, boolean indented) {
    List<Map<String, Object>> list = new ArrayList<>();
    for (SharedBreakerState s : states) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", s.name());
      m.put("state", s.state().name());
      m.put("version", s.version());
      m.put("since", s.since().toString());
      m.put("openUntil", s.openUntil().map(Instant::toString).orElse(null));
      m.put("attempts", s.attempts());
      m.put("trialHolder", s.trialHolder().orElse(null));
      m.put("calls", s.calls());
      m.put("failedCalls", s.failedCalls());
      m.put("slowCalls", s.slowCalls());
      m.put("failureRate", s.failureRate() < 0 ? null : s.failureRate());
      m.put("reportingNodes", s.reportingNodes());
      m.put("failingNodes", s.failingNodes());
      list.add(m);
    }
    try {
      return (indented ? JSON.writerWithDefaultPrettyPrinter() : JSON.writer()).writeValueAsString(list)
          + System.lineSeparator();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot write breaker states as JSON", e); // maps of plain values
    }
  }

  private static String detail(SharedBreakerState s, Instant now) {
    return switch (s.state()) {
      case OPEN -> s.openUntil().map(until -> until.isAfter(now)
          ? "half-open in " + age(now, until) : "half-open due").orElse("") + ", opened " + s.attempts() + "x";
      case HALF_OPEN -> s.trialHolder().map(holder -> "trial calls: " + holder).orElse("trial lease free");
      case FORCED_OPEN -> "until reset";
      case DISABLED -> "every call permitted until reset";
      default -> "";
    };
  }

  /** 45s, 3m12s, 2h05m, 4d03h. */
  static String age(Instant from, Instant to) {
    long seconds = Math.max(0, Duration.between(from, to).toSeconds());
    if (seconds < 60) {
      return seconds + "s";
    }
    if (seconds < 3600) {
      return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
    }
    if (seconds < 86_400) {
      return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, seconds % 3600 / 60);
    }
    return String.format(Locale.ROOT, "%dd%02dh", seconds / 86_400, seconds % 86_400 / 3600);
  }
}
