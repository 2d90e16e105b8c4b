package nettrace.cli;

import picocli.CommandLine.IVersionProvider;

/** The version from the jar's manifest (set by Maven), "dev" when run from classes. */
public final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = NettraceCommand.class.getPackage().getImplementationVersion();
        return new String[] {"nettrace " + (version == null ? "dev" : version)};
    }
}
