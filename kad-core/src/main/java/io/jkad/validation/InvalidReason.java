package io.jkad.validation;

/** Why a record is invalid. */
public enum InvalidReason {
    /** The key has no namespace a validator knows, and the policy refuses those. */
    UNKNOWN_NAMESPACE,
    /** The key is not what the namespace requires (for {@code /ipns/} and {@code /pk/}: a multihash after the prefix). */
    BAD_KEY,
    /** The record is larger than the namespace allows. */
    TOO_LARGE,
    /** The value does not decode (protobuf, CBOR, public key). */
    MALFORMED,
    /** A required part is missing (an IPNS record without its V2 signature or data). */
    MISSING_FIELD,
    /** The public key is not the one the key names. */
    WRONG_KEY,
    /** No public key to check the signature with. */
    NO_PUBLIC_KEY,
    /** The signature does not verify. */
    BAD_SIGNATURE,
    /** The legacy V1 fields of an IPNS record disagree with its signed data. */
    V1_V2_MISMATCH,
    /** The record's validity has ended. */
    EXPIRED,
    /** A record the node holds is better than this one (a lower IPNS sequence). */
    OUTDATED
}
