package org.sockethub.gateway.credentials;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * Seals credentials for one session (BouncyCastle): the key is HKDF-SHA256 of the server's
 * per-boot master secret with the session's own random secret as salt, so a stored value is
 * readable only while both the server process and that session exist. AES-256-GCM with a random
 * 96-bit nonce; stored as {@code hex(nonce):hex(tag):hex(ciphertext)}.
 */
public final class CredentialCipher {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] INFO = "sockethub credentials v1".getBytes(StandardCharsets.US_ASCII);
    private static final int NONCE = 12;
    private static final int TAG = 16;
    private static final HexFormat HEX = HexFormat.of();

    private final byte[] key;

    private CredentialCipher(byte[] key) {
        this.key = key;
    }

    /**
     * @param master        the per-boot master secret
     * @param sessionSecret the session's random secret
     * @return the session's cipher
     */
    public static CredentialCipher forSession(byte[] master, byte[] sessionSecret) {
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(master, sessionSecret, INFO));
        byte[] key = new byte[32];
        hkdf.generateBytes(key, 0, key.length);
        return new CredentialCipher(key);
    }

    /** @return 32 random bytes (a master or a session secret) */
    public static byte[] newSecret() {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return secret;
    }

    /**
     * @param plaintext the credentials JSON
     * @return the stored form
     */
    public String seal(String plaintext) {
        byte[] nonce = new byte[NONCE];
        RANDOM.nextBytes(nonce);
        GCMModeCipher gcm = cipher(true, nonce);
        byte[] in = plaintext.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[gcm.getOutputSize(in.length)];
        int n = gcm.processBytes(in, 0, in.length, out, 0);
        try {
            n += gcm.doFinal(out, n);
        } catch (InvalidCipherTextException impossible) {
            throw new IllegalStateException(impossible);
        }
        byte[] ciphertext = Arrays.copyOfRange(out, 0, n - TAG);
        byte[] tag = Arrays.copyOfRange(out, n - TAG, n);
        return HEX.formatHex(nonce) + ":" + HEX.formatHex(tag) + ":" + HEX.formatHex(ciphertext);
    }

    /**
     * @param stored the stored form
     * @return the credentials JSON
     * @throws IllegalArgumentException if it was not sealed with this session's key, or was altered
     */
    public String open(String stored) {
        String[] parts = stored.split(":", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("not a sealed credential");
        }
        byte[] nonce = HEX.parseHex(parts[0]);
        byte[] tag = HEX.parseHex(parts[1]);
        byte[] ciphertext = HEX.parseHex(parts[2]);
        byte[] in = new byte[ciphertext.length + tag.length];
        System.arraycopy(ciphertext, 0, in, 0, ciphertext.length);
        System.arraycopy(tag, 0, in, ciphertext.length, tag.length);
        GCMModeCipher gcm = cipher(false, nonce);
        byte[] out = new byte[gcm.getOutputSize(in.length)];
        int n = gcm.processBytes(in, 0, in.length, out, 0);
        try {
            n += gcm.doFinal(out, n);
        } catch (InvalidCipherTextException e) {
            throw new IllegalArgumentException("credential failed authentication", e);
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    private GCMModeCipher cipher(boolean encrypt, byte[] nonce) {
        GCMModeCipher gcm = GCMBlockCipher.newInstance(AESEngine.newInstance());
        gcm.init(encrypt, new AEADParameters(new KeyParameter(key), TAG * 8, nonce));
        return gcm;
    }
}
