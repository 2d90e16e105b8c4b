package nettrace.tracer;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A diagnosis rule of a tracer: when its condition holds for an event, the event carries a
 * finding with this level, message and advice.
 *
 * @param condition what must hold; "any" always does
 */
public record Rule(Condition condition, Level level, String message, Optional<String> advice) {

    /** Severity of a finding, in increasing order. */
    public enum Level {
        INFO, WARN, ERROR;

        public static Level parse(String text) {
            return valueOf(text.strip().toUpperCase(Locale.ROOT));
        }
    }

    /** "any", or "ret OP VALUE" with OP one of == != < <= > >= and VALUE an integer or NULL. */
    public record Condition(String operator, long value) {
        private static final Pattern SYNTAX = Pattern.compile(
                "ret\\s*(==|!=|<=|>=|<|>)\\s*(-?(?:0x[0-9a-fA-F]+|\\d+)|NULL)");
        public static final Condition ANY = new Condition("any", 0);

        public static Condition parse(String text) {
            String trimmed = text.strip();
            if (trimmed.equals("any")) {
                return ANY;
            }
            Matcher matcher = SYNTAX.matcher(trimmed);
            if (!matcher.matches()) {
                throw new IllegalArgumentException("bad rule condition '" + text
                        + "': expected 'any' or 'ret OP VALUE' (OP: == != < <= > >=)");
            }
            String literal = matcher.group(2);
            long value;
            if (literal.equals("NULL")) {
                value = 0;
            } else if (literal.startsWith("-0x")) {
                value = -Long.parseLong(literal.substring(3), 16);
            } else if (literal.startsWith("0x")) {
                value = Long.parseLong(literal.substring(2), 16);
            } else {
                value = Long.parseLong(literal);
            }
            return new Condition(matcher.group(1), value);
        }

        /** True when this condition only needs an event, not a return value. */
        public boolean isAny() {
            return operator.equals("any");
        }

        /** Tests the return value: "ret < 0" holds for ret = -1. */
        public boolean test(long ret) {
            return switch (operator) {
                case "any" -> true;
                case "==" -> ret == value;
                case "!=" -> ret != value;
                case "<" -> ret < value;
                case "<=" -> ret <= value;
                case ">" -> ret > value;
                case ">=" -> ret >= value;
                default -> throw new IllegalStateException(operator);
            };
        }

        @Override
        public String toString() {
            return isAny() ? "any" : "ret " + operator + " " + value;
        }
    }
}
