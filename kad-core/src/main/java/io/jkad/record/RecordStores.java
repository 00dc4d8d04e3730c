package io.jkad.record;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens record stores by backend name through {@link ServiceLoader}.
 *
 * <p>Selection is always explicit: there is no default and no fallback. A provider class that is
 * registered but cannot be loaded or instantiated is logged as a warning and, when the requested
 * name is not found, named in the exception (a broken jar must not pass for a missing one).
 * The methods without a class loader use the thread's context class loader, as
 * {@link ServiceLoader#load(Class)} does.
 */
public final class RecordStores {

    private static final Logger LOG = LoggerFactory.getLogger(RecordStores.class);

    /** The backends jkad ships, each in artifact {@code io.jkad:kad-store-<name>}. */
    private static final List<String> JKAD_BACKENDS = List.of("memory", "rocksdb", "jdbc");

    /** Stop reading a broken service configuration after this many consecutive failures. */
    private static final int MAX_FAILURES = 64;

    private RecordStores() {}

    /**
     * Opens the store of the backend named {@code name}.
     *
     * @throws IllegalArgumentException if no backend has that name (the message lists the names
     *     found, the providers that failed to load, and the artifact to add) or several do (the
     *     message names their classes)
     * @throws StoreException what {@link RecordStoreProvider#open} throws
     */
    public static RecordStore open(String name, StoreConfig config) {
        Objects.requireNonNull(config, "config");
        return provider(name).open(config);
    }

    /** {@link #open(String, StoreConfig)} with the providers that {@code loader} sees. */
    public static RecordStore open(String name, StoreConfig config, ClassLoader loader) {
        Objects.requireNonNull(config, "config");
        return provider(name, loader).open(config);
    }

    /** The provider named {@code name}, with the same errors as {@link #open}. */
    public static RecordStoreProvider provider(String name) {
        return provider(name, Thread.currentThread().getContextClassLoader());
    }

    /** The provider named {@code name} among those that {@code loader} sees (null: the system class loader). */
    public static RecordStoreProvider provider(String name, ClassLoader loader) {
        Objects.requireNonNull(name, "name");
        Loaded loaded = load(loader);
        List<RecordStoreProvider> matches = loaded.providers.stream()
                .filter(p -> name.equals(p.name))
                .map(p -> p.provider)
                .collect(Collectors.toList());
        if (matches.size() == 1) {
            return matches.get(0);
        }
        if (matches.size() > 1) {
            String classes = matches.stream().map(p -> p.getClass().getName()).collect(Collectors.joining(", "));
            throw new IllegalArgumentException(matches.size() + " RecordStore providers are named '" + name + "': "
                    + classes + ". Keep only one of them on the classpath.");
        }
        IllegalArgumentException e = new IllegalArgumentException(notFoundMessage(name, loaded));
        loaded.failures.forEach(e::addSuppressed);
        throw e;
    }

    /** The names of the backends on the class path, sorted, each once. */
    public static List<String> names() {
        return names(Thread.currentThread().getContextClassLoader());
    }

    /** The names of the backends that {@code loader} sees (null: the system class loader), sorted, each once. */
    public static List<String> names(ClassLoader loader) {
        return List.copyOf(load(loader).names());
    }

    private static String notFoundMessage(String name, Loaded loaded) {
        StringBuilder m = new StringBuilder("No RecordStore named '").append(name).append("'; found ")
                .append(loaded.names()).append('.');
        if (JKAD_BACKENDS.contains(name)) {
            m.append(" Add io.jkad:kad-store-").append(name).append(" to the classpath.");
        } else {
            String near = nearest(name, loaded.names());
            if (near != null) {
                m.append(" Did you mean '").append(near).append("'?");
            }
            m.append(" jkad's backends are ").append(String.join(", ", JKAD_BACKENDS))
                    .append(": add io.jkad:kad-store-<name> to the classpath.");
        }
        if (!loaded.failures.isEmpty()) {
            m.append(' ').append(loaded.failures.size()).append(loaded.failures.size() == 1 ? " provider" : " providers")
                    .append(" failed to load: ")
                    .append(loaded.failures.stream().map(RecordStores::describe).collect(Collectors.joining("; ")));
        }
        return m.toString();
    }

    /** The throwable's message followed by its causes (at most a few). */
    private static String describe(Throwable t) {
        StringBuilder s = new StringBuilder(String.valueOf(t.getMessage()));
        Throwable c = t.getCause();
        for (int depth = 0; c != null && depth < 4; depth++, c = c.getCause()) {
            s.append(" (caused by ").append(c).append(')');
        }
        return s.toString();
    }

    /** The found name closest to {@code name} (ignoring case) within two edits, if any. */
    private static String nearest(String name, Set<String> found) {
        String best = null;
        int bestDistance = 3;
        for (String candidate : found) {
            int d = editDistance(name.toLowerCase(java.util.Locale.ROOT), candidate.toLowerCase(java.util.Locale.ROOT));
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best;
    }

    /** Levenshtein distance with adjacent transpositions counted as one edit. */
    static int editDistance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    v = Math.min(v, d[i - 2][j - 2] + 1);
                }
                d[i][j] = v;
            }
        }
        return d[a.length()][b.length()];
    }

    private record Named(String name, RecordStoreProvider provider) {}

    private record Loaded(List<Named> providers, List<Throwable> failures) {
        Set<String> names() {
            return providers.stream().map(Named::name).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /**
     * Instantiates every registered provider, collecting (and logging) those that fail instead of
     * stopping at the first or skipping them silently.
     */
    private static Loaded load(ClassLoader loader) {
        ServiceLoader<RecordStoreProvider> serviceLoader = ServiceLoader.load(RecordStoreProvider.class, loader);
        Iterator<RecordStoreProvider> it = serviceLoader.iterator();
        List<Named> providers = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();
        int consecutiveFailures = 0;
        while (consecutiveFailures < MAX_FAILURES) {
            RecordStoreProvider provider;
            try {
                if (!it.hasNext()) {
                    break;
                }
                provider = it.next();
            } catch (ServiceConfigurationError | LinkageError e) {
                failures.add(e);
                consecutiveFailures++;
                continue;
            }
            consecutiveFailures = 0;
            String name;
            try {
                name = provider.name();
            } catch (RuntimeException | LinkageError e) {
                failures.add(new ServiceConfigurationError(
                        "RecordStoreProvider " + provider.getClass().getName() + ": name() failed", e));
                continue;
            }
            if (name == null || name.isBlank()) {
                failures.add(new ServiceConfigurationError(
                        "RecordStoreProvider " + provider.getClass().getName() + " has no name: " + name));
                continue;
            }
            providers.add(new Named(name, provider));
        }
        for (Throwable f : failures) {
            LOG.warn("A RecordStoreProvider failed to load and is not available: {}", describe(f), f);
        }
        return new Loaded(providers, failures);
    }
}
