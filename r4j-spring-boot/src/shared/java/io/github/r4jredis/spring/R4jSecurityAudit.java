package io.github.r4jredis.spring;

import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.context.event.EventListener;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.authentication.event.AbstractAuthenticationFailureEvent;
import org.springframework.security.authorization.event.AuthorizationDeniedEvent;
import org.springframework.security.core.Authentication;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.web.util.UriUtils;

/**
 * Spring Security's refusals of the operators' actions, written to the {@linkplain R4jAudit audit
 * trail}: Spring Security answers 401 and 403 before a request reaches the controller. A bean
 * when Spring Security is present, next to the {@code AuthorizationEventPublisher} that makes it
 * publish {@link AuthorizationDeniedEvent}s (no user: 401; a user without the role: 403); Spring
 * Boot publishes authentication failures (a wrong password) itself.
 */
final class R4jSecurityAudit {

  /**
   * The actions' paths, after the context path and any servlet path ({@code spring.mvc.servlet.path}):
   * the breaker's name (encoded) and the action.
   */
  private static final Pattern ACTION = Pattern.compile("(?:/.*)?/api/resilience/([^/]+)/(reset|force-open)");

  /** A refusal by Spring Security of a user, or of no user, on an action. */
  @EventListener
  void denied(AuthorizationDeniedEvent<?> event) {
    HttpServletRequest request = event.getObject() instanceof HttpServletRequest r ? r : currentRequest();
    Authentication user = event.getAuthentication().get();
    boolean anonymous = user == null || user instanceof AnonymousAuthenticationToken || !user.isAuthenticated();
    refused(request, anonymous ? null : user.getName(), anonymous ? "not authenticated" : "not authorized");
  }

  /** Credentials Spring Security did not accept (a wrong password, an unknown or locked user). */
  @EventListener
  void authenticationFailed(AbstractAuthenticationFailureEvent event) {
    refused(currentRequest(), event.getAuthentication().getName(),
        "authentication failed: " + event.getException().getMessage());
  }

  private static void refused(@Nullable HttpServletRequest request, @Nullable String user, String reason) {
    if (request == null || !"POST".equals(request.getMethod())) {
      return;
    }
    try {
      Matcher action = ACTION.matcher(request.getRequestURI().substring(request.getContextPath().length()));
      if (action.matches()) {
        String breaker = UriUtils.decode(action.group(1), StandardCharsets.UTF_8);
        R4jAudit.refused(action.group(2), breaker, user, request.getRemoteAddr(), reason);
      }
    } catch (RuntimeException e) {
      // Published from inside Spring Security's filters: a failure here must not turn its 401 or
      // 403 into a 500. The audit line is lost; say so.
      R4jAudit.refused("unknown", request.getRequestURI(), user, request.getRemoteAddr(),
          reason + " (could not read the action: " + e + ")");
    }
  }

  private static @Nullable HttpServletRequest currentRequest() {
    RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
    return attributes instanceof ServletRequestAttributes servlet ? servlet.getRequest() : null;
  }
}
