package io.jkad.net;

/**
 * The user event a {@link StreamChannel}'s pipeline receives when the remote resets the stream
 * (Yamux RST) or the connection ends under it. The channel closes right after.
 */
public final class StreamResetEvent {

    public static final StreamResetEvent INSTANCE = new StreamResetEvent();

    private StreamResetEvent() {}

    @Override
    public String toString() {
        return "StreamResetEvent";
    }
}
