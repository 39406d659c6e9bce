package org.sockethub.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Which address an HTTP request comes from, under {@code sockethub.trustProxy} (spec §6.5, the
 * semantics of Express's "trust proxy"): {@code false} trusts no proxy (the TCP peer);
 * {@code true} trusts every hop (the left-most {@code X-Forwarded-For} entry); a number trusts
 * that many hops from the server; a string lists trusted addresses, subnets (CIDR) or the presets
 * {@code loopback}, {@code linklocal}, {@code uniquelocal}, comma-separated. The strings
 * {@code "true"}/{@code "false"} and numeric strings count as their values.
 */
public final class TrustProxy {

    private final int hops;
    private final Predicate<String> trusted;

    private TrustProxy(int hops, Predicate<String> trusted) {
        this.hops = hops;
        this.trusted = trusted;
    }

    /**
     * @param setting    {@code sockethub.trustProxy}
     * @param autoOneHop whether one hop is trusted when the setting is false (spec §6.5:
     *                   {@code reconnectIpSource=proxy} with the {@code x-forwarded-for} header)
     * @return the rule
     */
    public static TrustProxy of(JsonNode setting, boolean autoOneHop) {
        JsonNode value = setting == null || setting.isNull() ? null : setting;
        if (value != null && value.isTextual()) {
            String text = value.asText().trim();
            if (text.equals("true") || text.equals("false")) {
                value = com.fasterxml.jackson.databind.node.BooleanNode.valueOf(text.equals("true"));
            } else if (text.matches("\\d+")) {
                value = com.fasterxml.jackson.databind.node.IntNode.valueOf(Integer.parseInt(text));
            }
        }
        if (value == null || value.isBoolean() && !value.asBoolean()) {
            return new TrustProxy(autoOneHop ? 1 : 0, null);
        }
        if (value.isBoolean()) {
            return new TrustProxy(Integer.MAX_VALUE, null);
        }
        if (value.isNumber()) {
            return new TrustProxy(Math.max(0, value.asInt()), null);
        }
        List<Predicate<String>> rules = new ArrayList<>();
        for (String part : value.asText().split(",")) {
            String entry = part.trim();
            switch (entry) {
                case "" -> { }
                case "loopback" -> {
                    rules.add(subnet("127.0.0.1/8"));
                    rules.add(subnet("::1/128"));
                }
                case "linklocal" -> {
                    rules.add(subnet("169.254.0.0/16"));
                    rules.add(subnet("fe80::/10"));
                }
                case "uniquelocal" -> {
                    rules.add(subnet("10.0.0.0/8"));
                    rules.add(subnet("172.16.0.0/12"));
                    rules.add(subnet("192.168.0.0/16"));
                    rules.add(subnet("fc00::/7"));
                }
                default -> rules.add(subnet(entry.contains("/") ? entry : entry + (entry.contains(":") ? "/128" : "/32")));
            }
        }
        return new TrustProxy(0, address -> rules.stream().anyMatch(r -> r.test(address)));
    }

    /**
     * @param peer      the TCP peer address
     * @param forwarded the {@code X-Forwarded-For} header, or {@code null}
     * @return the client address
     */
    public String clientAddress(String peer, String forwarded) {
        List<String> chain = new ArrayList<>(); // nearest first: the peer, then the header right to left
        chain.add(strip(peer));
        if (forwarded != null) {
            String[] entries = forwarded.split(",");
            for (int i = entries.length - 1; i >= 0; i--) {
                String e = entries[i].trim();
                if (!e.isEmpty()) {
                    chain.add(strip(e));
                }
            }
        }
        if (trusted != null) {
            int i = 0;
            while (i < chain.size() - 1 && trusted.test(chain.get(i))) {
                i++;
            }
            return chain.get(i);
        }
        return chain.get((int) Math.min(hops, chain.size() - 1L));
    }

    private static String strip(String address) {
        return address.startsWith("::ffff:") && address.indexOf('.') > 0 ? address.substring(7) : address;
    }

    private static Predicate<String> subnet(String cidr) {
        String[] parts = cidr.split("/");
        byte[] base = literal(parts[0]);
        if (base == null) {
            return a -> false;
        }
        int bits = Integer.parseInt(parts[1]);
        BigInteger mask = BigInteger.ONE.shiftLeft(base.length * 8).subtract(BigInteger.ONE)
                .xor(BigInteger.ONE.shiftLeft(base.length * 8 - bits).subtract(BigInteger.ONE));
        BigInteger network = new BigInteger(1, base).and(mask);
        return address -> {
            byte[] a = literal(address);
            return a != null && a.length == base.length && new BigInteger(1, a).and(mask).equals(network);
        };
    }

    /** The bytes of an IP literal; never a name lookup. */
    private static byte[] literal(String address) {
        String a = address.trim();
        if (a.startsWith("[") && a.endsWith("]")) {
            a = a.substring(1, a.length() - 1);
        }
        boolean v4 = a.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        if (!v4 && !(a.contains(":") && a.matches("[0-9a-fA-F:.]+"))) {
            return null;
        }
        try {
            return InetAddress.getByName(a).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
