package org.sockethub.platform.irc;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import net.engio.mbassy.listener.Handler;
import org.kitteh.irc.client.library.Client;
import org.kitteh.irc.client.library.event.client.ClientReceiveCommandEvent;
import org.kitteh.irc.client.library.feature.auth.AbstractSaslProtocol;
import org.kitteh.irc.client.library.feature.filter.CommandFilter;
import org.kitteh.irc.client.library.util.ToStringer;

/**
 * SASL PLAIN and OAUTHBEARER on top of Kitteh's SASL negotiation (CAP sasl, 903/904...). Kitteh's
 * own answer to {@code AUTHENTICATE +} neither chunks long payloads nor knows OAUTHBEARER's error
 * challenge; this protocol's listener does both (spec §3.3). InspIRCd's {@code AUTHENTICATE :+}
 * arrives here as the parameter {@code +}, like the bare form.
 */
final class Sasl extends AbstractSaslProtocol {

    static final String PLAIN = "PLAIN";
    static final String OAUTHBEARER = "OAUTHBEARER";

    private final String mechanism;
    private final String payload;
    private SaslListener listener;

    Sasl(Client client, String mechanism, String account, String secret) {
        super(client, mechanism);
        this.mechanism = mechanism;
        this.payload = payload(mechanism, account, secret);
    }

    /** The clear-text SASL payload: {@code authzid\0authcid\0secret} or the OAUTHBEARER GS2 form. */
    static String payload(String mechanism, String account, String secret) {
        if (OAUTHBEARER.equals(mechanism)) {
            return "n,,\u0001auth=Bearer " + secret + "\u0001\u0001";
        }
        return account + '\u0000' + account + '\u0000' + secret;
    }

    /**
     * The {@code AUTHENTICATE} arguments for a payload: base64 in 400-byte pieces, plus a lone
     * {@code +} when the last piece is exactly 400 bytes long (or the payload is empty).
     */
    static List<String> chunks(String clearText) {
        String b64 = Base64.getEncoder().encodeToString(clearText.getBytes(StandardCharsets.UTF_8));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < b64.length(); i += 400) {
            out.add(b64.substring(i, Math.min(b64.length(), i + 400)));
        }
        if (b64.isEmpty() || b64.length() % 400 == 0) {
            out.add("+");
        }
        return out;
    }

    @Override
    protected String getAuthLine() {
        return payload;
    }

    @Override
    public Object getEventListener() {
        if (listener == null) {
            listener = new SaslListener();
        }
        return listener;
    }

    @Override
    protected void toString(ToStringer stringer) {
        stringer.add("type", mechanism);
    }

    /** Kitteh's SASL listener with our AUTHENTICATE handling. */
    class SaslListener extends Listener {
        @Override
        @CommandFilter("AUTHENTICATE")
        @Handler
        public void authenticate(ClientReceiveCommandEvent event) {
            if (event.getParameters().isEmpty()) {
                return;
            }
            String challenge = event.getParameters().get(0);
            if ("+".equals(challenge)) {
                for (String chunk : chunks(payload)) {
                    getClient().sendRawLineImmediately("AUTHENTICATE " + chunk);
                }
            } else if (OAUTHBEARER.equals(mechanism)) {
                getClient().sendRawLineImmediately("AUTHENTICATE AQ=="); // acknowledge the error challenge
            }
        }
    }
}
