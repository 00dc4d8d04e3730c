package io.jkad.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.jkad.record.RecordStore;
import io.jkad.record.RecordStoreProvider;
import io.jkad.record.StoreConfig;
import io.jkad.record.StoreException;
import io.jkad.record.StoreException.Kind;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * The {@code jdbc} record store backend: a {@link JdbcRecordStore} on a HikariCP pool that the
 * provider builds from the config's options and closes with the store. Found by
 * {@link io.jkad.record.RecordStores#open RecordStores.open("jdbc", config)}. An application with a
 * pool of its own opens the store with {@link JdbcRecordStore#open(javax.sql.DataSource, StoreConfig)}
 * instead.
 *
 * <h2>Options</h2>
 * <table>
 *   <caption>jdbc.* options</caption>
 *   <tr><th>option</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code jdbc.url}</td><td>{@code jdbc:h2:file:<dataDirectory>/records;WRITE_DELAY=0}</td>
 *       <td>the database; without it the store needs {@link StoreConfig#dataDirectory()} for an
 *       embedded H2 database there</td></tr>
 *   <tr><td>{@code jdbc.user}</td><td>{@code sa} for the default H2 database, else none</td><td>the database user</td></tr>
 *   <tr><td>{@code jdbc.password}</td><td>empty for the default H2 database, else none</td><td>its password</td></tr>
 *   <tr><td>{@code jdbc.pool_size}</td><td>{@value #DEFAULT_POOL_SIZE}</td><td>the most connections
 *       (at least 2: each open iterator holds one); the pool keeps up to 2 idle</td></tr>
 *   <tr><td>{@code jdbc.dialect}</td><td>from the connection's metadata</td><td>{@code h2} or {@code postgresql}</td></tr>
 *   <tr><td>{@code jdbc.acquire_timeout_ms}</td><td>{@value #DEFAULT_ACQUIRE_TIMEOUT_MS}</td><td>the longest a
 *       call waits for a pooled connection (HikariCP's {@code connectionTimeout}; at least 250, HikariCP's
 *       floor)</td></tr>
 *   <tr><td>{@code jdbc.statement_timeout_ms}</td><td>{@value #DEFAULT_STATEMENT_TIMEOUT_MS}</td><td>PostgreSQL
 *       only: the longest one statement runs ({@code statement_timeout}, set on each connection); the
 *       driver's socket timeout is set to this rounded up to seconds, plus a second, for a network
 *       that stops answering; 0 for none</td></tr>
 *   <tr><td>{@code jdbc.breaker_threshold}</td><td>{@value #DEFAULT_BREAKER_THRESHOLD}</td><td>availability
 *       failures in a row that make calls fail fast</td></tr>
 *   <tr><td>{@code jdbc.breaker_cooldown_ms}</td><td>{@value #DEFAULT_BREAKER_COOLDOWN_MS}</td><td>how long
 *       calls fail fast before one probes the database again</td></tr>
 * </table>
 *
 * <h2>Why the timeouts are short</h2>
 * The node calls the store on its logic thread: while a call waits, no peer is answered, no query
 * moves. A healthy pool hands out a connection in microseconds, and a new PostgreSQL connection on a
 * local network takes a few milliseconds (TCP, authentication, backend start), so
 * {@value #DEFAULT_ACQUIRE_TIMEOUT_MS} ms only runs out when the database is away or the pool is
 * exhausted for far longer than any of the store's statements takes. Those statements are single-row
 * index lookups and updates, and page reads of {@value JdbcRecordStore#FETCH_SIZE} rows: well under
 * 10 ms on a healthy server, so {@value #DEFAULT_STATEMENT_TIMEOUT_MS} ms leaves two orders of
 * magnitude for a loaded one (the expiry sweep, the largest, deletes what expired since the last
 * sweep). Until the breaker opens the node loses at most threshold × (acquire + statement) time;
 * once open, one probe per cooldown: with the defaults under 1.5 s once, then at most
 * {@value #DEFAULT_ACQUIRE_TIMEOUT_MS} ms every {@value #DEFAULT_BREAKER_COOLDOWN_MS} ms (10 %), and
 * the store is back within {@value #DEFAULT_BREAKER_COOLDOWN_MS} ms of the database. The previous
 * 10 s acquire timeout stalled the node 10 s per call.
 *
 * <p>Other {@code jdbc.*} names are refused (a misspelt option would otherwise be ignored); options
 * of other backends are ignored.
 *
 * <h2>Durability of the embedded H2 database</h2>
 * H2 2.x (MVStore) keeps committed changes in memory and writes them to its file from a background
 * thread every {@code WRITE_DELAY} milliseconds (500 by default): a process killed in between loses
 * writes that were already acknowledged. With {@code WRITE_DELAY=0} there is no background writer
 * and every commit that changed data writes its chunk to the file before it returns (H2's
 * {@code TransactionStore.endTransaction} calls {@code MVStore.commit()} when the auto-commit delay
 * is 0), so what a store call acknowledged survives a kill of the process ({@code kill -9}). The
 * default URL sets it; add {@code ;WRITE_DELAY=0} to an H2 file URL of your own (the store logs a
 * warning at open when a file database has another value). H2 does not force the file to the disk
 * at each commit, so an operating system crash or a power loss can still lose the last writes;
 * PostgreSQL, with its default {@code fsync} and {@code synchronous_commit}, does not.
 *
 * <p>An H2 in-memory database ({@code jdbc:h2:mem:name}) lives while a connection to it is open:
 * the provider keeps one connection open for as long as the store, so the pool may replace its
 * connections without the database vanishing, and the database is dropped when the store closes
 * (no {@code DB_CLOSE_DELAY} needed). Give each store its own name.
 */
public final class JdbcStoreProvider implements RecordStoreProvider {

    /** The backend's name: {@code jdbc}. */
    public static final String NAME = "jdbc";

    /** Option: the JDBC URL. */
    public static final String URL = "jdbc.url";
    /** Option: the database user. */
    public static final String USER = "jdbc.user";
    /** Option: the user's password. */
    public static final String PASSWORD = "jdbc.password";
    /** Option: the most pooled connections. */
    public static final String POOL_SIZE = "jdbc.pool_size";
    /** Option: the SQL dialect, {@code h2} or {@code postgresql}. */
    public static final String DIALECT = "jdbc.dialect";

    /** Option: the longest a call waits for a pooled connection, in milliseconds. */
    public static final String ACQUIRE_TIMEOUT_MS = "jdbc.acquire_timeout_ms";
    /** Option (PostgreSQL): the longest one statement runs, in milliseconds; 0 for no limit. */
    public static final String STATEMENT_TIMEOUT_MS = "jdbc.statement_timeout_ms";
    /** Option: availability failures in a row that open the circuit breaker. */
    public static final String BREAKER_THRESHOLD = "jdbc.breaker_threshold";
    /** Option: how long the open breaker makes calls fail fast, in milliseconds. */
    public static final String BREAKER_COOLDOWN_MS = "jdbc.breaker_cooldown_ms";

    /** The default of {@link #POOL_SIZE}. */
    public static final int DEFAULT_POOL_SIZE = 8;
    /** The default of {@link #ACQUIRE_TIMEOUT_MS}. */
    public static final int DEFAULT_ACQUIRE_TIMEOUT_MS = 500;
    /** The default of {@link #STATEMENT_TIMEOUT_MS}. */
    public static final int DEFAULT_STATEMENT_TIMEOUT_MS = 1000;
    /** The default of {@link #BREAKER_THRESHOLD}. */
    public static final int DEFAULT_BREAKER_THRESHOLD = 3;
    /** The default of {@link #BREAKER_COOLDOWN_MS}. */
    public static final int DEFAULT_BREAKER_COOLDOWN_MS = 5000;
    /** HikariCP's smallest connection and validation timeout. */
    static final int MIN_ACQUIRE_TIMEOUT_MS = 250;

    /** Settings of the default H2 file database: acknowledged writes survive a process kill. */
    static final String H2_FILE_SETTINGS = ";WRITE_DELAY=0";

    /** The file name (without H2's {@code .mv.db}) of the default database in the data directory. */
    static final String H2_FILE_NAME = "records";

    private static final Set<String> OPTIONS = new TreeSet<>(List.of(URL, USER, PASSWORD, POOL_SIZE, DIALECT,
            ACQUIRE_TIMEOUT_MS, STATEMENT_TIMEOUT_MS, BREAKER_THRESHOLD, BREAKER_COOLDOWN_MS));
    private static final Pattern PASSWORD_IN_URL = Pattern.compile("(?i)(password=)[^;&]*");
    private static final AtomicInteger POOLS = new AtomicInteger();

    /** For {@link java.util.ServiceLoader}. */
    public JdbcStoreProvider() {}

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Builds the pool that the options describe and opens a store on it; the store closes the pool.
     *
     * @throws IllegalArgumentException if neither {@code jdbc.url} nor a data directory is set, an
     *     option is unknown or has a bad value, or the database is none of those the store knows
     * @throws StoreException {@code BACKEND} if the database cannot be reached (the message names the
     *     URL, without a password) or its schema cannot be created or upgraded
     */
    @Override
    public RecordStore open(StoreConfig config) {
        Objects.requireNonNull(config, "config");
        checkOptions(config);
        int poolSize = poolSize(config);
        int acquireMs = intOption(config, ACQUIRE_TIMEOUT_MS, DEFAULT_ACQUIRE_TIMEOUT_MS, MIN_ACQUIRE_TIMEOUT_MS);
        int statementMs = intOption(config, STATEMENT_TIMEOUT_MS, DEFAULT_STATEMENT_TIMEOUT_MS, 0);
        breaker(config, Clock.systemUTC()); // checks the breaker's options before connecting
        config.option(DIALECT).ifPresent(SqlDialects::byName);
        String url = url(config);
        String user = config.option(USER).orElse(config.option(URL).isEmpty() ? "sa" : null);
        String password = config.option(PASSWORD).orElse(config.option(URL).isEmpty() ? "" : null);

        List<AutoCloseable> resources = new ArrayList<>();
        try {
            if (url.toLowerCase(Locale.ROOT).startsWith("jdbc:h2:mem:")) {
                resources.add(DriverManager.getConnection(url, user, password));
            }
            HikariConfig hikari = new HikariConfig();
            hikari.setPoolName("jkad-jdbc-" + POOLS.incrementAndGet());
            hikari.setJdbcUrl(url);
            hikari.setUsername(user);
            hikari.setPassword(password);
            hikari.setMaximumPoolSize(poolSize);
            hikari.setMinimumIdle(Math.min(2, poolSize));
            hikari.setAutoCommit(true);
            hikari.setConnectionTimeout(acquireMs);
            hikari.setValidationTimeout(MIN_ACQUIRE_TIMEOUT_MS);
            if (url.toLowerCase(Locale.ROOT).startsWith("jdbc:postgresql:")) {
                postgresTimeouts(hikari, acquireMs, statementMs);
            }
            resources.add(0, new HikariDataSource(hikari));
        } catch (SQLException | RuntimeException e) {
            closeAll(resources, e);
            throw new StoreException(Kind.BACKEND, NAME, "open", redact("cannot connect to " + url + ": "
                    + rootMessage(e)), e);
        }
        // the pool first, then the connection that keeps an in-memory database alive
        AutoCloseable owned = () -> {
            Exception problem = closeAll(resources, null);
            if (problem != null) {
                throw problem;
            }
        };
        return JdbcRecordStore.open((HikariDataSource) resources.get(0), config, owned);
    }

    /**
     * PostgreSQL: {@code statement_timeout} on each new connection (the server cancels a statement
     * that runs longer: SQLSTATE 57014), the driver's socket timeout a second beyond it (a server
     * that cannot be reached cannot cancel anything), and a connect timeout near the acquire timeout
     * for the pool's own connection attempts. Settings in the URL take precedence over these.
     */
    private static void postgresTimeouts(HikariConfig hikari, int acquireMs, int statementMs) {
        if (statementMs > 0) {
            hikari.setConnectionInitSql("SET statement_timeout = " + statementMs);
            hikari.addDataSourceProperty("socketTimeout", Integer.toString(ceilSeconds(statementMs) + 1));
        }
        hikari.addDataSourceProperty("connectTimeout", Integer.toString(ceilSeconds(acquireMs) + 1));
    }

    private static int ceilSeconds(int millis) {
        return (int) ((millis + 999L) / 1000);
    }

    /** The circuit breaker the options describe, on {@code clock}. */
    static CircuitBreaker breaker(StoreConfig config, Clock clock) {
        int threshold = intOption(config, BREAKER_THRESHOLD, DEFAULT_BREAKER_THRESHOLD, 1);
        int cooldownMs = intOption(config, BREAKER_COOLDOWN_MS, DEFAULT_BREAKER_COOLDOWN_MS, 1);
        return new CircuitBreaker(threshold, Duration.ofMillis(cooldownMs), clock);
    }

    /** The whole-number option {@code name}, {@code def} if absent; at least {@code min}. */
    private static int intOption(StoreConfig config, String name, int def, int min) {
        String text = config.option(name).orElse(null);
        if (text == null) {
            return def;
        }
        int value;
        try {
            value = Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number: " + text, e);
        }
        if (value < min) {
            throw new IllegalArgumentException(name + " must be >= " + min + ": " + text);
        }
        return value;
    }

    private static void checkOptions(StoreConfig config) {
        for (String name : config.options().keySet()) {
            if (name.startsWith("jdbc.") && !OPTIONS.contains(name)) {
                throw new IllegalArgumentException("Unknown option " + name + "; the jdbc store's options are "
                        + String.join(", ", OPTIONS));
            }
        }
    }

    private static int poolSize(StoreConfig config) {
        String text = config.option(POOL_SIZE).orElse(null);
        if (text == null) {
            return DEFAULT_POOL_SIZE;
        }
        int size;
        try {
            size = Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(POOL_SIZE + " must be a whole number: " + text, e);
        }
        if (size < 2) {
            throw new IllegalArgumentException(POOL_SIZE + " must be >= 2 (an open iterator holds a connection): " + text);
        }
        return size;
    }

    /** The URL from the options, or the default H2 file database in the data directory. */
    static String url(StoreConfig config) {
        String url = config.option(URL).orElse(null);
        if (url != null) {
            if (url.isBlank()) {
                throw new IllegalArgumentException(URL + " must not be blank");
            }
            return url.strip();
        }
        Path dir = config.dataDirectory().orElseThrow(() -> new IllegalArgumentException(
                "The jdbc store needs " + URL + " or a data directory (StoreConfig.dataDirectory) for its embedded"
                        + " H2 database; neither is set"));
        String file = dir.toAbsolutePath().normalize().resolve(H2_FILE_NAME).toString();
        if (file.contains(";")) {
            throw new IllegalArgumentException("An H2 database path cannot contain ';': " + file
                    + " (set " + URL + " or use another data directory)");
        }
        return "jdbc:h2:file:" + file + H2_FILE_SETTINGS;
    }

    /** {@code text} with the value of any {@code password=} URL parameter blanked out, for messages. */
    static String redact(String text) {
        return PASSWORD_IN_URL.matcher(text).replaceAll("$1***");
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        StringBuilder s = new StringBuilder(String.valueOf(e.getMessage()));
        for (int depth = 0; root.getCause() != null && root.getCause() != root && depth < 5; depth++) {
            root = root.getCause();
            if (root.getMessage() != null && !s.toString().contains(root.getMessage())) {
                s.append(": ").append(root.getMessage());
            }
        }
        return s.toString();
    }

    /**
     * Closes {@code resources} in order, all of them whatever fails. Failures are added to
     * {@code failure}, or without one, the first is returned with the others added to it.
     */
    private static Exception closeAll(List<AutoCloseable> resources, Exception failure) {
        Exception problem = failure;
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception e) {
                if (problem == null) {
                    problem = e;
                } else {
                    problem.addSuppressed(e);
                }
            }
        }
        return problem == failure ? null : problem;
    }
}
