package org.sockethub.gateway.credentials;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CredentialCipherTest {

    private final byte[] master = CredentialCipher.newSecret();

    @Test
    void aSessionOpensWhatItSealed() {
        CredentialCipher session = CredentialCipher.forSession(master, CredentialCipher.newSecret());
        String sealed = session.seal("{\"password\":\"hunter2\"}");
        assertTrue(sealed.matches("[0-9a-f]{24}:[0-9a-f]{32}:[0-9a-f]+"), sealed);
        assertFalse(sealed.contains("hunter2"));
        assertEquals("{\"password\":\"hunter2\"}", session.open(sealed));
        assertNotEquals(sealed, session.seal("{\"password\":\"hunter2\"}"), "a fresh nonce every time");
    }

    @Test
    void anotherSessionOrAnotherBootCannot() {
        byte[] secret = CredentialCipher.newSecret();
        String sealed = CredentialCipher.forSession(master, secret).seal("x");
        assertThrows(IllegalArgumentException.class,
                () -> CredentialCipher.forSession(master, CredentialCipher.newSecret()).open(sealed));
        assertThrows(IllegalArgumentException.class,
                () -> CredentialCipher.forSession(CredentialCipher.newSecret(), secret).open(sealed));
    }

    @Test
    void tamperingIsDetected() {
        CredentialCipher session = CredentialCipher.forSession(master, CredentialCipher.newSecret());
        String sealed = session.seal("{\"a\":1}");
        char last = sealed.charAt(sealed.length() - 1);
        String altered = sealed.substring(0, sealed.length() - 1) + (last == '0' ? '1' : '0');
        assertThrows(IllegalArgumentException.class, () -> session.open(altered));
    }
}
