package io.jkad.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server for tests, started from the binaries of the machine's PostgreSQL
 * installation ({@code initdb}, {@code pg_ctl} under {@code /usr/lib/postgresql/<version>/bin}, as
 * Debian installs them, or on the {@code PATH}): a fresh cluster in a temporary directory, listening
 * only on 127.0.0.1 at a free port, no Unix socket, trust authentication, user {@code postgres},
 * {@code fsync} off (it holds test data only). {@link #close()} stops it at once
 * ({@code pg_ctl stop -m immediate}) and deletes the directory.
 *
 * <p>PostgreSQL refuses to run as root: when the tests run as root, the directory is given to the
 * {@code postgres} user and the binaries run as that user ({@code runuser -u postgres --}).
 *
 * <p>For JUnit 5, {@link PostgresExtension} shares one cluster among all test classes of a run and
 * skips the tests, with the reason, where no binaries are installed.
 */
public final class PostgresCluster implements AutoCloseable {

    /** Where Debian puts each installed major version's binaries. */
    private static final Path DEBIAN_ROOT = Path.of("/usr/lib/postgresql");
    private static final String OS_USER = "postgres";

    /** A system property naming the folder of the binaries to use instead of searching for them. */
    public static final String BIN_PROPERTY = "jkad.postgres.bin";
    private static final long COMMAND_TIMEOUT_SECONDS = 120;

    private final Path bin;
    private final Path directory;
    private final boolean asPostgresUser;
    private final int port;
    private final Duration initTime;
    private final Duration startTime;
    private final String version;
    private boolean closed;
    private boolean stopped;

    private PostgresCluster(Path bin, Path directory, boolean asPostgresUser, int port, Duration initTime,
                            Duration startTime, String version) {
        this.bin = bin;
        this.directory = directory;
        this.asPostgresUser = asPostgresUser;
        this.port = port;
        this.initTime = initTime;
        this.startTime = startTime;
        this.version = version;
    }

    /**
     * The folder holding {@code initdb} and {@code pg_ctl}: the one the system property
     * {@value #BIN_PROPERTY} names (only that one, if set), else the newest version under
     * {@code /usr/lib/postgresql/*}{@code /bin}, else the folder of {@code pg_ctl} on the
     * {@code PATH}; empty if there is none.
     */
    public static Optional<Path> findBinaries() {
        String chosen = System.getProperty(BIN_PROPERTY);
        if (chosen != null) {
            return hasBinaries(Path.of(chosen)) ? Optional.of(Path.of(chosen)) : Optional.empty();
        }
        if (Files.isDirectory(DEBIAN_ROOT)) {
            try (Stream<Path> versions = Files.list(DEBIAN_ROOT)) {
                Optional<Path> newest = versions
                        .map(v -> v.resolve("bin"))
                        .filter(PostgresCluster::hasBinaries)
                        .max(Comparator.comparingInt(PostgresCluster::majorVersion));
                if (newest.isPresent()) {
                    return newest;
                }
            } catch (IOException e) {
                // fall through to the PATH
            }
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                if (!dir.isEmpty() && hasBinaries(Path.of(dir))) {
                    return Optional.of(Path.of(dir));
                }
            }
        }
        return Optional.empty();
    }

    private static boolean hasBinaries(Path dir) {
        return Files.isExecutable(dir.resolve("initdb")) && Files.isExecutable(dir.resolve("pg_ctl"));
    }

    private static int majorVersion(Path bin) {
        try {
            return Integer.parseInt(bin.getParent().getFileName().toString());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Creates and starts a cluster.
     *
     * @throws IllegalStateException if there are no binaries ({@link #findBinaries()}), the tests
     *     run as root and there is no {@code postgres} user, or the server does not start (the
     *     message holds the end of its log)
     */
    public static PostgresCluster start() {
        Path bin = findBinaries().orElseThrow(() -> new IllegalStateException(
                "No PostgreSQL binaries (initdb, pg_ctl) under " + DEBIAN_ROOT + "/*/bin or on the PATH"));
        boolean root = "root".equals(System.getProperty("user.name"));
        Path dir;
        try {
            dir = Files.createTempDirectory("jkad-pg-");
            if (root) {
                giveToPostgresUser(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the cluster's directory", e);
        }
        Path data = dir.resolve("data");
        try {
            long t0 = System.nanoTime();
            run(bin, root, dir, List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres",
                    "-A", "trust", "-E", "UTF8", "--no-sync"));
            Duration init = Duration.ofNanos(System.nanoTime() - t0);
            String version = Files.readString(data.resolve("PG_VERSION"), StandardCharsets.US_ASCII).strip();
            IllegalStateException last = null;
            for (int attempt = 0; attempt < 3; attempt++) {
                int port = freePort();
                long t1 = System.nanoTime();
                try {
                    run(bin, root, dir, startCommand(bin, dir, port));
                    Duration start = Duration.ofNanos(System.nanoTime() - t1);
                    PostgresCluster cluster = new PostgresCluster(bin, dir, root, port, init, start, version);
                    Runtime.getRuntime().addShutdownHook(new Thread(cluster::close, "stop PostgreSQL " + port));
                    return cluster;
                } catch (IllegalStateException e) {
                    last = e; // most likely the port was taken meanwhile: another one
                }
            }
            throw last;
        } catch (IOException | RuntimeException e) {
            deleteQuietly(dir);
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot start PostgreSQL from " + bin, io);
            }
            throw (RuntimeException) e;
        }
    }

    private static List<String> startCommand(Path bin, Path dir, int port) {
        return List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(),
                "-l", dir.resolve("server.log").toString(), "-w", "-t", "60", "-o",
                "-p " + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
                        + " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                        + " -c max_connections=300",
                "start");
    }

    /**
     * Stops the server as an operator would ({@code pg_ctl stop -m fast}: sessions are ended, the
     * port closed) and keeps its data, for a test of what clients do while the database is away;
     * {@link #restart()} starts it again.
     */
    public synchronized void stop() {
        if (closed || stopped) {
            throw new IllegalStateException("not running: " + this);
        }
        run(bin, asPostgresUser, directory, List.of(bin.resolve("pg_ctl").toString(), "-D",
                directory.resolve("data").toString(), "-m", "fast", "-w", "stop"));
        stopped = true;
    }

    /** Starts the server that {@link #stop()} stopped, on the same port with the same data. */
    public synchronized void restart() {
        if (closed || !stopped) {
            throw new IllegalStateException("not stopped: " + this);
        }
        run(bin, asPostgresUser, directory, startCommand(bin, directory, port));
        stopped = false;
    }

    /** The server's address: 127.0.0.1. */
    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return port;
    }

    /** The superuser, {@code postgres}, who logs in without a password. */
    public String user() {
        return "postgres";
    }

    /** {@code jdbc:postgresql://127.0.0.1:<port>/<database>}. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host() + ":" + port + "/" + database;
    }

    /** The major version, e.g. {@code 15}. */
    public String version() {
        return version;
    }

    /** How long {@code initdb} took. */
    public Duration initTime() {
        return initTime;
    }

    /** How long {@code pg_ctl start} took, until the server accepted connections. */
    public Duration startTime() {
        return startTime;
    }

    /** Stops the server at once and deletes its directory; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (stopped) {
            deleteQuietly(directory);
            return;
        }
        try {
            run(bin, asPostgresUser, directory, List.of(bin.resolve("pg_ctl").toString(), "-D",
                    directory.resolve("data").toString(), "-m", "immediate", "-w", "stop"));
        } catch (RuntimeException e) {
            System.err.println("Stopping the test PostgreSQL server failed: " + e.getMessage());
        } finally {
            deleteQuietly(directory);
        }
    }

    @Override
    public String toString() {
        return "PostgreSQL " + version + " on " + host() + ":" + port + " (" + directory + ")";
    }

    /** Runs a command (as the postgres user if {@code asPostgresUser}); its output goes to a log file in {@code dir}. */
    private static void run(Path bin, boolean asPostgresUser, Path dir, List<String> command) {
        List<String> full = new ArrayList<>();
        if (asPostgresUser) {
            full.addAll(List.of("runuser", "-u", OS_USER, "--"));
        }
        full.addAll(command);
        Path log = dir.resolve("commands.log");
        try {
            Process p = new ProcessBuilder(full)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out after " + COMMAND_TIMEOUT_SECONDS + " s: " + full);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("exit code " + p.exitValue() + " from " + full + "\n" + tail(log)
                        + tail(dir.resolve("server.log")));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + full + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + full, e);
        }
    }

    private static String tail(Path file) {
        try {
            if (!Files.exists(file)) {
                return "";
            }
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return file.getFileName() + ":\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 20),
                    lines.size())) + "\n";
        } catch (IOException e) {
            return "";
        }
    }

    private static void giveToPostgresUser(Path dir) throws IOException {
        UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
        UserPrincipal user;
        try {
            user = users.lookupPrincipalByName(OS_USER);
        } catch (IOException e) {
            throw new IllegalStateException("The tests run as root, and PostgreSQL refuses to: they need the user '"
                    + OS_USER + "' to run it as, which does not exist", e);
        }
        PosixFileAttributeView view = Files.getFileAttributeView(dir, PosixFileAttributeView.class);
        view.setOwner(user);
        try {
            GroupPrincipal group = users.lookupPrincipalByGroupName(OS_USER);
            view.setGroup(group);
        } catch (IOException e) {
            // the user's own group suffices
        }
    }

    /** A port nobody listens on at the moment (the server may still lose it to another process). */
    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            if (!Files.exists(dir)) {
                return;
            }
            List<Path> paths = new ArrayList<>();
            collect(dir, paths);
            paths.sort(Comparator.reverseOrder());
            for (Path p : paths) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("Cannot delete the test PostgreSQL directory " + dir + ": " + e);
        }
    }

    private static void collect(Path p, List<Path> out) throws IOException {
        out.add(p);
        if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> children = Files.newDirectoryStream(p)) {
                for (Path c : children) {
                    collect(c, out);
                }
            }
        }
    }
}
