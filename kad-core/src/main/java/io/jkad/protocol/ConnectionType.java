package io.jkad.protocol;

/** How the sender of a Kademlia message is connected to a peer it names (informational). */
public enum ConnectionType {
    NOT_CONNECTED,
    CONNECTED,
    CAN_CONNECT,
    CANNOT_CONNECT
}
