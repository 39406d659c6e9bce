package org.sockethub.gateway.credentials;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.params.KeyParameter;
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

    @Test
    void theStoredFormIsPlainAes256GcmOfTheHkdfKey() throws Exception {
        // what any AES-GCM opens: hex(nonce):hex(tag):hex(ciphertext) under HKDF-SHA256(master, secret)
        byte[] secret = CredentialCipher.newSecret();
        String[] parts = CredentialCipher.forSession(master, secret).seal("{\"password\":\"hunter2\"}").split(":");
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(master, secret, "sockethub credentials v1".getBytes(StandardCharsets.US_ASCII)));
        byte[] key = new byte[32];
        hkdf.generateBytes(key, 0, key.length);
        HexFormat hex = HexFormat.of();
        byte[] in = hex.parseHex(parts[2] + parts[1]);
        GCMModeCipher gcm = GCMBlockCipher.newInstance(AESEngine.newInstance());
        gcm.init(false, new AEADParameters(new KeyParameter(key), 128, hex.parseHex(parts[0])));
        byte[] out = new byte[gcm.getOutputSize(in.length)];
        int n = gcm.processBytes(in, 0, in.length, out, 0);
        n += gcm.doFinal(out, n);
        assertEquals("{\"password\":\"hunter2\"}", new String(out, 0, n, StandardCharsets.UTF_8));
    }
}
