package org.sockethub.jobs;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A job as it crosses Redis (sealed with {@link JobCipher}).
 *
 * @param id          unique per gateway node, e.g. {@code dummy-17}
 * @param session     the client session that sent it ({@code null} for control jobs)
 * @param instance    the platform instance: an immutable handle for a persistent instance, the
 *                    platform id for the shared instance of a stateless platform
 * @param actor       the actor the instance serves
 * @param activity    the validated, normalised activity ({@code null} for control jobs)
 * @param credentials the stored credentials activity for verbs that require them, else {@code null}
 * @param control     {@code null} for a client job; {@link #CLEANUP} to shut the instance down
 */
public record JobRequest(String id, String session, String instance, String actor, ObjectNode activity,
                         ObjectNode credentials, String control) {

    /** The control job that shuts an instance down (after the jobs queued before it). */
    public static final String CLEANUP = "cleanup";

    /**
     * @param id          the job id
     * @param session     the session
     * @param instance    the instance
     * @param activity    the activity
     * @param credentials the credentials, or {@code null}
     * @return a client job
     */
    public static JobRequest of(String id, String session, String instance, ObjectNode activity, ObjectNode credentials) {
        return new JobRequest(id, session, instance, activity.path("actor").path("id").asText(), activity, credentials, null);
    }

    /**
     * @param id       the job id
     * @param instance the instance to shut down
     * @param actor    its actor
     * @return a control job
     */
    public static JobRequest cleanup(String id, String instance, String actor) {
        return new JobRequest(id, null, instance, actor, null, null, CLEANUP);
    }
}
