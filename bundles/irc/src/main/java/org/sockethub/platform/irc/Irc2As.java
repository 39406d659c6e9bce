package org.sockethub.platform.irc;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code irc2as} translator (spec §3.6): one IRC message, already split by the IRC library into
 * source, command and parameters, becomes zero or more activities. It keeps the little state the
 * translation needs (the MOTD being collected, a 332 topic waiting for its 333).
 *
 * <p>Not thread-safe: one translator per connection, fed from the library's single input thread.
 */
final class Irc2As {

    /** What a line produced. */
    enum Kind { INCOMING, ERROR, PING, PONG }

    /** One result: an activity ({@link Kind#INCOMING}, {@link Kind#ERROR}) or a ping/pong token. */
    record Out(Kind kind, ObjectNode activity, String token) {
        static Out incoming(ObjectNode a) {
            return new Out(Kind.INCOMING, a, null);
        }

        static Out error(ObjectNode a) {
            return new Out(Kind.ERROR, a, null);
        }
    }

    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final String server;
    private final List<String> motd = new ArrayList<>();
    private final Map<String, String[]> topics = new HashMap<>();

    Irc2As(String server) {
        this.server = server;
    }

    String server() {
        return server;
    }

    /**
     * Translates one message.
     *
     * @param source  the prefix without its colon ({@code nick!user@host} or a server name), or empty
     * @param command the command or three-digit numeric
     * @param params  the parameters, the trailing one last (without its colon)
     * @return the results, possibly none
     */
    List<Out> translate(String source, String command, List<String> params) {
        List<Out> out = new ArrayList<>(1);
        String nick = nickOf(source);
        String cmd = command.toUpperCase(Locale.ROOT);
        switch (cmd) {
            case "PING" -> out.add(new Out(Kind.PING, null, last(params)));
            case "PONG" -> out.add(new Out(Kind.PONG, null, last(params)));
            case "JOIN" -> {
                if (!params.isEmpty()) {
                    out.add(Out.incoming(activity("join", person(nick), room(params.get(0)))));
                }
            }
            case "PART" -> {
                if (!params.isEmpty()) {
                    ObjectNode a = activity("leave", person(nick), room(params.get(0)));
                    a.set("object", message("message", "user has left the channel"));
                    out.add(Out.incoming(a));
                }
            }
            case "QUIT" -> {
                ObjectNode a = activity("leave", person(nick), service(false));
                a.set("object", message("message", "user has quit"));
                out.add(Out.incoming(a));
            }
            case "KICK" -> {
                if (params.size() >= 2) {
                    ObjectNode a = activity("leave", person(params.get(1)), room(params.get(0)));
                    String reason = params.size() > 2 ? params.get(2) : "";
                    a.set("object", message("message", "user was kicked by " + nick
                            + (reason.isEmpty() || reason.equals(params.get(1)) ? "" : ": " + reason)));
                    out.add(Out.incoming(a));
                }
            }
            case "PRIVMSG" -> privmsg(nick, params, out);
            case "NOTICE" -> {
                if (params.size() >= 2) {
                    ObjectNode a = activity("send", service(false), null);
                    a.set("object", message("message", params.get(params.size() - 1)));
                    String to = params.get(0);
                    a.set("target", F.objectNode().put("type", "person").put("id", to + "@" + server).put("name", to));
                    out.add(Out.incoming(a));
                }
            }
            case "NICK" -> {
                if (!params.isEmpty()) {
                    ObjectNode a = activity("update", person(nick), person(params.get(0)));
                    a.set("object", F.objectNode().put("type", "address"));
                    out.add(Out.incoming(a));
                }
            }
            case "TOPIC" -> {
                if (params.size() >= 2) {
                    ObjectNode a = activity("update", person(nick), room(params.get(0)));
                    a.set("object", message("topic", params.get(1)));
                    out.add(Out.incoming(a));
                }
            }
            case "MODE" -> mode(nick, params, out);
            case "332" -> {
                if (params.size() >= 3) {
                    topics.put(params.get(1).toLowerCase(Locale.ROOT), new String[] {params.get(1), params.get(2)});
                }
            }
            case "333" -> {
                if (params.size() >= 3) {
                    String[] topic = topics.remove(params.get(1).toLowerCase(Locale.ROOT));
                    if (topic != null) {
                        ObjectNode a = activity("update", person(nickOf(params.get(2))), room(topic[0]));
                        a.set("object", message("topic", topic[1]));
                        if (params.size() >= 4) {
                            try {
                                a.put("published", ISO.format(Instant.ofEpochSecond(Long.parseLong(params.get(3)))));
                            } catch (NumberFormatException ignored) {
                                // keep the default timestamp
                            }
                        }
                        out.add(Out.incoming(a));
                    }
                }
            }
            case "372" -> motd.add(last(params));
            case "376" -> {
                if (!motd.isEmpty()) {
                    ObjectNode a = activity("update", service(true), null);
                    a.set("object", message("topic", String.join(" ", motd)));
                    motd.clear();
                    out.add(Out.incoming(a));
                }
            }
            case "353" -> names(params, out);
            case "352" -> {
                // me #chan user host server nick flags :hops realname
                if (params.size() >= 7 && params.get(1).startsWith("#") && !"undefined".equals(params.get(5))) {
                    out.add(Out.incoming(presence(params.get(5), params.get(1), roleOfFlags(params.get(6)))));
                }
            }
            case "354" -> {
                // WHOX as sockethub asks it (%tcuhsnfar): me token #chan user host server nick flags account :realname
                if (params.size() >= 8 && params.get(2).startsWith("#") && !"undefined".equals(params.get(6))) {
                    out.add(Out.incoming(presence(params.get(6), params.get(2), roleOfFlags(params.get(7)))));
                }
            }
            case "482", "471", "472", "473", "474", "475", "476", "477", "478", "404", "442" -> {
                if (params.size() >= 2) {
                    ObjectNode a = activity("404".equals(cmd) ? "send" : "update",
                            F.objectNode().put("type", "person").put("id", params.get(0) + "@" + server),
                            F.objectNode().put("type", "room").put("id", server + "/" + params.get(1)));
                    a.put("error", last(params));
                    out.add(Out.error(a));
                }
            }
            case "433", "432", "436", "437", "484" -> {
                if (params.size() >= 2) {
                    String subject = params.get(1);
                    ObjectNode a;
                    if (isChannel(subject)) {
                        // InspIRCd's 437 "Retry topic change later" names the channel
                        a = activity("update", F.objectNode().put("type", "person").put("id", params.get(0) + "@" + server),
                                F.objectNode().put("type", "room").put("id", server + "/" + subject));
                    } else {
                        a = activity("update", person(subject), service(false));
                    }
                    a.put("error", last(params));
                    out.add(Out.error(a));
                }
            }
            case "401" -> {
                if (params.size() >= 2) {
                    ObjectNode a = activity("send", F.objectNode().put("type", "person").put("id", params.get(0) + "@" + server),
                            F.objectNode().put("type", "person").put("id", params.get(1) + "@" + server).put("name", params.get(1)));
                    a.put("error", last(params));
                    out.add(Out.error(a));
                }
            }
            case "403" -> {
                if (params.size() >= 2) {
                    ObjectNode a = activity("join", F.objectNode().put("id", server).put("type", "service"),
                            F.objectNode().put("id", params.get(1) + "@" + server).put("type", "person"));
                    a.put("error", "no such channel " + params.get(1));
                    out.add(Out.error(a));
                }
            }
            default -> {
                // unprocessed: 001-005, 250-266, 315, 324, 329, 366, 375, INVITE, CAP...
            }
        }
        return out;
    }

    private void privmsg(String nick, List<String> params, List<Out> out) {
        if (params.size() < 2) {
            return;
        }
        String to = params.get(0);
        String text = params.get(params.size() - 1);
        String type = "message";
        String ctcp = text;
        if (ctcp.startsWith("+") || ctcp.startsWith("-")) {
            ctcp = ctcp.substring(1); // freenode's identify-msg marker
        }
        if (ctcp.startsWith("\u0001")) {
            String inner = ctcp.substring(1);
            if (inner.endsWith("\u0001")) {
                inner = inner.substring(0, inner.length() - 1);
            }
            if (inner.startsWith("ACTION ") || inner.equals("ACTION")) {
                type = "me";
                text = inner.length() > 7 ? inner.substring(7) : "";
            } else {
                return; // other CTCP requests (VERSION, PING...) are the library's business
            }
        }
        ObjectNode target = isChannel(to) ? room(to)
                : F.objectNode().put("type", "person").put("id", server + "/" + to).put("name", to);
        ObjectNode a = activity("send", person(nick), target);
        a.set("object", message(type, text));
        out.add(Out.incoming(a));
    }

    private void mode(String setter, List<String> params, List<Out> out) {
        if (params.size() < 3 || !isChannel(params.get(0))) {
            return; // user modes, channel modes without arguments
        }
        String channel = params.get(0);
        int arg = 2;
        char sign = '+';
        for (char c : params.get(1).toCharArray()) {
            if (c == '+' || c == '-') {
                sign = c;
                continue;
            }
            boolean takesArg = "qaohvbeIk".indexOf(c) >= 0 || (c == 'l' && sign == '+');
            if (!takesArg) {
                continue;
            }
            if (arg >= params.size()) {
                return;
            }
            String who = params.get(arg++);
            String role = switch (c) {
                case 'q', 'o' -> "owner";
                case 'a', 'h' -> "admin";
                case 'v' -> "participant";
                default -> null;
            };
            if (role == null) {
                continue;
            }
            ObjectNode a = activity(sign == '+' ? "add" : "remove", person(setter), person(who));
            ObjectNode rel = F.objectNode().put("type", "relationship").put("relationship", "role");
            rel.set("subject", F.objectNode().put("type", "presence").put("role", role));
            rel.set("object", room(channel));
            a.set("object", rel);
            out.add(Out.incoming(a));
        }
    }

    private void names(List<String> params, List<Out> out) {
        if (params.size() < 3) {
            return;
        }
        String channel = params.get(params.size() - 2);
        for (String token : params.get(params.size() - 1).split(" ")) {
            if (token.isEmpty()) {
                continue;
            }
            String role = null;
            int i = 0;
            while (i < token.length() && "~&@%+*".indexOf(token.charAt(i)) >= 0) {
                if (role == null) {
                    role = roleOfPrefix(token.charAt(i));
                }
                i++;
            }
            String name = nickOf(token.substring(i)); // userhost-in-names: nick!user@host
            if (!name.isEmpty()) {
                out.add(Out.incoming(presence(name, channel, role == null ? "member" : role)));
            }
        }
    }

    private static String roleOfPrefix(char c) {
        return switch (c) {
            case '~', '@' -> "owner";
            case '&', '%' -> "admin";
            case '+', '*' -> "participant";
            default -> "member";
        };
    }

    private static String roleOfFlags(String flags) {
        for (char c : flags.toCharArray()) {
            if ("~&@%+".indexOf(c) >= 0) {
                return roleOfPrefix(c);
            }
        }
        return "member";
    }

    private ObjectNode presence(String nick, String channel, String role) {
        ObjectNode a = activity("update", person(nick), room(channel));
        a.set("object", F.objectNode().put("type", "presence").put("role", role));
        return a;
    }

    private ObjectNode activity(String type, ObjectNode actor, ObjectNode target) {
        ObjectNode a = F.objectNode();
        a.set("@context", IrcPlatform.contexts());
        a.put("type", type);
        a.set("actor", actor);
        if (target != null) {
            a.set("target", target);
        }
        a.put("published", now());
        return a;
    }

    static String now() {
        return ISO.format(Instant.now());
    }

    static String iso(Instant instant) {
        return ISO.format(instant);
    }

    ObjectNode person(String nick) {
        return F.objectNode().put("type", "person").put("id", nick + "@" + server).put("name", nick);
    }

    ObjectNode room(String channel) {
        return F.objectNode().put("type", "room").put("id", server + "/" + channel).put("name", channel);
    }

    ObjectNode service(boolean named) {
        ObjectNode s = F.objectNode().put("type", "service").put("id", server);
        if (named) {
            s.put("name", server);
        }
        return s;
    }

    private static ObjectNode message(String type, String content) {
        return F.objectNode().put("type", type).put("content", content);
    }

    static boolean isChannel(String name) {
        return !name.isEmpty() && "#&!+".indexOf(name.charAt(0)) >= 0;
    }

    static String nickOf(String source) {
        if (source == null) {
            return "";
        }
        int bang = source.indexOf('!');
        String s = bang >= 0 ? source.substring(0, bang) : source;
        int at = s.indexOf('@');
        return at >= 0 ? s.substring(0, at) : s;
    }

    private static String last(List<String> params) {
        return params.isEmpty() ? "" : params.get(params.size() - 1);
    }
}
