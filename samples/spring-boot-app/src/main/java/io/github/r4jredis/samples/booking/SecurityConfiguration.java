package io.github.r4jredis.samples.booking;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Reading is open; acting on breakers and simulating outages needs the OPERATOR role over HTTP
 * Basic (401 without credentials, 403 for a user without the role). The operator's password
 * comes from {@code app.security.operator-password} (e.g. the environment variable
 * {@code APP_SECURITY_OPERATORPASSWORD}); the application does not start without one.
 */
@Configuration(proxyBeanMethods = false)
public class SecurityConfiguration {

  @Bean
  SecurityFilterChain api(HttpSecurity http) throws Exception {
    return http
        .authorizeHttpRequests(auth -> auth
            .requestMatchers(HttpMethod.POST, "/api/resilience/**", "/api/simulation/**").hasRole("OPERATOR")
            .anyRequest().permitAll())
        .httpBasic(Customizer.withDefaults())
        .csrf(csrf -> csrf.disable()) // a stateless JSON API: no session, no cookie to ride on
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .build();
  }

  @Bean
  UserDetailsService users(@Value("${app.security.operator-password:}") String operatorPassword,
      @Value("${app.security.viewer-password:}") String viewerPassword) {
    if (operatorPassword.length() < 12) {
      throw new IllegalStateException(
          "app.security.operator-password must be set to at least 12 characters (APP_SECURITY_OPERATORPASSWORD)");
    }
    PasswordEncoder encoder = PasswordEncoderFactories.createDelegatingPasswordEncoder();
    InMemoryUserDetailsManager users = new InMemoryUserDetailsManager(
        User.withUsername("operator").password(encoder.encode(operatorPassword)).roles("OPERATOR").build());
    if (!viewerPassword.isEmpty()) {
      users.createUser(User.withUsername("viewer").password(encoder.encode(viewerPassword)).roles("VIEWER").build());
    }
    return users;
  }
}
