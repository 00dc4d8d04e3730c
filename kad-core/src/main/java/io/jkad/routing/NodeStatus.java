package io.jkad.routing;

/** Whether the local node is connected to a routing table entry. */
public enum NodeStatus {
    CONNECTED,
    DISCONNECTED
}
