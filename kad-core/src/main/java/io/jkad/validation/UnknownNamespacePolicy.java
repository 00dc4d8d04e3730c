package io.jkad.validation;

/** What a node does with a record whose key has no namespace a validator knows. */
public enum UnknownNamespacePolicy {
    /** Store and return it unchecked: the reference's behaviour, for private networks. */
    ACCEPT,
    /** Refuse it, as go-libp2p-kad-dht and js-libp2p do: for public networks. */
    REFUSE
}
