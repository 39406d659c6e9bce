package org.sockethub.api.http;

import java.io.IOException;

/**
 * Why a guarded fetch did not produce a response. The message is meant for clients as is:
 * platforms fail the job with it ({@code Error: <message>}).
 */
public class GuardException extends IOException {

    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Reason {
        /** The URL does not parse, or has no host. */
        INVALID_URL,
        /** The scheme is not {@code http} or {@code https}. */
        UNSUPPORTED_SCHEME,
        /** A destination address is not public (or not parseable). */
        BLOCKED_ADDRESS,
        /** The host name does not resolve. */
        UNKNOWN_HOST,
        /** More redirects than allowed. */
        TOO_MANY_REDIRECTS,
        /** The body exceeded the size cap. */
        TOO_LARGE,
        /** The request did not finish in time. */
        TIMEOUT,
        /** Any other network failure (connection refused, reset, TLS). */
        NETWORK
    }

    private final Reason reason;

    /**
     * @param reason  the kind of failure
     * @param message the text for clients
     */
    public GuardException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    /**
     * @param reason  the kind of failure
     * @param message the text for clients
     * @param cause   the underlying failure
     */
    public GuardException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** @return the kind of failure */
    public Reason reason() {
        return reason;
    }
}
