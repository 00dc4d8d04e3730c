package io.jkad.node;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * The lock that makes a data directory one node's: an OS file lock on {@code DIR/lock}, held
 * while the node runs, with the holder's process id and start time written in the file so that a
 * second {@code kad run} can say who holds it. The OS drops the lock when the process ends, even
 * after {@code kill -9}; a lock file left behind is then taken over.
 */
final class DataDirLock implements AutoCloseable {

    /** The lock file's name in the data directory. */
    static final String NAME = "lock";

    /** The directory is locked by another node (another process, or another node of this one). */
    static final class InUseException extends IOException {
        private static final long serialVersionUID = 1L;

        InUseException(String message) {
            super(message);
        }
    }

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of {@code dir}.
     *
     * @throws InUseException if another node holds it; the message names the holder's process
     * @throws IOException if the lock file cannot be opened or written
     */
    static DataDirLock acquire(Path dir) throws IOException {
        Path file = dir.resolve(NAME);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this very process
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            String holder = holder(channel);
            channel.close();
            throw new InUseException("the data directory " + dir.toAbsolutePath() + " is in use by another node ("
                    + holder + "); stop that node, or give this one its own --data-dir");
        }
        try {
            String text = "pid " + ProcessHandle.current().pid() + ", started " + Instant.now() + "\n";
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(false);
        } catch (IOException e) {
            lock.release();
            channel.close();
            throw e;
        }
        return new DataDirLock(channel, lock);
    }

    /** What the lock file says of its holder, e.g. {@code pid 4242, started 2026-12-05T10:00:00Z}. */
    private static String holder(FileChannel channel) {
        try {
            ByteBuffer b = ByteBuffer.allocate(256);
            channel.read(b, 0);
            String text = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? "process unknown" : text;
        } catch (IOException e) {
            return "process unknown: " + e.getMessage();
        }
    }

    /** Releases the lock; the file stays (its next holder overwrites it). */
    @Override
    public void close() {
        try {
            if (lock.isValid()) {
                channel.truncate(0);
                lock.release();
            }
        } catch (IOException ignored) {
            // the lock goes with the channel
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing held any more
        }
    }
}
