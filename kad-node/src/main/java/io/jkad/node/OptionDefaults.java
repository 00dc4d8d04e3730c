package io.jkad.node;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Where an option not given on the command line takes its value from, in order: the environment
 * ({@code --data-dir} from {@code JKAD_DATA_DIR}: {@code JKAD_}, the long name in capitals, dashes
 * as underscores), then the config file ({@code data-dir = /var/lib/jkad}, Java properties syntax,
 * list values separated by commas), then the option's own default. The config file is the one
 * {@code --config FILE} or {@code JKAD_CONFIG} names, else {@code $XDG_CONFIG_HOME/jkad/config}
 * (or {@code ~/.config/jkad/config}) when it exists.
 *
 * <p>The default data directory is {@code $XDG_DATA_HOME/jkad}, or {@code ~/.local/share/jkad}.
 */
final class OptionDefaults implements CommandLine.IDefaultValueProvider {

    static final String ENV_PREFIX = "JKAD_";

    private final Map<String, String> env;
    private final Optional<Path> configFile;
    private final Properties config;

    private OptionDefaults(Map<String, String> env, Optional<Path> configFile, Properties config) {
        this.env = env;
        this.configFile = configFile;
        this.config = config;
    }

    /**
     * Reads the config file, if any.
     *
     * @param explicitConfig the file {@code --config} names, if given
     * @throws IllegalArgumentException if a named config file is missing or unreadable
     */
    static OptionDefaults load(Map<String, String> env, Optional<Path> explicitConfig) {
        Optional<Path> named = explicitConfig.or(() -> Optional.ofNullable(env.get(ENV_PREFIX + "CONFIG"))
                .filter(s -> !s.isBlank()).map(Path::of));
        Optional<Path> file = named.or(() -> Optional.of(defaultConfigFile(env)).filter(Files::isRegularFile));
        Properties p = new Properties();
        if (file.isPresent()) {
            try (Reader r = Files.newBufferedReader(file.get(), StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read the config file " + file.get() + ": " + e.getMessage());
            }
        }
        return new OptionDefaults(env, file, p);
    }

    /** {@code $XDG_CONFIG_HOME/jkad/config}, or {@code ~/.config/jkad/config}. */
    static Path defaultConfigFile(Map<String, String> env) {
        return xdg(env, "XDG_CONFIG_HOME", ".config").resolve("jkad").resolve("config");
    }

    /** {@code $XDG_DATA_HOME/jkad}, or {@code ~/.local/share/jkad}. */
    static Path defaultDataDir(Map<String, String> env) {
        return xdg(env, "XDG_DATA_HOME", ".local/share").resolve("jkad");
    }

    private static Path xdg(Map<String, String> env, String variable, String underHome) {
        String set = env.get(variable);
        if (set != null && !set.isBlank() && Path.of(set).isAbsolute()) {
            return Path.of(set);
        }
        return Path.of(System.getProperty("user.home")).resolve(underHome);
    }

    /** The environment variable of an option: {@code --data-dir} → {@code JKAD_DATA_DIR}. */
    static String envName(OptionSpec option) {
        return ENV_PREFIX + key(option).toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** The config file key of an option: its long name without the dashes. */
    static String key(OptionSpec option) {
        return option.longestName().replaceFirst("^-+", "");
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option) || option.usageHelp() || option.versionHelp()
                || "--config".equals(option.longestName())) {
            return null;
        }
        String fromEnv = env.get(envName(option));
        if (fromEnv != null) {
            return fromEnv;
        }
        String fromFile = config.getProperty(key(option));
        if (fromFile != null) {
            return fromFile.strip();
        }
        if ("--data-dir".equals(option.longestName()) && option.command().name().equals("run")) {
            return defaultDataDir(env).toString();
        }
        return null;
    }

    /**
     * Checks that every key of the config file names an option of some command, so that a typo is
     * an error, not a setting silently ignored.
     *
     * @throws IllegalArgumentException naming the unknown keys
     */
    void checkKeys(CommandLine root) {
        Set<String> known = new TreeSet<>();
        collect(root, known);
        Set<String> unknown = new TreeSet<>(config.stringPropertyNames());
        unknown.removeAll(known);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("the config file " + configFile.map(Path::toString).orElse("?")
                    + " sets options no command has: " + String.join(", ", unknown));
        }
    }

    private static void collect(CommandLine c, Set<String> known) {
        for (OptionSpec o : c.getCommandSpec().options()) {
            known.add(key(o));
        }
        c.getSubcommands().values().forEach(sub -> collect(sub, known));
    }
}
