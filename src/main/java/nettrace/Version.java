package nettrace;

/** This build's version, from the jar's manifest (set by Maven); "dev" when run from classes. */
public final class Version {
    private Version() {
    }

    public static String number() {
        String version = Version.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }

    /** "nettrace 0.1.0": how records and captures name their maker. */
    public static String application() {
        return "nettrace " + number();
    }
}
