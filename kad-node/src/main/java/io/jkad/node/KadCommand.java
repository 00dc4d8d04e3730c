package io.jkad.node;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code kad} command line: the entry point of the shaded jar. */
@Command(name = "kad", mixinStandardHelpOptions = true, versionProvider = KadCommand.Version.class,
        description = "jkad: a Kademlia DHT for the JVM, wire-compatible with libp2p.",
        subcommands = {SimCommand.class, DevnetCommand.class, CommandLine.HelpCommand.class})
public final class KadCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (for tests). */
    public static int run(String... args) {
        return new CommandLine(new KadCommand()).execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = KadCommand.class.getPackage().getImplementationVersion();
            return new String[] {"jkad " + (v == null ? "dev" : v)};
        }
    }
}
