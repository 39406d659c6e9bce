package org.sockethub.jobs;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A job as it crosses Redis (sealed with {@link JobCipher}).
 *
 * @param id          unique per gateway node, e.g. {@code dummy-17}
 * @param session     the client session that sent it
 * @param instance    the platform instance key: the actor id for persistent platforms, the
 *                    platform id for stateless ones
 * @param activity    the validated, normalised activity
 * @param credentials the stored credentials activity for verbs that require them, else {@code null}
 */
public record JobRequest(String id, String session, String instance, ObjectNode activity, ObjectNode credentials) {
}
