package nettrace.cli;

import nettrace.NettraceException;

/** Parsing of numeric option values, with messages that name the option. */
final class OptionValues {
    private OptionValues() {
    }

    static int port(String text, String option) {
        long value = number(text, option, "a port number (1-65535)");
        if (value < 1 || value > 65535) {
            throw NettraceException.badInput(option + ": port out of range (1-65535): '" + text + "'");
        }
        return (int) value;
    }

    static long positiveLong(String text, String option) {
        long value = number(text, option, "a positive number");
        if (value < 1) {
            throw NettraceException.badInput(option + ": expected a positive number, got '" + text + "'");
        }
        return value;
    }

    static long number(String text, String option, String expected) {
        String digits = text.strip();
        if (!digits.matches("-?\\d{1,18}")) {
            throw NettraceException.badInput(option + ": expected " + expected + ", got '" + text + "'");
        }
        return Long.parseLong(digits);
    }
}
