package io.jkad.net;

/**
 * Sets up a {@link StreamChannel}'s pipeline once its protocol is agreed, before any of the
 * protocol's bytes are delivered (bytes that arrived with the agreement are passed to the handlers
 * added here). Called on the connection's IO thread: add handlers, do not block.
 */
@FunctionalInterface
public interface StreamInitializer {

    /**
     * Adds the protocol's handlers to {@code stream.pipeline()}.
     *
     * @throws Exception to reset the stream
     */
    void initialize(StreamChannel stream) throws Exception;
}
