package org.sockethub.platform.xmpp;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jivesoftware.smack.packet.ExtensionElement;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.Stanza;
import org.jivesoftware.smack.packet.StandardExtensionElement;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smack.util.PacketParserUtils;
import org.jivesoftware.smack.roster.packet.RosterPacket;
import org.jivesoftware.smackx.chatstates.packet.ChatStateExtension;
import org.jivesoftware.smackx.delay.packet.DelayInformation;
import org.jivesoftware.smackx.disco.packet.DiscoverInfo;
import org.jivesoftware.smackx.disco.packet.DiscoverItems;
import org.jivesoftware.smackx.message_correct.element.MessageCorrectExtension;
import org.jivesoftware.smackx.xdata.BooleanFormField;
import org.jivesoftware.smackx.xdata.FormField;
import org.jivesoftware.smackx.xdata.FormFieldWithOptions;
import org.jivesoftware.smackx.xdata.packet.DataForm;
import org.jxmpp.jid.Jid;

/**
 * Turns incoming stanzas into the activities the client receives (spec/platforms.md §4.5), plus
 * what this platform adds beyond upstream: {@code subscribe} presences become
 * {@code request-friend}, body-less chat states become {@code update} with a {@code chat-state}
 * object, roster items carry no stray fields.
 *
 * <p>Pure: no connection, no I/O. The caller passes the rooms this instance joined.
 */
final class Incoming {

    static final String ATTENDANCE_PREFIX = "attendance_";
    static final String ROOM_INFO_PREFIX = "room_info_";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final DateTimeFormatter ISO_MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT)
            .withZone(java.time.ZoneOffset.UTC);

    private Incoming() {
    }

    /**
     * Parses one stanza as Smack does, except that a presence Smack refuses only because of a
     * {@code <show>} value outside RFC 6121 (e.g. {@code online}) is read without its show.
     *
     * @param xml the stanza
     * @return the stanza
     * @throws Exception if it cannot be parsed even so
     */
    static Stanza parse(String xml) throws Exception {
        try {
            return PacketParserUtils.parseStanza(xml);
        } catch (IllegalArgumentException e) {
            String lenient = withoutShow(xml);
            if (lenient.equals(xml)) {
                throw e;
            }
            return PacketParserUtils.parseStanza(lenient);
        }
    }

    /** The presence without its {@code <show>} element, or the input unchanged. */
    static String withoutShow(String xml) {
        if (!xml.startsWith("<presence")) {
            return xml;
        }
        return xml.replaceAll("<show(\\s[^>]*)?>[^<]*</show>", "").replaceAll("<show(\\s[^>]*)?/>", "");
    }

    /**
     * @param stanza     the stanza
     * @param knownRooms bare JIDs of the rooms joined (lower case is not assumed: compared as given)
     * @param self       this account's bare JID, the target of roster activities
     * @return the activities to push, possibly none
     */
    static List<ObjectNode> translate(Stanza stanza, Set<String> knownRooms, String self) {
        List<ObjectNode> out = new ArrayList<>();
        if (stanza.getError() != null && isErrorType(stanza)) {
            out.add(error(stanza));
        } else if (stanza instanceof Message) {
            message((Message) stanza, out);
        } else if (stanza instanceof Presence) {
            presence((Presence) stanza, knownRooms, out);
        } else if (stanza instanceof IQ) {
            iq((IQ) stanza, self, out);
        }
        return out;
    }

    private static boolean isErrorType(Stanza stanza) {
        if (stanza instanceof Message) {
            return ((Message) stanza).getType() == Message.Type.error;
        }
        if (stanza instanceof Presence) {
            return ((Presence) stanza).getType() == Presence.Type.error;
        }
        if (stanza instanceof IQ) {
            return ((IQ) stanza).getType() == IQ.Type.error;
        }
        return true;
    }

    private static String str(Jid jid) {
        return jid == null ? null : jid.toString();
    }

    private static String bare(String jid) {
        int slash = jid.indexOf('/');
        return slash < 0 ? jid : jid.substring(0, slash);
    }

    private static String resourceOf(String jid) {
        int slash = jid.indexOf('/');
        return slash < 0 ? null : jid.substring(slash + 1);
    }

    static ObjectNode entity(String id, String type) {
        ObjectNode node = NODES.objectNode();
        node.put("id", id == null ? "" : id);
        node.put("type", type);
        return node;
    }

    private static ObjectNode activity(String type) {
        ObjectNode node = NODES.objectNode();
        node.put("type", type);
        return node;
    }

    // ----- errors -------------------------------------------------------------------------

    private static ObjectNode error(Stanza stanza) {
        String from = str(stanza.getFrom());
        String to = str(stanza.getTo());
        StanzaError error = stanza.getError();
        if (stanza instanceof IQ && stanza.getStanzaId() != null && stanza.getStanzaId().startsWith(ROOM_INFO_PREFIX)) {
            return roomInfoError(from, to, error.toXML().toString());
        }
        ObjectNode out;
        if (error.getCondition() == StanzaError.Condition.remote_server_not_found) {
            out = activity("join");
            out.set("actor", entity(from, "room"));
            out.put("error", "remote server not found " + from);
        } else {
            out = activity(stanza instanceof Presence ? "update" : "message");
            out.set("actor", entity(from, "room"));
            out.put("error", error.toXML().toString());
        }
        if (to != null) {
            out.set("target", entity(to, "person"));
        }
        return out;
    }

    private static ObjectNode roomInfoError(String from, String to, String error) {
        ObjectNode out = activity("query");
        out.set("actor", entity(from, "room"));
        if (to != null) {
            out.set("target", entity(to, "person"));
        }
        out.putObject("object").put("type", "room-info");
        out.put("error", error);
        return out;
    }

    // ----- messages -----------------------------------------------------------------------

    private static void message(Message message, List<ObjectNode> out) {
        String from = str(message.getFrom());
        String to = str(message.getTo());
        String body = message.getBody();
        if (from == null) {
            return;
        }
        if (body == null) {
            ChatStateExtension state = null;
            for (ExtensionElement extension : message.getExtensions()) {
                if (extension instanceof ChatStateExtension) {
                    state = (ChatStateExtension) extension;
                }
            }
            if (state != null && message.getType() != Message.Type.groupchat) {
                ObjectNode update = activity("update");
                update.set("actor", entity(from, "person"));
                if (to != null) {
                    update.set("target", entity(to, "person"));
                }
                update.putObject("object").put("type", "chat-state").put("state", state.getChatState().name());
                out.add(update);
            }
            return;
        }
        ObjectNode send = activity("send");
        ObjectNode actor = entity(from, "person");
        send.set("actor", actor);
        if (message.getType() == Message.Type.groupchat) {
            String nick = resourceOf(from);
            if (nick != null) {
                actor.put("name", nick);
            }
            send.set("target", entity(bare(from), "room"));
        } else {
            send.set("target", entity(to, "person"));
        }
        ObjectNode object = send.putObject("object");
        object.put("type", "message");
        if (message.getStanzaId() != null) {
            object.put("id", message.getStanzaId());
        }
        object.put("content", body);
        String stanzaId = attribute(message.getExtensionElement("stanza-id", "urn:xmpp:sid:0"), "id");
        if (stanzaId != null) {
            object.put("xmpp:stanza-id", stanzaId);
        }
        MessageCorrectExtension replace = message.getExtension(MessageCorrectExtension.class);
        if (replace != null && replace.getIdInitialMessage() != null) {
            object.putObject("xmpp:replace").put("id", replace.getIdInitialMessage());
        }
        DelayInformation delay = message.getExtension(DelayInformation.class);
        if (delay != null && delay.getStamp() != null) {
            send.put("published", ISO_MILLIS.format(delay.getStamp().toInstant().truncatedTo(ChronoUnit.MILLIS)));
        }
        out.add(send);
    }

    /** An attribute of an extension Smack has no provider for (it then keeps the element as is). */
    private static String attribute(ExtensionElement element, String name) {
        if (element instanceof StandardExtensionElement) {
            return ((StandardExtensionElement) element).getAttributeValue(name);
        }
        if (element != null) {
            try {
                java.lang.reflect.Method getter = element.getClass().getMethod("get" + Character.toUpperCase(name.charAt(0)) + name.substring(1));
                Object value = getter.invoke(element);
                return value == null ? null : value.toString();
            } catch (ReflectiveOperationException e) {
                return null;
            }
        }
        return null;
    }

    // ----- presence -----------------------------------------------------------------------

    private static void presence(Presence presence, Set<String> knownRooms, List<ObjectNode> out) {
        String from = str(presence.getFrom());
        String to = str(presence.getTo());
        if (from == null) {
            return;
        }
        if (presence.getType() == Presence.Type.subscribe) {
            ObjectNode request = activity("request-friend");
            request.set("actor", entity(bare(from), "person"));
            if (to != null) {
                request.set("target", entity(bare(to), "person"));
            }
            out.add(request);
            return;
        }
        if (presence.getType() == Presence.Type.subscribed || presence.getType() == Presence.Type.unsubscribe
                || presence.getType() == Presence.Type.unsubscribed || presence.getType() == Presence.Type.probe) {
            return;
        }
        ObjectNode update = activity("update");
        ObjectNode actor = entity(from, knownRooms.contains(bare(from)) ? "room" : "person");
        update.set("actor", actor);
        if (to == null) {
            String resource = resourceOf(from);
            if (resource != null) {
                actor.put("name", resource);
            }
        } else {
            update.set("target", entity(to, "person"));
        }
        ObjectNode object = update.putObject("object");
        object.put("type", "presence");
        String show = showText(presence);
        object.put("presence", show != null ? show : presence.getType() == Presence.Type.unavailable ? "offline" : "online");
        if (presence.getStatus() != null && !presence.getStatus().isEmpty()) {
            object.put("content", presence.getStatus());
        }
        out.add(update);
    }

    /** The {@code <show>} value, if any. */
    private static String showText(Presence presence) {
        Presence.Mode mode = presence.getMode();
        if (mode != null && mode != Presence.Mode.available && presence.getType() != Presence.Type.unavailable) {
            return mode.name();
        }
        return null;
    }

    // ----- iq -----------------------------------------------------------------------------

    private static void iq(IQ iq, String self, List<ObjectNode> out) {
        if (iq.getType() != IQ.Type.result && iq.getType() != IQ.Type.set) {
            return;
        }
        String id = iq.getStanzaId() == null ? "" : iq.getStanzaId();
        String from = str(iq.getFrom());
        String to = str(iq.getTo());
        if (id.startsWith(ATTENDANCE_PREFIX)) {
            ObjectNode query = activity("query");
            query.set("actor", entity(from, "room"));
            query.set("target", entity(to, "person"));
            ObjectNode object = query.putObject("object");
            object.put("type", "attendance");
            ArrayNode members = object.putArray("members");
            if (iq instanceof DiscoverItems) {
                for (DiscoverItems.Item item : ((DiscoverItems) iq).getItems()) {
                    if (item.getName() != null) {
                        members.add(item.getName());
                    }
                }
            }
            out.add(query);
        } else if (id.startsWith(ROOM_INFO_PREFIX)) {
            if (iq instanceof DiscoverInfo) {
                out.add(roomInfo((DiscoverInfo) iq, from, to));
            } else {
                out.add(roomInfoError(from, to, iq.toXML().toString()));
            }
        } else if (iq instanceof RosterPacket) {
            for (RosterPacket.Item item : ((RosterPacket) iq).getRosterItems()) {
                if (iq.getType() == IQ.Type.set && seesPresence(item)) {
                    continue; // a roster push: their live presence says more than "offline" would
                }
                ObjectNode contact = rosterItem(item, self);
                if (contact != null) {
                    out.add(contact);
                }
            }
        }
    }

    /**
     * A roster item as the client sees it: an {@code update} whose presence is {@code offline}
     * for contacts whose presence we will receive (subscription {@code to} or {@code both}; their
     * live presence follows as separate updates), {@code notauthorized} for everyone else.
     * Removed items produce nothing; in roster pushes, neither do contacts whose presence we see.
     */
    static ObjectNode rosterItem(RosterPacket.Item item, String self) {
        if (item.getItemType() == RosterPacket.ItemType.remove) {
            return null;
        }
        ObjectNode update = activity("update");
        ObjectNode actor = entity(item.getJid().toString(), "person");
        if (item.getName() != null && !item.getName().isEmpty()) {
            actor.put("name", item.getName());
        }
        update.set("actor", actor);
        update.set("target", entity(self, "person"));
        update.putObject("object").put("type", "presence").put("presence", seesPresence(item) ? "offline" : "notauthorized");
        return update;
    }

    private static boolean seesPresence(RosterPacket.Item item) {
        return item.getItemType() == RosterPacket.ItemType.both || item.getItemType() == RosterPacket.ItemType.to;
    }

    private static ObjectNode roomInfo(DiscoverInfo info, String from, String to) {
        ObjectNode query = activity("query");
        ObjectNode actor = entity(from, "room");
        List<DiscoverInfo.Identity> identities = info.getIdentities();
        String name = identities.isEmpty() || identities.get(0).getName() == null || identities.get(0).getName().isEmpty()
                ? from : identities.get(0).getName();
        actor.put("name", name);
        query.set("actor", actor);
        query.set("target", entity(to, "person"));
        ObjectNode object = query.putObject("object");
        object.put("type", "room-info");
        ArrayNode features = object.putArray("features");
        info.getFeatures().forEach(f -> features.add(f.getVar()));
        if (!identities.isEmpty()) {
            ArrayNode ids = object.putArray("identities");
            for (DiscoverInfo.Identity identity : identities) {
                ObjectNode node = ids.addObject();
                node.put("category", identity.getCategory());
                node.put("type", identity.getType());
                if (identity.getName() != null && !identity.getName().isEmpty()) {
                    node.put("name", identity.getName());
                }
            }
        }
        for (DataForm form : info.getExtensions(DataForm.class)) {
            fields(form.getFields(), object);
        }
        return query;
    }

    private static void fields(Collection<? extends FormField> fields, ObjectNode object) {
        for (FormField field : fields) {
            String var = field.getFieldName();
            if (var == null || var.equals("FORM_TYPE")) {
                continue;
            }
            String group;
            String key;
            if (var.startsWith("muc#roominfo_")) {
                group = "roominfo";
                key = var.substring("muc#roominfo_".length());
            } else if (var.startsWith("muc#roomconfig_")) {
                group = "roomconfig";
                key = var.substring("muc#roomconfig_".length());
            } else {
                group = "custom";
                key = var;
            }
            ObjectNode map = object.has(group) ? (ObjectNode) object.get(group) : object.putObject(group);
            map.set(key, field(field));
        }
    }

    static String typeName(FormField.Type type) {
        if (type == null) {
            return "text-single";
        }
        return type == FormField.Type.bool ? "boolean" : type.name().replace('_', '-');
    }

    private static ObjectNode field(FormField field) {
        ObjectNode node = NODES.objectNode();
        String type = typeName(field.getType());
        node.put("type", type);
        if (field.getLabel() != null) {
            node.put("label", field.getLabel());
        }
        List<String> values = field.getValuesAsString();
        switch (type) {
            case "boolean" -> {
                String first = values.isEmpty() ? null : values.get(0);
                node.put("value", "1".equals(first) || "true".equals(first));
            }
            case "text-multi", "list-multi", "jid-multi" -> {
                ArrayNode array = node.putArray("value");
                values.forEach(array::add);
            }
            default -> {
                if (values.isEmpty()) {
                    node.putNull("value");
                } else {
                    String first = values.get(0);
                    if (!type.equals("list-single") && first.matches("\\d{1,9}")) {
                        node.put("value", Integer.parseInt(first));
                    } else if (!type.equals("list-single") && first.matches("\\d{10,18}")) {
                        node.put("value", Long.parseLong(first));
                    } else {
                        node.put("value", first);
                    }
                }
            }
        }
        if (field instanceof FormFieldWithOptions) {
            List<FormField.Option> options = ((FormFieldWithOptions) field).getOptions();
            if (!options.isEmpty()) {
                ArrayNode array = node.putArray("options");
                for (FormField.Option option : options) {
                    String value = option.getValueString();
                    array.addObject().put("label", option.getLabel() != null ? option.getLabel() : value).put("value", value);
                }
            }
        }
        if (field instanceof BooleanFormField && !node.has("value")) {
            node.put("value", false);
        }
        return node;
    }

    /** @return when, as the client sees it (tests) */
    static String isoMillis(Instant instant) {
        return ISO_MILLIS.format(instant);
    }
}
