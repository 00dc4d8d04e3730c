package io.jkad.kademlia;

/** Identifies an inbound request so that its response goes back on the stream it came on. */
public record InboundRequestId(long value) {}
