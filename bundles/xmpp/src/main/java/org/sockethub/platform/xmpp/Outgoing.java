package org.sockethub.platform.xmpp;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.UUID;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.MessageBuilder;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.PresenceBuilder;
import org.jivesoftware.smack.packet.StandardExtensionElement;
import org.jivesoftware.smack.packet.Stanza;
import org.jivesoftware.smack.packet.StanzaBuilder;
import org.jivesoftware.smackx.disco.packet.DiscoverInfo;
import org.jivesoftware.smackx.disco.packet.DiscoverItems;
import org.jivesoftware.smackx.message_correct.element.MessageCorrectExtension;
import org.jxmpp.jid.Jid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.stringprep.XmppStringprepException;

/**
 * Builds the stanzas the verbs send (spec/platforms.md §4.4). Pure: nothing is sent here.
 */
final class Outgoing {

    static final String MUC = "http://jabber.org/protocol/muc";

    private Outgoing() {
    }

    static Jid jid(String text) {
        try {
            return JidCreate.from(text);
        } catch (XmppStringprepException e) {
            throw new IllegalArgumentException("not a valid XMPP address: " + text);
        }
    }

    /** @return {@code target.id} up to the first {@code /} */
    static String roomBare(JsonNode activity) {
        String id = activity.path("target").path("id").asText("");
        int slash = id.indexOf('/');
        return slash < 0 ? id : id.substring(0, slash);
    }

    /** The nick: {@code actor.name}, else the default (the account's user name). */
    static String nick(JsonNode activity, String fallback) {
        String name = activity.path("actor").path("name").asText("");
        return name.isEmpty() ? fallback : name;
    }

    static Presence join(String roomBare, String nick) {
        return StanzaBuilder.buildPresence().to(jid(roomBare + "/" + nick))
                .addExtension(StandardExtensionElement.builder("x", MUC).build()).build();
    }

    static Presence leave(String roomBare, String nick) {
        return StanzaBuilder.buildPresence().ofType(Presence.Type.unavailable).to(jid(roomBare + "/" + nick)).build();
    }

    static Message send(JsonNode activity) {
        JsonNode object = activity.path("object");
        String target = activity.path("target").path("id").asText("");
        if (target.isEmpty()) {
            throw new IllegalArgumentException("send needs a target.id");
        }
        boolean room = "room".equals(activity.path("target").path("type").asText());
        MessageBuilder message = object.path("id").isTextual()
                ? StanzaBuilder.buildMessage(object.path("id").asText()) : StanzaBuilder.buildMessage();
        message.ofType(room ? Message.Type.groupchat : Message.Type.chat).to(jid(target))
                .setBody(object.path("content").asText(""));
        String replace = object.path("xmpp:replace").path("id").asText("");
        if (!replace.isEmpty()) {
            message.addExtension(new MessageCorrectExtension(replace));
        }
        return message.build();
    }

    /**
     * @param object the {@code presence} object of an {@code update}
     * @return {@code unavailable} for {@code offline}; otherwise available with {@code <show>}
     *         unless {@code online}, and {@code <status>} when content is not empty
     */
    static Presence presence(JsonNode object) {
        String value = object.path("presence").asText("");
        String status = object.path("content").asText("");
        PresenceBuilder presence = StanzaBuilder.buildPresence();
        if (value.equals("offline")) {
            presence.ofType(Presence.Type.unavailable);
        } else if (!value.isEmpty() && !value.equals("online")) {
            presence.setMode(Presence.Mode.fromString(value));
        }
        if (!status.isEmpty()) {
            presence.setStatus(status);
        }
        return presence.build();
    }

    static Presence subscription(Presence.Type type, String to) {
        return StanzaBuilder.buildPresence().ofType(type).to(jid(bare(to))).build();
    }

    static String bare(String jid) {
        int slash = jid.indexOf('/');
        return slash < 0 ? jid : jid.substring(0, slash);
    }

    /**
     * @param roomInfo {@code true} for disco#info ({@code room-info}), {@code false} for disco#items ({@code attendance})
     * @param to       the room
     * @return a {@code get} with an id of {@code attendance_<uuid>} or {@code room_info_<uuid>}
     */
    static IQ query(boolean roomInfo, String to) {
        IQ iq = roomInfo ? new DiscoverInfo() : new DiscoverItems();
        iq.setType(IQ.Type.get);
        iq.setTo(jid(to));
        iq.setStanzaId((roomInfo ? Incoming.ROOM_INFO_PREFIX : Incoming.ATTENDANCE_PREFIX) + UUID.randomUUID());
        return iq;
    }

    static String xml(Stanza stanza) {
        return stanza.toXML().toString();
    }
}
