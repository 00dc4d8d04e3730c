package io.jkad.node;

import io.jkad.identity.Ed25519KeyPair;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A node's identity key on disk: the libp2p {@code PrivateKey} protobuf of an Ed25519 key (the
 * form go- and js-libp2p write), created once with owner-only permissions and read at every start,
 * so the peer id stays the same across restarts.
 */
final class KeyFile {

    private KeyFile() {}

    /** Whether the key was read or made. */
    record Loaded(Ed25519KeyPair key, boolean created) {}

    /**
     * Reads the key in {@code file}, or makes a new one there if the file does not exist.
     *
     * @throws IOException if the file cannot be read or written
     * @throws IllegalArgumentException if the file holds no Ed25519 libp2p private key
     */
    static Loaded loadOrCreate(Path file) throws IOException {
        if (Files.exists(file)) {
            return new Loaded(read(file), false);
        }
        Ed25519KeyPair key = Ed25519KeyPair.generate();
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".identity-", ".tmp");
        try {
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system: the directory's permissions apply
            }
            Files.write(tmp, key.encodeProtobuf());
            try {
                // No REPLACE_EXISTING: if another process made the key meanwhile, use theirs.
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException e) {
                return new Loaded(read(file), false);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return new Loaded(key, true);
    }

    static Ed25519KeyPair read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            return Ed25519KeyPair.decodeProtobuf(bytes);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("key file " + file + " does not hold a libp2p Ed25519 private key ("
                    + bytes.length + " bytes): " + e.getMessage(), e);
        }
    }
}
