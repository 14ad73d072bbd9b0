package io.github.r4jredis.state.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Lua scripts of the shared breaker. Each is {@code common.lua} followed by its entry file,
 * loaded from the class path once and addressed by SHA-1 for EVALSHA.
 */
public enum LuaScripts {
  /** Merge outcome deltas, evaluate thresholds, open, renew a probe lease. */
  FLUSH("flush.lua"),
  /** OPEN to HALF_OPEN after the deadline; hand out the probe lease. */
  CLAIM("claim.lua"),
  /** The lease holder's verdict on its trial calls. */
  VERDICT("verdict.lua"),
  /** Manual transitions and reset, fleet-wide. */
  COMMAND("command.lua"),
  /** Read-only view of the shared state. */
  READ("read.lua");

  private final String text;
  private final String sha;

  LuaScripts(String file) {
    this.text = resource("common.lua") + "\n" + resource(file);
    this.sha = sha1(text);
  }

  /** The full script text, as SCRIPT LOAD takes it. */
  public String text() {
    return text;
  }

  /** SHA-1 of the text, as EVALSHA takes it. */
  public String sha() {
    return sha;
  }

  private static String resource(String file) {
    String path = "/io/github/r4jredis/state/lua/" + file;
    try (InputStream in = LuaScripts.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing script resource " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path, e);
    }
  }

  private static String sha1(String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-1");
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required of every JVM", e);
    }
  }
}
