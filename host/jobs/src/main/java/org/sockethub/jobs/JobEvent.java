package org.sockethub.jobs;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a worker tells the gateway, sealed on the events stream.
 *
 * @param kind     what happened
 * @param job      the job id ({@link Kind#RESULT}, {@link Kind#FAILURE})
 * @param platform the platform ({@link Kind#PUSH})
 * @param instance the instance key ({@link Kind#PUSH})
 * @param activity the result ({@code null}: the original activity) or the pushed activity
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
        PUSH
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
}
