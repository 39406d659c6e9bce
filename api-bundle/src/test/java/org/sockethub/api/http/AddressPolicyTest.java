package org.sockethub.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The address classifier on addresses alone: nothing here connects or asks DNS. */
class AddressPolicyTest {

    @ParameterizedTest(name = "refused: {0}")
    @ValueSource(strings = {
        // this network, loopback, private
        "0.0.0.0", "0.1.2.3", "127.0.0.1", "127.255.255.254", "10.0.0.1", "10.255.255.255",
        "172.16.0.1", "172.31.255.255", "192.168.0.1", "192.168.255.255",
        // link-local, cloud metadata
        "169.254.0.1", "169.254.169.254",
        // CGNAT
        "100.64.0.1", "100.127.255.255",
        // multicast, reserved, broadcast
        "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
        // special-purpose and documentation ranges
        "192.0.0.8", "192.0.2.1", "198.18.0.1", "198.19.255.255", "198.51.100.7", "203.0.113.9",
        // decimal, hex, octal and short spellings of 127.0.0.1 / 169.254.169.254 / 10.0.0.1
        "2130706433", "0x7f000001", "0x7F.0.0.1", "0177.0.0.1", "0177.0.0.01", "127.1", "127.0.1",
        "017700000001", "0x7f.1", "2852039166", "0xa9fea9fe", "0251.0376.0251.0376", "012.0.0.1", "10.0x0.0.1",
        "127.0.0.1.", "0", "0x0",
        // IPv6: unspecified, loopback, IPv4-compatible
        "::", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::127.0.0.1", "::7f00:1", "[::1%lo]",
        // IPv4-mapped and -translated
        "::ffff:127.0.0.1", "[::ffff:127.0.0.1]", "::ffff:7f00:1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
        "0:0:0:0:0:ffff:c0a8:1", "::ffff:0:127.0.0.1",
        // NAT64 (well-known and local-use), 6to4 of a private address
        "64:ff9b::127.0.0.1", "64:ff9b::a9fe:a9fe", "64:ff9b::10.1.1.1", "64:ff9b:1::8.8.8.8", "2002:7f00:1::1", "2002:c0a8:101::",
        // unique-local, link-local, site-local, multicast, documentation, Teredo, unassigned
        "fc00::1", "fd12:3456::1", "fe80::1", "[fe80::1%eth0]", "febf::1", "fec0::1", "ff02::1", "ff05::2",
        "2001:db8::1", "2001::1", "100::1", "4000::1",
        // unparseable forms: never a name, never public
        "256.0.0.1", "1.2.3.4.5", "0x1g.0.0.1", "089.0.0.1", "4294967296", "127.0.0.0x100", "1.2.3.256", "example.123",
        "[::1", "::zz", ":::1", "[]", "1..2.3"
    })
    void refuses(String host) {
        assertFalse(AddressPolicy.isPublicLiteral(host), host);
    }

    @ParameterizedTest(name = "public: {0}")
    @ValueSource(strings = {
        "8.8.8.8", "1.1.1.1", "93.184.216.34", "100.63.255.255", "100.128.0.1", "172.15.255.255", "172.32.0.1",
        "169.253.1.1", "192.169.0.1", "198.17.255.255", "198.20.0.1", "223.255.255.254", "11.0.0.1",
        "134744072", "0x8080808", "010.010.010.010",
        "2606:4700:4700::1111", "2001:4860:4860::8888", "[2a00:1450:4001:82a::200e]", "::ffff:8.8.8.8",
        "64:ff9b::8.8.8.8", "2002:808:808::1"
    })
    void passes(String host) {
        assertTrue(AddressPolicy.isPublicLiteral(host), host);
    }

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
        "2130706433, 127.0.0.1", "0x7f000001, 127.0.0.1", "0177.0.0.1, 127.0.0.1", "127.1, 127.0.0.1",
        "0x7f.1, 127.0.0.1", "010.010.010.010, 8.8.8.8", "0xa9.0xfe.0xa9.0xfe, 169.254.169.254", "1.2.65535, 1.2.255.255",
        "[::ffff:127.0.0.1], 127.0.0.1", "0:0:0:0:0:0:0:1, ::1", "64:ff9b::7f00:1, 64:ff9b::7f00:1"
    })
    void readsSpellings(String host, String canonical) throws UnknownHostException {
        assertEquals(canonical, AddressPolicy.format(AddressPolicy.literal(host).orElseThrow()));
    }

    @ParameterizedTest(name = "name: {0}")
    @ValueSource(strings = {"localhost", "example.com", "0x7f.example", "127.0.0.1.nip.io", "cafe", "a1.b2"})
    void namesAreNotLiterals(String host) throws UnknownHostException {
        assertEquals(Optional.empty(), AddressPolicy.literal(host));
        assertFalse(AddressPolicy.isPublicLiteral(host), "a name is never a public literal");
    }

    @ParameterizedTest
    @ValueSource(strings = {"256.1.1.1", "::zz", "1.2.3.4.5", "0x1g.0.0.1"})
    void unparseableAddressesThrow(String host) {
        assertThrows(UnknownHostException.class, () -> AddressPolicy.literal(host));
    }

    @org.junit.jupiter.api.Test
    void judgesAddressObjectsFromBytes() throws UnknownHostException {
        assertFalse(AddressPolicy.isPublic(InetAddress.getByAddress(new byte[] {(byte) 169, (byte) 254, (byte) 169, (byte) 254})));
        assertFalse(AddressPolicy.isPublic(InetAddress.getByAddress(new byte[16])));
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = 127;
        mapped[15] = 1;
        assertFalse(AddressPolicy.isPublic(InetAddress.getByAddress(mapped)));
        assertTrue(AddressPolicy.isPublic(InetAddress.getByAddress(new byte[] {8, 8, 4, 4})));
    }
}
