/**
 * Test doubles of the platform API for a platform's unit tests, used in test scope:
 * {@link org.sockethub.api.testkit.RecordingContext} stands in for the server (configuration in,
 * pushes and actor renames recorded) and {@link org.sockethub.api.testkit.RecordingJob} for a
 * job (result or error recorded, first answer wins, {@code await} for verbs that answer later).
 * No server, OSGi framework or mocking library is needed.
 */
package org.sockethub.api.testkit;
