package org.sockethub.gateway.transport;

import org.json.JSONString;

/**
 * JSON text that Socket.IO's encoder writes as is. Socket.IO's Java server serialises payloads
 * through org.json, whose objects do not keep key order and re-format numbers; wrapping our own
 * Jackson output keeps what the client receives byte-for-byte what the gateway produced. It is a
 * {@link CharSequence} only so that the encoder's type check accepts it.
 */
final class RawJson implements JSONString, CharSequence {

    private final String json;

    RawJson(String json) {
        this.json = json;
    }

    @Override
    public String toJSONString() {
        return json;
    }

    @Override
    public int length() {
        return json.length();
    }

    @Override
    public char charAt(int index) {
        return json.charAt(index);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return json.subSequence(start, end);
    }

    @Override
    public String toString() {
        return json;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RawJson r && r.json.equals(json);
    }

    @Override
    public int hashCode() {
        return json.hashCode();
    }
}
