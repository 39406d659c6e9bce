package org.sockethub.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import io.sentry.Sentry;
import io.sentry.SentryEvent;
import io.sentry.SentryLevel;
import io.sentry.protocol.Message;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Optional error reporting to Sentry through the official Java SDK, as the server README
 * describes: on when {@code sentry.dsn} is set ({@code SENTRY_DSN}, {@code --sentry.dsn}), off
 * otherwise. The host reports uncaught exceptions and what the gateway hands it (worker deaths,
 * gateway failures) through a {@link Consumer} service; a worker reports its fatal error and the
 * exceptions its platform's verbs throw. Every event is tagged with the process's role.
 */
public final class ErrorReporting {

    private static volatile boolean on;

    private ErrorReporting() {
    }

    /**
     * Starts reporting if a DSN is configured.
     *
     * @param sentry the {@code sentry} block of the configuration
     * @param role   {@code host}, or {@code worker}
     * @param tags   tags for every event, e.g. the platform of a worker
     * @return whether reporting is on
     */
    public static boolean start(JsonNode sentry, String role, Map<String, String> tags) {
        String dsn = sentry == null ? "" : sentry.path("dsn").asText("");
        if (dsn.isBlank()) {
            return false;
        }
        Sentry.init(options -> {
            options.setDsn(dsn);
            options.setEnvironment(text(sentry, "environment", "production"));
            options.setRelease(text(sentry, "release", "sockethub@" + Layout.version()));
            JsonNode rate = sentry.has("tracesSampleRate") ? sentry.get("tracesSampleRate") : sentry.get("traceSampleRate");
            if (rate != null && rate.isNumber()) {
                options.setTracesSampleRate(rate.asDouble());
            }
            options.setSendDefaultPii(sentry.path("sendDefaultPii").asBoolean(false));
            options.setEnableUncaughtExceptionHandler(false); // ours reports and then decides
            options.setTag("role", role);
            tags.forEach(options::setTag);
        });
        on = true;
        return true;
    }

    private static String text(JsonNode sentry, String key, String fallback) {
        String v = sentry.path(key).asText("");
        return v.isBlank() ? fallback : v;
    }

    /** @return whether reporting is on */
    public static boolean enabled() {
        return on;
    }

    /**
     * @param error an exception to report
     */
    public static void report(Throwable error) {
        if (on) {
            Sentry.captureException(error);
        }
    }

    /**
     * Reports what a bundle handed over: {@code message} (a string), optional {@code exception}
     * (a Throwable), {@code level} ({@code error} by default) and {@code tags} (a string map).
     *
     * @param event the event, in JDK types only (it crosses the OSGi boundary)
     */
    public static void report(Map<String, Object> event) {
        if (!on) {
            return;
        }
        SentryEvent e = event.get("exception") instanceof Throwable t ? new SentryEvent(t) : new SentryEvent();
        Message message = new Message();
        message.setMessage(String.valueOf(event.getOrDefault("message", "")));
        e.setMessage(message);
        e.setLevel("warning".equals(event.get("level")) ? SentryLevel.WARNING : SentryLevel.ERROR);
        if (event.get("tags") instanceof Map<?, ?> tags) {
            tags.forEach((k, v) -> e.setTag(String.valueOf(k), String.valueOf(v)));
        }
        Sentry.captureEvent(e);
    }

    /**
     * Sends what is queued.
     *
     * @param timeoutMs how long to wait at most
     */
    public static void flush(long timeoutMs) {
        if (on) {
            Sentry.flush(timeoutMs);
        }
    }
}
