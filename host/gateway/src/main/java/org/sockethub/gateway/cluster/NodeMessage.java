package org.sockethub.gateway.cluster;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.sockethub.jobs.JobEvent;

/**
 * What one gateway node tells another about a persistent instance the first holds and the second
 * has sessions attached to; sealed with the cluster's key on the receiver's events stream (field
 * {@link ClusterLink#FIELD}).
 *
 * @param type        what it is
 * @param from        the sending node
 * @param handle      the instance's handle on the node that holds it
 * @param job         the job id on the node whose session sent it ({@link Type#FORWARD}, {@link Type#ANSWER})
 * @param session     the session that sent the job ({@link Type#FORWARD})
 * @param activity    the job's activity ({@link Type#FORWARD}); what the sessions receive ({@link Type#DELIVER})
 * @param credentials the session's credentials for a verb that needs them ({@link Type#FORWARD})
 * @param event       the job's answer ({@link Type#ANSWER})
 * @param actor       the instance's new actor ({@link Type#RENAME})
 * @param error       why the instance ended ({@link Type#GONE})
 */
public record NodeMessage(Type type, String from, String handle, String job, String session, ObjectNode activity,
                          ObjectNode credentials, JobEvent event, String actor, String error) {

    /** The kinds of message. */
    public enum Type {
        /** To the holder: a node has sessions on the instance (they keep it alive). */
        ATTACH,
        /** To the holder: that node has no session on it any more. */
        DETACH,
        /** To the holder: a job of a session on the sending node, to run on the instance. */
        FORWARD,
        /** To the sender of a {@link #FORWARD}: the job's one answer. */
        ANSWER,
        /** To an attached node: an activity for every session it has on the instance (a push, another session's result). */
        DELIVER,
        /** To an attached node: the instance's actor changed (an IRC nick change). */
        RENAME,
        /** To an attached node: the instance ended; its sessions get the fatal {@code type: "error"} message. */
        GONE
    }

    /** @return a {@link Type#ATTACH} message */
    public static NodeMessage attach(String from, String handle) {
        return new NodeMessage(Type.ATTACH, from, handle, null, null, null, null, null, null, null);
    }

    /** @return a {@link Type#DETACH} message */
    public static NodeMessage detach(String from, String handle) {
        return new NodeMessage(Type.DETACH, from, handle, null, null, null, null, null, null, null);
    }

    /** @return a {@link Type#FORWARD} message */
    public static NodeMessage forward(String from, String handle, String job, String session, ObjectNode activity, ObjectNode credentials) {
        return new NodeMessage(Type.FORWARD, from, handle, job, session, activity, credentials, null, null, null);
    }

    /** @return a {@link Type#ANSWER} message */
    public static NodeMessage answer(String from, String handle, JobEvent event) {
        return new NodeMessage(Type.ANSWER, from, handle, event.job(), null, null, null, event, null, null);
    }

    /** @return a {@link Type#DELIVER} message */
    public static NodeMessage deliver(String from, String handle, ObjectNode activity) {
        return new NodeMessage(Type.DELIVER, from, handle, null, null, activity, null, null, null, null);
    }

    /** @return a {@link Type#RENAME} message */
    public static NodeMessage rename(String from, String handle, String actor) {
        return new NodeMessage(Type.RENAME, from, handle, null, null, null, null, null, actor, null);
    }

    /** @return a {@link Type#GONE} message */
    public static NodeMessage gone(String from, String handle, String error) {
        return new NodeMessage(Type.GONE, from, handle, null, null, null, null, null, null, error);
    }
}
