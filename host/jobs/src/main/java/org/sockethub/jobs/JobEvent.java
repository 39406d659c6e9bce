package org.sockethub.jobs;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a worker tells the gateway, sealed on the events stream.
 *
 * @param kind     what happened
 * @param job      the job id ({@link Kind#RESULT}, {@link Kind#FAILURE})
 * @param platform the platform ({@link Kind#PUSH})
 * @param instance the instance key ({@link Kind#PUSH})
 * @param activity the result ({@code null}: the original activity), the pushed activity, or the
 *                 new credentials of a {@link Kind#RENAME}
 * @param error    the error text ({@link Kind#FAILURE})
 */
public record JobEvent(Kind kind, String job, String platform, String instance, ObjectNode activity, String error) {

    /** The kinds of event. */
    public enum Kind {
        /** A job completed. */
        RESULT,
        /** A job failed. */
        FAILURE,
        /** A platform instance pushed an unsolicited activity to its sessions. */
        PUSH,
        /** A platform instance changed its actor (e.g. an IRC nick change). */
        RENAME,
        /** Not sent by workers: the gateway's own answer to a job that took too long. */
        TIMEOUT
    }

    /**
     * @param job    the job id
     * @param result the result activity, or {@code null} for "the original activity"
     * @return a result event
     */
    public static JobEvent result(String job, ObjectNode result) {
        return new JobEvent(Kind.RESULT, job, null, null, result, null);
    }

    /**
     * @param job   the job id
     * @param error the error text
     * @return a failure event
     */
    public static JobEvent failure(String job, String error) {
        return new JobEvent(Kind.FAILURE, job, null, null, null, error);
    }

    /**
     * @param platform the platform
     * @param instance the instance key
     * @param activity the pushed activity
     * @return a push event
     */
    public static JobEvent push(String platform, String instance, ObjectNode activity) {
        return new JobEvent(Kind.PUSH, null, platform, instance, activity, null);
    }

    /**
     * @param platform    the platform
     * @param instance    the instance handle
     * @param credentials the new credentials activity, whose {@code actor.id} is the new actor
     * @return a rename event
     */
    public static JobEvent rename(String platform, String instance, ObjectNode credentials) {
        return new JobEvent(Kind.RENAME, null, platform, instance, credentials, null);
    }

    /**
     * @param job   the job id
     * @param error the error text
     * @return the gateway's timeout answer
     */
    public static JobEvent timeout(String job, String error) {
        return new JobEvent(Kind.TIMEOUT, job, null, null, null, error);
    }
}
