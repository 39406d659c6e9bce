package org.sockethub.api.http;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;

/**
 * Which addresses an outbound request may reach, decided on addresses alone: nothing here opens
 * a connection or asks DNS.
 *
 * <p>Public means: IPv4 outside {@code 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12,
 * 192.0.0/24, 192.0.2/24, 192.168/16, 198.18/15, 198.51.100/24, 203.0.113/24} and
 * {@code 224/3} (multicast, reserved, broadcast); IPv6 inside global unicast {@code 2000::/3}
 * except documentation {@code 2001:db8::/32} and Teredo {@code 2001::/32}. IPv6 forms that carry
 * an IPv4 address (IPv4-compatible {@code ::/96}, which covers {@code ::} and {@code ::1},
 * IPv4-mapped {@code ::ffff:0:0/96}, IPv4-translated {@code ::ffff:0:0:0/96}, NAT64
 * {@code 64:ff9b::/96} and 6to4 {@code 2002::/16}) are judged by that IPv4 address; local-use
 * NAT64 {@code 64:ff9b:1::/48}, unique-local {@code fc00::/7}, link-local {@code fe80::/10},
 * site-local {@code fec0::/10} and multicast {@code ff00::/8} are refused.
 *
 * <p>Host spellings are read as a browser's URL parser reads them: a host whose last label is a
 * number is an IPv4 address in any of the legacy spellings ({@code 2130706433},
 * {@code 0x7f000001}, {@code 0177.0.0.1}, {@code 127.1}), and one that cannot be read as an
 * address is unparseable, hence refused; such hosts are never handed to DNS.
 */
public final class AddressPolicy {

    private AddressPolicy() {
    }

    /**
     * @param address an address
     * @return {@code true} if it is a public unicast address an outbound request may reach
     */
    public static boolean isPublic(InetAddress address) {
        if (address instanceof Inet4Address) {
            return isPublicV4(address.getAddress());
        }
        if (address instanceof Inet6Address) {
            return isPublicV6(address.getAddress());
        }
        return false;
    }

    /**
     * Reads a URL host as an IP address, if it is one.
     *
     * @param host a URL host: a name, an IPv4 address in any spelling, or an IPv6 address with or
     *             without brackets (a zone id is ignored)
     * @return the address, or empty if the host is a name
     * @throws UnknownHostException if the host has the form of an address but is not a valid one
     */
    public static Optional<InetAddress> literal(String host) throws UnknownHostException {
        if (host == null || host.isEmpty()) {
            throw new UnknownHostException("empty host");
        }
        String h = host;
        if (h.startsWith("[") || h.indexOf(':') >= 0) {
            if (h.startsWith("[")) {
                if (!h.endsWith("]")) {
                    throw new UnknownHostException("unparseable address " + host);
                }
                h = h.substring(1, h.length() - 1);
            }
            int zone = h.indexOf('%');
            if (zone >= 0) {
                h = h.substring(0, zone);
            }
            if (h.isEmpty() || !h.matches("[0-9A-Fa-f:.]+")) {
                throw new UnknownHostException("unparseable address " + host);
            }
            // brackets make the JDK parse a literal or fail; it never looks the text up in DNS
            return Optional.of(InetAddress.getByName("[" + h + "]"));
        }
        return ipv4(h).map(bytes -> {
            try {
                return InetAddress.getByAddress(bytes);
            } catch (UnknownHostException impossible) {
                throw new IllegalStateException(impossible);
            }
        });
    }

    /**
     * Whether a host given as an address literal may be reached. Names are not literals and are
     * refused here; they are judged by the addresses they resolve to.
     *
     * @param literal a URL host that should be an address
     * @return {@code true} only if it parses as an address and that address is public
     */
    public static boolean isPublicLiteral(String literal) {
        try {
            return literal(literal).map(AddressPolicy::isPublic).orElse(false);
        } catch (UnknownHostException unparseable) {
            return false;
        }
    }

    /**
     * An address as text: dotted quad for IPv4, the compressed lower-case form for IPv6.
     *
     * @param address an address
     * @return its text
     */
    public static String format(InetAddress address) {
        if (address instanceof Inet4Address) {
            return address.getHostAddress();
        }
        byte[] b = address.getAddress();
        int[] words = new int[8];
        for (int i = 0; i < 8; i++) {
            words[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (words[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && words[j] == 0) {
                j++;
            }
            if (j - i > bestLen && j - i > 1) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(words[i]));
        }
        return sb.toString();
    }

    // ---- IPv4 host spellings (the WHATWG URL host parser's rules) ----

    private static Optional<byte[]> ipv4(String host) throws UnknownHostException {
        String[] parts = host.split("\\.", -1);
        int count = parts.length;
        if (count > 1 && parts[count - 1].isEmpty()) {
            count--; // one trailing dot is allowed
        }
        String last = parts[count - 1];
        if (last.isEmpty() || !endsInNumber(last)) {
            return Optional.empty(); // a name
        }
        if (count > 4) {
            throw new UnknownHostException("unparseable address " + host);
        }
        long[] numbers = new long[count];
        for (int i = 0; i < count; i++) {
            BigInteger n = number(parts[i]);
            if (n == null) {
                throw new UnknownHostException("unparseable address " + host);
            }
            if (i < count - 1 && n.compareTo(BigInteger.valueOf(255)) > 0) {
                throw new UnknownHostException("unparseable address " + host);
            }
            if (n.bitLength() > 32) {
                throw new UnknownHostException("unparseable address " + host);
            }
            numbers[i] = n.longValue();
        }
        long limit = 1L << (8 * (5 - count));
        if (numbers[count - 1] >= limit) {
            throw new UnknownHostException("unparseable address " + host);
        }
        long value = numbers[count - 1];
        for (int i = 0; i < count - 1; i++) {
            value += numbers[i] << (8 * (3 - i));
        }
        return Optional.of(new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value});
    }

    private static boolean endsInNumber(String last) {
        if (last.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return true;
        }
        return number(last) != null;
    }

    /** One part in decimal, {@code 0x} hex or leading-zero octal; {@code null} if it is none of them. */
    private static BigInteger number(String part) {
        if (part.isEmpty()) {
            return null;
        }
        String digits = part;
        int radix = 10;
        String lower = part.toLowerCase(Locale.ROOT);
        if (lower.startsWith("0x")) {
            digits = part.substring(2);
            radix = 16;
            if (digits.isEmpty()) {
                return BigInteger.ZERO;
            }
        } else if (part.length() > 1 && part.charAt(0) == '0') {
            digits = part.substring(1);
            radix = 8;
        }
        for (int i = 0; i < digits.length(); i++) {
            if (Character.digit(digits.charAt(i), radix) < 0) {
                return null;
            }
        }
        return new BigInteger(digits, radix);
    }

    // ---- ranges ----

    private static boolean isPublicV4(byte[] a) {
        int b0 = a[0] & 0xff;
        int b1 = a[1] & 0xff;
        int b2 = a[2] & 0xff;
        if (b0 == 0 || b0 == 10 || b0 == 127 || b0 >= 224) {
            return false; // this network, private, loopback, multicast, reserved, broadcast
        }
        if (b0 == 100 && (b1 & 0xc0) == 64) {
            return false; // CGNAT 100.64/10
        }
        if (b0 == 169 && b1 == 254) {
            return false; // link-local, cloud metadata
        }
        if (b0 == 172 && (b1 & 0xf0) == 16) {
            return false;
        }
        if (b0 == 192 && (b1 == 168 || (b1 == 0 && (b2 == 0 || b2 == 2)))) {
            return false; // private, IETF protocol assignments, TEST-NET-1
        }
        if (b0 == 198 && ((b1 & 0xfe) == 18 || (b1 == 51 && b2 == 100))) {
            return false; // benchmarking, TEST-NET-2
        }
        return !(b0 == 203 && b1 == 0 && b2 == 113); // TEST-NET-3
    }

    private static boolean isPublicV6(byte[] a) {
        if (allZero(a, 0, 12)) {
            return isPublicV4(tail(a, 12)); // ::/96: ::, ::1 and IPv4-compatible
        }
        if (allZero(a, 0, 10) && (a[10] & 0xff) == 0xff && (a[11] & 0xff) == 0xff) {
            return isPublicV4(tail(a, 12)); // IPv4-mapped
        }
        if (allZero(a, 0, 8) && (a[8] & 0xff) == 0xff && (a[9] & 0xff) == 0xff && a[10] == 0 && a[11] == 0) {
            return isPublicV4(tail(a, 12)); // IPv4-translated
        }
        int w0 = ((a[0] & 0xff) << 8) | (a[1] & 0xff);
        int w1 = ((a[2] & 0xff) << 8) | (a[3] & 0xff);
        int w2 = ((a[4] & 0xff) << 8) | (a[5] & 0xff);
        if (w0 == 0x64 && w1 == 0xff9b) {
            if (w2 == 0 && allZero(a, 6, 12)) {
                return isPublicV4(tail(a, 12)); // NAT64 well-known prefix
            }
            return false; // local-use NAT64 and the rest of 64:ff9b::/32
        }
        if (w0 == 0x2002) {
            return isPublicV4(new byte[] {a[2], a[3], a[4], a[5]}); // 6to4
        }
        if (w0 == 0x2001 && (w1 == 0 || w1 == 0x0db8)) {
            return false; // Teredo, documentation
        }
        return (w0 & 0xe000) == 0x2000; // global unicast only
    }

    private static boolean allZero(byte[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] tail(byte[] a, int from) {
        byte[] t = new byte[a.length - from];
        System.arraycopy(a, from, t, 0, t.length);
        return t;
    }
}
