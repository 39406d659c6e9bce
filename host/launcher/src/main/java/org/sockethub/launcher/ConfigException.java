package org.sockethub.launcher;

/** A configuration the server refuses to start with; the message says what and where. */
final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    ConfigException(String message) {
        super(message);
    }
}
