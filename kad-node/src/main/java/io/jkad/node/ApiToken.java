package io.jkad.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The local API's bearer token, for machines with other users: 32 random bytes in hex, made once
 * in a file only its owner can read ({@code kad run --api-token}: {@code DIR/api.token}), sent by
 * the client commands as {@code Authorization: Bearer …}.
 */
final class ApiToken {

    /** The token file's name in the data directory. */
    static final String NAME = "api.token";

    private ApiToken() {}

    /** Reads the token in {@code file}, or makes one there (owner-only) if it does not exist. */
    static String loadOrCreate(Path file) throws IOException {
        Optional<String> existing = read(file);
        if (existing.isPresent()) {
            return existing.get();
        }
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String token = HexFormat.of().formatHex(random);
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, NAME, ".tmp");
        try {
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException notPosix) {
                // a file system without POSIX permissions: the directory's protection applies
            }
            Files.writeString(tmp, token + "\n", StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException raced) {
                return read(file).orElseThrow();
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return token;
    }

    /**
     * The token in {@code file}, if the file exists.
     *
     * @throws IOException if it exists and cannot be read, or holds no token
     */
    static Optional<String> read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        String token = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (token.isEmpty() || token.length() > 1024 || !token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IOException("the API token file " + file + " holds no token");
        }
        return Optional.of(token);
    }

    /** Whether an {@code Authorization} header carries {@code token}, compared in constant time. */
    static boolean matches(String authorization, String token) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] given = authorization.substring(7).strip().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, token.getBytes(StandardCharsets.UTF_8));
    }
}
