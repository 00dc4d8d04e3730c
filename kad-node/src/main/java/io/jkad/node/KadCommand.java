package io.jkad.node;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code kad} command line: the entry point of the shaded jar. */
@Command(name = "kad", mixinStandardHelpOptions = true, versionProvider = KadCommand.Version.class,
        description = "jkad: a Kademlia DHT for the JVM, wire-compatible with libp2p.",
        footerHeading = "%nOptions from the environment and a file:%n",
        footer = {"Every option --some-name not given on the command line is taken from the environment variable "
                + "JKAD_SOME_NAME, else from the config file (some-name = value), else its default.",
                "%nExit codes: 0 done; 1 the operation failed; 2 a usage or input error; 3 no node at the API address."},
        subcommands = {RunCommand.class, ClientCommands.Put.class, ClientCommands.Get.class, ClientCommands.Provide.class,
                ClientCommands.Providers.class, PeerCommands.Peer.class, PeerCommands.Peers.class,
                PeerCommands.Closest.class, PeerCommands.Id.class, PeerCommands.RoutingTable.class,
                PeerCommands.Status.class, NameCommands.class, DevnetCommand.class, SimCommand.class,
                CommandLine.HelpCommand.class})
public final class KadCommand implements Runnable {

    @CommandLine.Option(names = "--config", paramLabel = "FILE", scope = CommandLine.ScopeType.INHERIT,
            description = "Options from this file (key = value, e.g. data-dir = /var/lib/jkad), where neither the "
                    + "command line nor a JKAD_<OPTION> environment variable sets them (default: "
                    + "$JKAD_CONFIG, else $XDG_CONFIG_HOME/jkad/config if it exists).")
    Path config;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        FatalErrorHandler.install();
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (for tests). */
    public static int run(String... args) {
        return run(System.getenv(), args);
    }

    /** Runs the command line with this environment (for {@code JKAD_…} variables; for tests). */
    static int run(Map<String, String> env, String... args) {
        List<String> rest = new ArrayList<>();
        Optional<Path> config = Optional.empty();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--config") && i + 1 < args.length) {
                config = Optional.of(Path.of(args[++i]));
            } else if (a.startsWith("--config=")) {
                config = Optional.of(Path.of(a.substring("--config=".length())));
            } else {
                rest.add(a);
            }
        }
        CommandLine cl = new CommandLine(new KadCommand());
        cl.setParameterExceptionHandler(KadCommand::usageError);
        try {
            OptionDefaults defaults = OptionDefaults.load(env, config);
            defaults.checkKeys(cl);
            cl.setDefaultValueProvider(defaults);
        } catch (IllegalArgumentException e) {
            System.err.println("kad: " + e.getMessage());
            return EXIT_USAGE;
        }
        return cl.execute(rest.toArray(String[]::new));
    }

    /** Exit code of a usage or input error. */
    static final int EXIT_USAGE = 2;

    /** A usage or input error: one line naming the command and the problem, and where help is. */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine c = e.getCommandLine();
        String name = c.getCommandSpec().qualifiedName();
        System.err.println(name + ": " + e.getMessage() + " (see '" + name + " --help')");
        return EXIT_USAGE;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /**
     * Parses a {@code --log-level} value.
     *
     * @throws CommandLine.ParameterException if it is not one
     */
    static LogSetup.Levels logLevels(CommandLine.Model.CommandSpec spec, String logLevel) {
        try {
            return LogSetup.parse(logLevel);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /**
     * Checks a {@code --log-format} value.
     *
     * @throws CommandLine.ParameterException unless text or json
     */
    static String logFormat(CommandLine.Model.CommandSpec spec, String format) {
        try {
            return LogSetup.format(format);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** The jar's version ("dev" when run from classes). */
    static String version() {
        String v = KadCommand.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"jkad " + version()};
        }
    }
}
