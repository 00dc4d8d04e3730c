package io.jkad.net;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The protocols a {@link Host} answers inbound streams of: its built-in ones (Identify, Identify
 * Push, Ping), which work on the {@link HostConnection} the stream came on, and those an
 * application registers with {@link Host#setStreamHandler}, which see only the stream. Identify
 * advertises all of them. Thread-safe: registrations may change while streams arrive.
 */
final class ProtocolRegistry {

    /** What runs for a negotiated inbound stream, on the stream's event loop. */
    interface InboundHandler {
        void initialize(HostConnection connection, StreamChannel stream) throws Exception;
    }

    private final Map<String, InboundHandler> handlers = new ConcurrentHashMap<>();
    private final Set<String> builtIn = ConcurrentHashMap.newKeySet();

    /** Registers a built-in protocol, which applications can neither replace nor remove. */
    void addBuiltIn(String protocol, InboundHandler handler) {
        builtIn.add(protocol);
        handlers.put(protocol, handler);
    }

    /**
     * Handles {@code protocol} with {@code initializer}, replacing a previous one.
     *
     * @return whether the protocol is new (the advertised set changed)
     * @throws IllegalArgumentException if the protocol id is invalid or built in
     */
    boolean set(String protocol, StreamInitializer initializer) {
        MultistreamHandler.checkProtocolId(protocol);
        Objects.requireNonNull(initializer, "initializer");
        refuseBuiltIn(protocol);
        return handlers.put(protocol, (connection, stream) -> initializer.initialize(stream)) == null;
    }

    /**
     * Stops handling {@code protocol}.
     *
     * @return whether a handler was registered (the advertised set changed)
     * @throws IllegalArgumentException if the protocol is built in
     */
    boolean remove(String protocol) {
        refuseBuiltIn(protocol);
        return handlers.remove(protocol) != null;
    }

    private void refuseBuiltIn(String protocol) {
        if (builtIn.contains(protocol)) {
            throw new IllegalArgumentException("protocol is built in: " + protocol);
        }
    }

    /** Every protocol handled, sorted (what Identify advertises). */
    List<String> protocols() {
        return List.copyOf(new TreeSet<>(handlers.keySet()));
    }

    boolean supports(String protocol) {
        return handlers.containsKey(protocol);
    }

    /** The handler of {@code protocol}, or null if it is not (or no longer) handled. */
    InboundHandler handler(String protocol) {
        return handlers.get(protocol);
    }
}
