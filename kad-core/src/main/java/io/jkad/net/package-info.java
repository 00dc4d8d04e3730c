/**
 * The libp2p host on Netty: TCP, multistream-select 1.0.0, Noise XX ({@code /noise}), Yamux
 * ({@code /yamux/1.0.0}), Identify ({@code /ipfs/id/1.0.0}, {@code /ipfs/id/push/1.0.0}) and Ping
 * ({@code /ipfs/ping/1.0.0}), wire-compatible with go-, rust- and js-libp2p.
 *
 * <h2>Public surface</h2>
 * <ul>
 *   <li>{@link io.jkad.net.Host} (started from a {@link io.jkad.net.HostConfig}): listen, dial,
 *       open streams, register inbound stream handlers, ping, close.</li>
 *   <li>{@link io.jkad.net.Connection}: one secured, multiplexed connection to a peer.</li>
 *   <li>{@link io.jkad.net.StreamChannel}: one stream, a Netty child channel with its own pipeline;
 *       its protocol is already agreed when application handlers see it.</li>
 *   <li>{@link io.jkad.net.HostListener}: connection established / closed, Identify received,
 *       dial failed.</li>
 *   <li>{@link io.jkad.net.UvarintFrameDecoder} / {@link io.jkad.net.UvarintFrameEncoder}: the
 *       unsigned-varint length-prefixed framing of {@code /ipfs/kad/1.0.0}.</li>
 *   <li>{@link io.jkad.net.KademliaNode} (started from a {@link io.jkad.net.KademliaNodeConfig}):
 *       a Kademlia DHT node, one {@link io.jkad.kademlia.Kademlia} state machine bound to one
 *       {@code Host} on a logic thread of its own, with a {@code CompletableFuture} API;
 *       {@link io.jkad.net.RoutingTableEntry}, {@link io.jkad.net.NodeStats} and
 *       {@link io.jkad.net.NodeResources} for its read-only snapshots.</li>
 * </ul>
 * Everything else (the multistream, Noise and Yamux handlers, the Kademlia stream handlers) is
 * package-private.
 *
 * <h2>Using it for a protocol</h2>
 * (This is how {@code KademliaNode} speaks Kademlia; the names below are illustrative.)
 * <pre>{@code
 * host.setStreamHandler("/ipfs/kad/1.0.0", stream -> stream.pipeline().addLast(
 *         new UvarintFrameDecoder(),          // ByteBuf frames, 4 MiB maximum
 *         new UvarintFrameEncoder(),
 *         new KadInboundHandler(logic)));     // hands each frame to the logic thread
 *
 * host.dial(peer, addresses)
 *     .thenCompose(c -> c.openStream("/ipfs/kad/1.0.0", stream -> stream.pipeline().addLast(
 *             new UvarintFrameDecoder(), new UvarintFrameEncoder(), new KadOutboundHandler(request, logic))))
 *     .whenCompleteAsync((stream, error) -> ..., logicExecutor);
 * }</pre>
 * A handler writes a message with {@code ctx.writeAndFlush(buf)}, half-closes with
 * {@link io.jkad.net.StreamChannel#shutdownOutput()}, aborts with
 * {@link io.jkad.net.StreamChannel#reset()}, learns of the remote's half-close from a
 * {@link io.netty.channel.socket.ChannelInputShutdownEvent} user event and of a reset from
 * {@link io.jkad.net.StreamResetEvent}; {@code channelInactive} ends every stream.
 *
 * <h2>Threading</h2>
 * Each connection lives on one IO thread (a Netty event loop owned by the host); its streams share
 * that thread. The following run <em>on that IO thread</em>:
 * <ul>
 *   <li>every {@link io.jkad.net.HostListener} callback of the connection (for
 *       {@code dialFailed}: the IO thread of the failed attempt, or the caller's thread when the
 *       address was refused before any IO, e.g. not a TCP address);</li>
 *   <li>{@link io.jkad.net.StreamInitializer}s, inbound and outbound, and every handler in a
 *       stream's pipeline;</li>
 *   <li>the completion of the futures returned by {@code dial}, {@code openStream} and
 *       {@code ping} (so non-async continuations run there too).</li>
 * </ul>
 * IO threads must never call the Kademlia state machine or a record store, and must never block:
 * hand events to the logic thread ({@code executor.execute}, {@code *Async} continuations).
 * Every public method of {@code Host} and {@code Connection}, and writing to a
 * {@code StreamChannel}, may be called from any thread. {@link io.jkad.net.Host#close()} waits
 * for the IO threads to stop unless called from one of them.
 */
package io.jkad.net;
