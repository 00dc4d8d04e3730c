package io.jkad.net;

import io.jkad.identity.PeerId;
import io.netty.channel.ChannelFuture;
import io.netty.channel.socket.DuplexChannel;

/**
 * One Yamux stream of a libp2p connection, as a Netty child channel with its own pipeline (like
 * Netty's HTTP/2 stream channels). The stream's protocol has been agreed with multistream-select
 * before the channel is handed to application handlers.
 *
 * <p><b>Threading.</b> The channel runs on its connection's IO event loop: every handler in its
 * pipeline and every future listener registered on its operations is called on that IO thread.
 * Handlers must not block and must not call the Kademlia state machine or a record store; hand
 * the message to the logic thread instead. Writing from any thread is allowed (Netty hops onto
 * the event loop).
 *
 * <p><b>Inbound.</b> {@code channelRead} receives {@link io.netty.buffer.ByteBuf}s in order (add
 * an {@link UvarintFrameDecoder} for length-prefixed messages). Receive flow control follows
 * consumption: window credit is returned to the remote as the pipeline receives bytes, so with
 * {@code autoRead} off the remote is held back after 256 KiB. When the remote half-closes (FIN),
 * a {@link io.netty.channel.socket.ChannelInputShutdownEvent} user event is fired and the channel
 * stays open for writing; when the remote resets (RST), {@link StreamResetEvent#INSTANCE} is fired,
 * pending writes fail with {@link StreamResetException} and the channel closes.
 * {@code channelInactive} marks the end of the stream in every case.
 *
 * <p><b>Outbound.</b> {@code write} takes {@link io.netty.buffer.ByteBuf}s; they are sent as
 * Yamux data frames, never more than the remote's window allows, so a write may stay pending
 * until the remote grants more window (watch {@code isWritable()} and
 * {@code channelWritabilityChanged} for back-pressure). A write's future completes once its
 * bytes are handed to the connection. {@link #shutdownOutput()} half-closes (FIN after all
 * pending writes); {@link #close()} sends FIN if not yet sent and stops delivering inbound data;
 * {@link #reset()} aborts both directions (RST) and fails pending writes.
 */
public interface StreamChannel extends DuplexChannel {

    /** The peer at the other end of the connection. */
    PeerId remotePeer();

    /** The agreed protocol id, e.g. {@code /ipfs/kad/1.0.0}. */
    String protocol();

    /** True if we opened the stream, false if the remote did. */
    boolean isOutbound();

    /** The Yamux stream id (odd for streams opened by the connection's dialer). */
    int streamId();

    /** The connection the stream belongs to. */
    Connection connection();

    /**
     * Aborts the stream in both directions (Yamux RST), failing pending writes, and closes the
     * channel. Does nothing if already closed.
     *
     * @return completes when the channel is closed
     */
    ChannelFuture reset();
}
