package io.jkad.protocol;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.protocol.KadProtocolException.Kind;
import io.jkad.protocol.pb.DhtProto;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.StoreConfig;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mapping between Kademlia messages ({@code /ipfs/kad/1.0.0}, the {@code dht.proto}
 * {@code Message}) and the domain types {@link KadRequest} and {@link KadResponse}: bytes of one
 * message in, domain value out, and back. The length prefix around each message is the framing's
 * business ({@code io.jkad.net.UvarintFrameDecoder} and its encoder); this class sees one message's bytes. Immutable and thread-safe.
 *
 * <h2>Wire rules</h2>
 * <ul>
 *   <li>The message is proto3: an absent {@code type} field is PUT_VALUE (0). A type number that
 *       is no message type is {@link Kind#UNKNOWN_TYPE}. Unknown fields are ignored.</li>
 *   <li>FIND_NODE, GET_VALUE, GET_PROVIDERS and ADD_PROVIDER requests need a non-empty
 *       {@code key}; it is opaque bytes (for FIND_NODE usually a peer id, for the provider messages a
 *       multihash). A request's key, and its record's key, longer than {@link #maxKeyBytes()} is
 *       {@link Kind#KEY_TOO_LARGE}: the request is refused before anything is stored.</li>
 *   <li>PUT_VALUE: the request's {@code key} must equal {@code record.key}; an absent {@code key}
 *       is accepted (older rust-libp2p sends only the record). The response echoes key and record;
 *       its key must be the one put.</li>
 *   <li>GET_VALUE response: the record, if any, must be for the requested key. Records we send in
 *       GET_VALUE responses carry {@code timeReceived} (RFC 3339, UTC, nine fraction digits, as go's
 *       {@code RFC3339Nano} and js's parser expect) set to the encoding time; received
 *       {@code timeReceived} values are ignored.</li>
 *   <li>Record extensions of rust-libp2p: {@code publisher} (666) is a peer id (an invalid one is
 *       {@link Kind#INVALID_FIELD}); {@code ttl} (777) is seconds from {@code now} until expiry, 0
 *       meaning none. Encoding writes the remaining time rounded up to whole seconds, at least 1
 *       (an expired record would otherwise read as "never expires"), at most 2^32-1.</li>
 *   <li>Peers ({@code closerPeers}, {@code providerPeers}): a peer whose id is not a valid peer
 *       id is skipped with a debug log, the rest of the message is kept (as rust-libp2p does).
 *       For ADD_PROVIDER the first valid peer is the provider; none is {@link Kind#MISSING_FIELD}.
 *       An address with a protocol code this node does not know is skipped (trace log), a
 *       malformed one too (debug log); a trailing {@code /p2p/<id>} is removed when it is the
 *       peer's own id and the address skipped when it names another peer. At most
 *       {@link #maxAddressesPerPeer()} addresses per peer are kept when decoding and written when
 *       encoding (without {@code /p2p/} suffix, as go sends them).</li>
 *   <li>At most {@link #maxPeersPerList()} peers are read from each peer list of a message (k:
 *       no answer needs more), and at most {@value #RAW_ADDRESSES_PER_ALLOWED} times
 *       {@link #maxAddressesPerPeer()} addresses from each peer: the message is read field by
 *       field and the peers and addresses beyond are skipped over without being decoded, so an
 *       answer stuffed with 100,000 peers costs a scan of its bytes, not 100,000 objects.</li>
 *   <li>A response's type must be the type of the request it answers
 *       ({@link Kind#UNEXPECTED_TYPE} otherwise); ADD_PROVIDER has no response.</li>
 *   <li>Messages longer than {@link #maxMessageSize()} are refused both ways. Responses are kept
 *       near {@link #responseSizeTarget()} by dropping peers from the end of the closer-peers list,
 *       then of the providers list (a record is never dropped, so a large value may exceed it).</li>
 * </ul>
 *
 * <p>Why one class of this length: it mirrors the Kademlia wire format message by message, both
 * ways, with the bound of each field, so that it reads against the protobuf schema in one place.
 */
public final class KadCodec {

    /** 4 MiB, as go and js use. */
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 4 * 1024 * 1024;
    /** Addresses kept per peer. */
    public static final int DEFAULT_MAX_ADDRESSES_PER_PEER = 20;
    /** 16 KiB: rust-libp2p's default maximum packet size. */
    public static final int DEFAULT_RESPONSE_SIZE_TARGET = 16 * 1024;
    /** k, the replication factor: an answer is useful for its k closest peers or first k providers. */
    public static final int DEFAULT_MAX_PEERS_PER_LIST = 20;
    /**
     * Raw addresses read per peer, as a multiple of {@link #maxAddressesPerPeer()}: some are
     * skipped while decoding (protocols this node does not know, other peers' relay paths), so a
     * few more are read than kept.
     */
    static final int RAW_ADDRESSES_PER_ALLOWED = 4;

    private static final Logger LOG = LoggerFactory.getLogger(KadCodec.class);
    private static final long MAX_TTL_SECONDS = 0xFFFF_FFFFL;
    private static final DateTimeFormatter RFC3339_NANO =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.nnnnnnnnn'Z'").withZone(ZoneOffset.UTC);
    private static final KadCodec DEFAULTS = new KadCodec(DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_MAX_ADDRESSES_PER_PEER,
            DEFAULT_RESPONSE_SIZE_TARGET, StoreConfig.DEFAULT_MAX_KEY_BYTES, DEFAULT_MAX_PEERS_PER_LIST);

    private final int maxMessageSize;
    private final int maxAddressesPerPeer;
    private final int responseSizeTarget;
    private final int maxKeyBytes;
    private final int maxPeersPerList;

    private KadCodec(int maxMessageSize, int maxAddressesPerPeer, int responseSizeTarget, int maxKeyBytes,
                     int maxPeersPerList) {
        this.maxMessageSize = maxMessageSize;
        this.maxAddressesPerPeer = maxAddressesPerPeer;
        this.responseSizeTarget = responseSizeTarget;
        this.maxKeyBytes = maxKeyBytes;
        this.maxPeersPerList = maxPeersPerList;
    }

    /**
     * The codec with the defaults: maximum message size 4 MiB, 20 addresses per peer, responses
     * kept near 16 KiB, keys up to {@link StoreConfig#DEFAULT_MAX_KEY_BYTES} bytes, 20 peers read
     * per list.
     */
    public static KadCodec defaults() {
        return DEFAULTS;
    }

    /** @throws IllegalArgumentException if {@code bytes} is not positive */
    public KadCodec withMaxMessageSize(int bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("maxMessageSize must be > 0: " + bytes);
        }
        return new KadCodec(bytes, maxAddressesPerPeer, responseSizeTarget, maxKeyBytes, maxPeersPerList);
    }

    /** @throws IllegalArgumentException if {@code count} is not positive */
    public KadCodec withMaxAddressesPerPeer(int count) {
        if (count <= 0) {
            throw new IllegalArgumentException("maxAddressesPerPeer must be > 0: " + count);
        }
        return new KadCodec(maxMessageSize, count, responseSizeTarget, maxKeyBytes, maxPeersPerList);
    }

    /** @throws IllegalArgumentException if {@code bytes} is not positive */
    public KadCodec withResponseSizeTarget(int bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("responseSizeTarget must be > 0: " + bytes);
        }
        return new KadCodec(maxMessageSize, maxAddressesPerPeer, bytes, maxKeyBytes, maxPeersPerList);
    }

    /**
     * The longest key a request may carry (use the store's {@link StoreConfig#maxKeyBytes()}).
     *
     * @throws IllegalArgumentException if {@code bytes} is not positive
     */
    public KadCodec withMaxKeyBytes(int bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("maxKeyBytes must be > 0: " + bytes);
        }
        return new KadCodec(maxMessageSize, maxAddressesPerPeer, responseSizeTarget, bytes, maxPeersPerList);
    }

    /**
     * How many peers are read from each peer list of a message (use k, the replication factor).
     *
     * @throws IllegalArgumentException if {@code count} is not positive
     */
    public KadCodec withMaxPeersPerList(int count) {
        if (count <= 0) {
            throw new IllegalArgumentException("maxPeersPerList must be > 0: " + count);
        }
        return new KadCodec(maxMessageSize, maxAddressesPerPeer, responseSizeTarget, maxKeyBytes, count);
    }

    /** The largest message encoded or decoded, in bytes (without the length prefix). */
    public int maxMessageSize() {
        return maxMessageSize;
    }

    public int maxAddressesPerPeer() {
        return maxAddressesPerPeer;
    }

    /** The size responses are trimmed towards by dropping peers. */
    public int responseSizeTarget() {
        return responseSizeTarget;
    }

    /** The longest key a decoded request may carry, in bytes. */
    public int maxKeyBytes() {
        return maxKeyBytes;
    }

    /** The most peers read from each peer list ({@code closerPeers}, {@code providerPeers}) of a message. */
    public int maxPeersPerList() {
        return maxPeersPerList;
    }

    // ---- requests ----------------------------------------------------------------------------

    /**
     * Encodes a request. {@code now} turns a PUT_VALUE record's expiry into its {@code ttl}.
     *
     * @throws IllegalArgumentException if the message would exceed {@link #maxMessageSize()}
     */
    public byte[] encodeRequest(KadRequest request, Instant now) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(now, "now");
        DhtProto.Message.Builder m = DhtProto.Message.newBuilder();
        if (request instanceof KadRequest.FindNode r) {
            m.setType(DhtProto.Message.MessageType.FIND_NODE).setKey(bytes(r.key()));
        } else if (request instanceof KadRequest.GetProviders r) {
            m.setType(DhtProto.Message.MessageType.GET_PROVIDERS).setKey(bytes(r.key()));
        } else if (request instanceof KadRequest.AddProvider r) {
            m.setType(DhtProto.Message.MessageType.ADD_PROVIDER)
                    .setKey(bytes(r.key()))
                    .addProviderPeers(encodePeer(r.provider()));
        } else if (request instanceof KadRequest.GetValue r) {
            m.setType(DhtProto.Message.MessageType.GET_VALUE).setKey(bytes(r.key()));
        } else if (request instanceof KadRequest.PutValue r) {
            m.setType(DhtProto.Message.MessageType.PUT_VALUE)
                    .setKey(bytes(r.record().key()))
                    .setRecord(encodeRecord(r.record(), now, false));
        } else if (request instanceof KadRequest.Ping) {
            m.setType(DhtProto.Message.MessageType.PING);
        } else {
            throw new IllegalArgumentException("unknown request type: " + request);
        }
        return checkedBytes(m.build(), typeName(request));
    }

    /**
     * Decodes a request. {@code now} turns a PUT_VALUE record's {@code ttl} into its expiry.
     *
     * @throws KadProtocolException if the bytes are no valid request (see {@link Kind})
     */
    public KadRequest decodeRequest(byte[] bytes, Instant now) throws KadProtocolException {
        Objects.requireNonNull(now, "now");
        DhtProto.Message m = parse(bytes, "request");
        DhtProto.Message.MessageType type = type(m);
        return switch (type) {
            case FIND_NODE -> new KadRequest.FindNode(requiredKey(m, "FIND_NODE request"));
            case GET_VALUE -> new KadRequest.GetValue(requiredKey(m, "GET_VALUE request"));
            case GET_PROVIDERS -> new KadRequest.GetProviders(requiredKey(m, "GET_PROVIDERS request"));
            case ADD_PROVIDER -> {
                RecordKey key = requiredKey(m, "ADD_PROVIDER request");
                List<KadPeer> providers = decodePeers(m.getProviderPeersList(), "ADD_PROVIDER providerPeers");
                if (providers.isEmpty()) {
                    throw new KadProtocolException(Kind.MISSING_FIELD, "ADD_PROVIDER request for key " + key
                            + " without a valid provider peer (" + m.getProviderPeersCount() + " peers sent)");
                }
                yield new KadRequest.AddProvider(key, providers.get(0));
            }
            case PUT_VALUE -> {
                if (!m.hasRecord()) {
                    throw new KadProtocolException(Kind.MISSING_FIELD, "PUT_VALUE request without record");
                }
                checkKeySize(m.getKey(), "PUT_VALUE request");
                checkKeySize(m.getRecord().getKey(), "PUT_VALUE request's record");
                DhtRecord record = decodeRecord(m.getRecord(), now, "PUT_VALUE request");
                if (!m.getKey().isEmpty() && !m.getKey().equals(ByteString.copyFrom(record.key().toBytes()))) {
                    throw new KadProtocolException(Kind.INVALID_FIELD, "PUT_VALUE request key "
                            + describeKey(m.getKey()) + " differs from its record's key " + record.key());
                }
                yield new KadRequest.PutValue(record);
            }
            case PING -> new KadRequest.Ping();
            case UNRECOGNIZED -> throw new AssertionError("type() rejects unknown types");
        };
    }

    // ---- responses ---------------------------------------------------------------------------

    /**
     * Encodes a response. {@code now} is written as a GET_VALUE record's {@code timeReceived} and
     * turns record expiries into {@code ttl}s. Peers are dropped from the end of the lists while
     * the message exceeds {@link #responseSizeTarget()}.
     *
     * @throws IllegalArgumentException if the message would still exceed {@link #maxMessageSize()}
     */
    public byte[] encodeResponse(KadResponse response, Instant now) {
        Objects.requireNonNull(response, "response");
        Objects.requireNonNull(now, "now");
        DhtProto.Message.Builder m = DhtProto.Message.newBuilder();
        if (response instanceof KadResponse.FindNode r) {
            m.setType(DhtProto.Message.MessageType.FIND_NODE);
            r.closerPeers().forEach(p -> m.addCloserPeers(encodePeer(p)));
        } else if (response instanceof KadResponse.GetProviders r) {
            m.setType(DhtProto.Message.MessageType.GET_PROVIDERS);
            r.closerPeers().forEach(p -> m.addCloserPeers(encodePeer(p)));
            r.providers().forEach(p -> m.addProviderPeers(encodePeer(p)));
        } else if (response instanceof KadResponse.GetValue r) {
            m.setType(DhtProto.Message.MessageType.GET_VALUE);
            r.record().ifPresent(rec -> m.setKey(bytes(rec.key())).setRecord(encodeRecord(rec, now, true)));
            r.closerPeers().forEach(p -> m.addCloserPeers(encodePeer(p)));
        } else if (response instanceof KadResponse.PutValue r) {
            m.setType(DhtProto.Message.MessageType.PUT_VALUE)
                    .setKey(bytes(r.key()))
                    .setRecord(encodeRecord(r.record(), now, false));
        } else if (response instanceof KadResponse.Pong) {
            m.setType(DhtProto.Message.MessageType.PING);
        } else {
            throw new IllegalArgumentException("unknown response type: " + response);
        }
        trimToTarget(m);
        return checkedBytes(m.build(), typeName(response));
    }

    /**
     * Decodes the response to {@code request}. {@code now} turns a record's {@code ttl} into its
     * expiry.
     *
     * @throws KadProtocolException if the bytes are no valid response to {@code request}: another
     *     type, a record for another key, … (see {@link Kind})
     * @throws IllegalArgumentException if {@code request} is an ADD_PROVIDER, which has no response
     */
    public KadResponse decodeResponse(byte[] bytes, KadRequest request, Instant now) throws KadProtocolException {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(now, "now");
        if (!request.expectsResponse()) {
            throw new IllegalArgumentException("ADD_PROVIDER has no response: " + request);
        }
        DhtProto.Message m = parse(bytes, "response");
        DhtProto.Message.MessageType type = type(m);
        DhtProto.Message.MessageType expected = wireType(request);
        if (type != expected) {
            throw new KadProtocolException(Kind.UNEXPECTED_TYPE,
                    "a " + type + " response to a " + expected + " request");
        }
        if (request instanceof KadRequest.FindNode) {
            return new KadResponse.FindNode(decodePeers(m.getCloserPeersList(), "FIND_NODE closerPeers"));
        }
        if (request instanceof KadRequest.GetProviders) {
            return new KadResponse.GetProviders(
                    decodePeers(m.getCloserPeersList(), "GET_PROVIDERS closerPeers"),
                    decodePeers(m.getProviderPeersList(), "GET_PROVIDERS providerPeers"));
        }
        if (request instanceof KadRequest.GetValue r) {
            Optional<DhtRecord> record = Optional.empty();
            if (m.hasRecord()) {
                DhtRecord rec = decodeRecord(m.getRecord(), now, "GET_VALUE response");
                if (!rec.key().equals(r.key())) {
                    throw new KadProtocolException(Kind.INVALID_FIELD, "GET_VALUE response holds a record for key "
                            + rec.key() + ", not the requested " + r.key());
                }
                record = Optional.of(rec);
            }
            return new KadResponse.GetValue(record, decodePeers(m.getCloserPeersList(), "GET_VALUE closerPeers"));
        }
        if (request instanceof KadRequest.PutValue r) {
            if (!m.hasRecord()) {
                throw new KadProtocolException(Kind.MISSING_FIELD, "PUT_VALUE response without record");
            }
            DhtProto.Record pbRecord = m.getRecord();
            if (pbRecord.getKey().isEmpty() && !m.getKey().isEmpty()) {
                // Some senders put the key only on the message; the record is still that key's.
                pbRecord = pbRecord.toBuilder().setKey(m.getKey()).build();
            }
            DhtRecord record = decodeRecord(pbRecord, now, "PUT_VALUE response");
            RecordKey key = m.getKey().isEmpty() ? record.key() : key(m.getKey());
            RecordKey put = r.record().key();
            if (!key.equals(put) || !record.key().equals(put)) {
                throw new KadProtocolException(Kind.INVALID_FIELD, "PUT_VALUE response for key " + key
                        + " (record key " + record.key() + "), not the key put " + put);
            }
            return new KadResponse.PutValue(key, record);
        }
        return new KadResponse.Pong(); // PING: the only type left
    }

    // ---- records -----------------------------------------------------------------------------

    private DhtProto.Record encodeRecord(DhtRecord record, Instant now, boolean withTimeReceived) {
        DhtProto.Record.Builder b = DhtProto.Record.newBuilder()
                .setKey(bytes(record.key()))
                .setValue(ByteString.copyFrom(record.valueBuffer()));
        record.publisher().ifPresent(p -> b.setPublisher(ByteString.copyFrom(p.toBytes())));
        record.expires().ifPresent(e -> b.setTtl((int) ttlSeconds(e, now)));
        if (withTimeReceived) {
            b.setTimeReceived(RFC3339_NANO.format(now));
        }
        return b.build();
    }

    /** Seconds from {@code now} to {@code expires}, rounded up, in [1, 2^32-1]. */
    static long ttlSeconds(Instant expires, Instant now) {
        if (!expires.isAfter(now)) {
            return 1; // 0 would mean "never expires"
        }
        Duration left = Duration.between(now, expires);
        long seconds = left.getSeconds() + (left.getNano() > 0 ? 1 : 0);
        return Math.min(seconds, MAX_TTL_SECONDS);
    }

    private DhtRecord decodeRecord(DhtProto.Record r, Instant now, String where) throws KadProtocolException {
        if (r.getKey().isEmpty()) {
            throw new KadProtocolException(Kind.MISSING_FIELD, where + ": record without key");
        }
        Optional<PeerId> publisher = Optional.empty();
        if (!r.getPublisher().isEmpty()) {
            try {
                publisher = Optional.of(PeerId.fromBytes(r.getPublisher().toByteArray()));
            } catch (IllegalArgumentException e) {
                throw new KadProtocolException(Kind.INVALID_FIELD, where + ": record publisher "
                        + hex(r.getPublisher()) + " is not a peer id: " + e.getMessage(), e);
            }
        }
        long ttl = Integer.toUnsignedLong(r.getTtl());
        Optional<Instant> expires = ttl == 0 ? Optional.empty() : Optional.of(now.plusSeconds(ttl));
        return DhtRecord.of(key(r.getKey()), r.getValue().toByteArray(), publisher, expires);
    }

    // ---- peers -------------------------------------------------------------------------------

    private DhtProto.Message.Peer encodePeer(KadPeer peer) {
        DhtProto.Message.Peer.Builder b = DhtProto.Message.Peer.newBuilder()
                .setId(ByteString.copyFrom(peer.id().toBytes()))
                .setConnection(switch (peer.connection()) {
                    case NOT_CONNECTED -> DhtProto.Message.ConnectionType.NOT_CONNECTED;
                    case CONNECTED -> DhtProto.Message.ConnectionType.CONNECTED;
                    case CAN_CONNECT -> DhtProto.Message.ConnectionType.CAN_CONNECT;
                    case CANNOT_CONNECT -> DhtProto.Message.ConnectionType.CANNOT_CONNECT;
                });
        int written = 0;
        for (Multiaddr address : peer.addresses()) {
            if (written == maxAddressesPerPeer) {
                break;
            }
            Optional<PeerId> suffix = address.peerId();
            if (suffix.isPresent() && !suffix.get().equals(peer.id())) {
                continue; // an address of another peer (a relay path): not this peer's to advertise
            }
            b.addAddrs(ByteString.copyFrom(address.withoutPeerId().toBytes()));
            written++;
        }
        return b.build();
    }

    private List<KadPeer> decodePeers(List<DhtProto.Message.Peer> peers, String where) {
        List<KadPeer> out = new ArrayList<>(peers.size());
        for (DhtProto.Message.Peer p : peers) {
            decodePeer(p, where).ifPresent(out::add);
        }
        return out;
    }

    private Optional<KadPeer> decodePeer(DhtProto.Message.Peer p, String where) {
        PeerId id;
        try {
            id = PeerId.fromBytes(p.getId().toByteArray());
        } catch (IllegalArgumentException e) {
            LOG.debug("{}: skipping peer with invalid id {}: {}", where, hex(p.getId()), e.getMessage());
            return Optional.empty();
        }
        List<Multiaddr> addresses = new ArrayList<>(Math.min(p.getAddrsCount(), maxAddressesPerPeer));
        for (ByteString raw : p.getAddrsList()) {
            if (addresses.size() == maxAddressesPerPeer) {
                LOG.trace("{}: peer {} sent {} addresses, keeping {}", where, id, p.getAddrsCount(), maxAddressesPerPeer);
                break;
            }
            decodeAddress(raw, id, where).ifPresent(addresses::add);
        }
        ConnectionType connection = switch (p.getConnection()) {
            case CONNECTED -> ConnectionType.CONNECTED;
            case CAN_CONNECT -> ConnectionType.CAN_CONNECT;
            case CANNOT_CONNECT -> ConnectionType.CANNOT_CONNECT;
            case NOT_CONNECTED, UNRECOGNIZED -> ConnectionType.NOT_CONNECTED;
        };
        return Optional.of(new KadPeer(id, addresses, connection));
    }

    private static Optional<Multiaddr> decodeAddress(ByteString raw, PeerId peer, String where) {
        byte[] bytes = raw.toByteArray();
        Optional<Multiaddr> decoded;
        try {
            decoded = Multiaddr.tryFromBytes(bytes);
        } catch (IllegalArgumentException e) {
            LOG.debug("{}: skipping malformed address {} of peer {}: {}", where, hex(raw), peer, e.getMessage());
            return Optional.empty();
        }
        if (decoded.isEmpty()) {
            LOG.trace("{}: skipping address {} of peer {}: unknown protocol", where, hex(raw), peer);
            return Optional.empty();
        }
        Multiaddr address = decoded.get();
        Optional<PeerId> suffix = address.peerId();
        if (suffix.isPresent()) {
            if (!suffix.get().equals(peer)) {
                LOG.debug("{}: skipping address {} of peer {}: it names peer {}", where, address, peer, suffix.get());
                return Optional.empty();
            }
            address = address.withoutPeerId();
        }
        return Optional.of(address);
    }

    // ---- helpers -----------------------------------------------------------------------------

    private DhtProto.Message parse(byte[] bytes, String what) throws KadProtocolException {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length > maxMessageSize) {
            throw new KadProtocolException(Kind.TOO_LARGE, "Kademlia " + what + " of " + bytes.length
                    + " bytes exceeds the maximum message size of " + maxMessageSize + " bytes");
        }
        try {
            return parseBounded(bytes, what);
        } catch (IOException e) { // InvalidProtocolBufferException: a byte array has no other failure
            throw new KadProtocolException(Kind.MALFORMED, "Kademlia " + what + " of " + bytes.length
                    + " bytes is not a valid protobuf Message: " + e.getMessage(), e);
        }
    }

    /**
     * {@code Message.parseFrom}, field by field, keeping the first {@link #maxPeersPerList} peers
     * of each list and skipping the others undecoded (as unknown fields would be). A field with
     * another wire type than its declaration is skipped, as protobuf-java treats it as unknown.
     */
    private DhtProto.Message parseBounded(byte[] bytes, String what) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        DhtProto.Message.Builder m = DhtProto.Message.newBuilder();
        int closerSkipped = 0;
        int providersSkipped = 0;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            int wireType = WireFormat.getTagWireType(tag);
            boolean varint = wireType == WireFormat.WIRETYPE_VARINT;
            boolean delimited = wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED;
            switch (WireFormat.getTagFieldNumber(tag)) {
                case DhtProto.Message.TYPE_FIELD_NUMBER -> {
                    if (varint) {
                        m.setTypeValue(in.readEnum());
                        continue;
                    }
                }
                case DhtProto.Message.CLUSTERLEVELRAW_FIELD_NUMBER -> {
                    if (varint) {
                        m.setClusterLevelRaw(in.readInt32());
                        continue;
                    }
                }
                case DhtProto.Message.KEY_FIELD_NUMBER -> {
                    if (delimited) {
                        m.setKey(in.readBytes());
                        continue;
                    }
                }
                case DhtProto.Message.RECORD_FIELD_NUMBER -> {
                    if (delimited) {
                        in.readMessage(m.getRecordBuilder(), ExtensionRegistryLite.getEmptyRegistry());
                        continue;
                    }
                }
                case DhtProto.Message.CLOSERPEERS_FIELD_NUMBER -> {
                    if (delimited && m.getCloserPeersCount() < maxPeersPerList) {
                        m.addCloserPeers(readPeer(in));
                        continue;
                    }
                    closerSkipped += delimited ? 1 : 0;
                }
                case DhtProto.Message.PROVIDERPEERS_FIELD_NUMBER -> {
                    if (delimited && m.getProviderPeersCount() < maxPeersPerList) {
                        m.addProviderPeers(readPeer(in));
                        continue;
                    }
                    providersSkipped += delimited ? 1 : 0;
                }
                default -> { }
            }
            if (!in.skipField(tag)) {
                throw new InvalidProtocolBufferException("unexpected end-group tag " + tag);
            }
        }
        if (closerSkipped + providersSkipped > 0) {
            LOG.debug("Kademlia {}: read {} closer peers and {} providers, skipped {} and {} beyond the maximum of {}",
                    what, m.getCloserPeersCount(), m.getProviderPeersCount(), closerSkipped, providersSkipped,
                    maxPeersPerList);
        }
        return m.build();
    }

    /** One length-delimited {@code Peer}, with at most {@value #RAW_ADDRESSES_PER_ALLOWED} × the address cap read. */
    private DhtProto.Message.Peer readPeer(CodedInputStream in) throws IOException {
        try {
            int length = in.readRawVarint32();
            int outer = in.pushLimit(length);
            DhtProto.Message.Peer.Builder p = DhtProto.Message.Peer.newBuilder();
            int maxRaw = maxAddressesPerPeer * RAW_ADDRESSES_PER_ALLOWED;
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                int wireType = WireFormat.getTagWireType(tag);
                switch (WireFormat.getTagFieldNumber(tag)) {
                    case DhtProto.Message.Peer.ID_FIELD_NUMBER -> {
                        if (wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                            p.setId(in.readBytes());
                            continue;
                        }
                    }
                    case DhtProto.Message.Peer.ADDRS_FIELD_NUMBER -> {
                        if (wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED && p.getAddrsCount() < maxRaw) {
                            p.addAddrs(in.readBytes());
                            continue;
                        }
                    }
                    case DhtProto.Message.Peer.CONNECTION_FIELD_NUMBER -> {
                        if (wireType == WireFormat.WIRETYPE_VARINT) {
                            p.setConnectionValue(in.readEnum());
                            continue;
                        }
                    }
                    default -> { }
                }
                if (!in.skipField(tag)) {
                    throw new InvalidProtocolBufferException("unexpected end-group tag " + tag + " in a peer");
                }
            }
            in.popLimit(outer);
            return p.build();
        } catch (IllegalArgumentException e) {
            throw new InvalidProtocolBufferException("malformed peer: " + e.getMessage());
        }
    }

    private static DhtProto.Message.MessageType type(DhtProto.Message m) throws KadProtocolException {
        DhtProto.Message.MessageType type = m.getType();
        if (type == DhtProto.Message.MessageType.UNRECOGNIZED) {
            throw new KadProtocolException(Kind.UNKNOWN_TYPE, "unknown Kademlia message type " + m.getTypeValue());
        }
        return type;
    }

    private RecordKey requiredKey(DhtProto.Message m, String where) throws KadProtocolException {
        if (m.getKey().isEmpty()) {
            throw new KadProtocolException(Kind.MISSING_FIELD, where + " without key");
        }
        checkKeySize(m.getKey(), where);
        return key(m.getKey());
    }

    private void checkKeySize(ByteString key, String where) throws KadProtocolException {
        if (key.size() > maxKeyBytes) {
            throw new KadProtocolException(Kind.KEY_TOO_LARGE, where + ": key of " + key.size()
                    + " bytes exceeds the maximum of " + maxKeyBytes + " bytes");
        }
    }

    private static RecordKey key(ByteString bytes) {
        return RecordKey.of(bytes.toByteArray());
    }

    private static ByteString bytes(RecordKey key) {
        return ByteString.copyFrom(key.toBytes());
    }

    private static DhtProto.Message.MessageType wireType(KadRequest request) {
        return DhtProto.Message.MessageType.valueOf(request.messageType());
    }

    /** Drops closer peers, then providers, from the end while the response is over the target. */
    private void trimToTarget(DhtProto.Message.Builder m) {
        while (m.build().getSerializedSize() > responseSizeTarget) {
            if (m.getCloserPeersCount() > 0) {
                m.removeCloserPeers(m.getCloserPeersCount() - 1);
            } else if (m.getProviderPeersCount() > 0) {
                m.removeProviderPeers(m.getProviderPeersCount() - 1);
            } else {
                return; // only the record is left
            }
        }
    }

    private byte[] checkedBytes(DhtProto.Message m, String what) {
        int size = m.getSerializedSize();
        if (size > maxMessageSize) {
            throw new IllegalArgumentException(what + " message of " + size
                    + " bytes exceeds the maximum message size of " + maxMessageSize + " bytes");
        }
        return m.toByteArray();
    }

    private static String typeName(Object message) {
        return message.getClass().getEnclosingClass().getSimpleName() + "." + message.getClass().getSimpleName();
    }

    private static String describeKey(ByteString key) {
        return key.isEmpty() ? "(empty)" : RecordKey.of(key.toByteArray()).toString();
    }

    private static String hex(ByteString bytes) {
        int n = Math.min(bytes.size(), 64);
        String h = HexFormat.of().formatHex(bytes.substring(0, n).toByteArray());
        return bytes.size() > n ? h + "…(" + bytes.size() + " bytes)" : (h.isEmpty() ? "(empty)" : h);
    }
}
