package org.sockethub.gateway.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class OpenPacketTest {

    @Test
    void rewritesEngineIosOpenPacketIntoTheReferenceForm() {
        assertEquals("0{\"sid\":\"NE1-RO3SVqgHwh_fAAA1\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":262144}",
                OpenPacket.rewrite("0{\"sid\": \"NE1-RO3SVqgHwh_fAAA1\", \"upgrades\": [], \"pingInterval\": 25000, \"pingTimeout\": 20000}", 262144));
        assertEquals("0{\"sid\":\"abc\",\"upgrades\":[\"websocket\"],\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000}",
                OpenPacket.rewrite("0{\"sid\": \"abc\", \"upgrades\": [\"websocket\"], \"pingInterval\": 25000, \"pingTimeout\": 20000}", 1000));
    }

    @Test
    void anOpenPacketOfAnotherShapeIsRewrittenThroughJson() {
        assertEquals("0{\"upgrades\":[],\"sid\":\"a b\",\"pingInterval\":1,\"pingTimeout\":2,\"maxPayload\":10}",
                OpenPacket.rewrite("0{ \"upgrades\":[], \"sid\":\"a b\", \"pingInterval\":1, \"pingTimeout\":2 }", 10));
    }

    @Test
    void leavesOtherPacketsAlone() {
        assertEquals("40{\"sid\":\"x\"}", OpenPacket.rewrite("40{\"sid\":\"x\"}", 10));
        assertEquals("0{not json", OpenPacket.rewrite("0{not json", 10));
        assertEquals("2", OpenPacket.rewrite("2", 10));
    }
}
