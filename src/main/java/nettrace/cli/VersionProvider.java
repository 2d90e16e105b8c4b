package nettrace.cli;

import nettrace.Version;
import picocli.CommandLine.IVersionProvider;

/** nettrace --version: this build's version. */
public final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {Version.application()};
    }
}
