package nettrace.output;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ConsoleTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Console console = new Console(out, new PrintStream(new ByteArrayOutputStream()));

    private String written() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void keepsLinesUntilFlushed() {
        console.line("first");
        console.line(new StringBuilder("second"));
        assertThat(written()).isEmpty();
        console.flush();
        assertThat(written()).isEqualTo("first\nsecond\n");
    }

    @Test
    void encodesNonAsciiNamesAsUtf8() {
        console.line("ok");
        console.line("task wörker-ç 中");
        console.line("after");
        console.flush();
        assertThat(written()).isEqualTo("ok\ntask wörker-ç 中\nafter\n");
    }

    @Test
    void linesCrossingTheBufferEndAreWrittenWholeAndInOrder() {
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            String text = (i % 7 == 0 ? "é" : "") + "line " + i + " " + "x".repeat(i % 90);
            console.line(text);
            expected.append(text).append('\n');
        }
        console.flush();
        assertThat(written()).isEqualTo(expected.toString());
    }

    @Test
    void aLineLongerThanTheBufferIsWrittenDirectly() {
        String ascii = "a".repeat(200_000);
        String wide = "ü".repeat(70_000);
        console.line("before");
        console.line(ascii);
        console.line(wide);
        console.lineNow("after");
        assertThat(written()).isEqualTo("before\n" + ascii + "\n" + wide + "\nafter\n");
    }

    @Test
    void encodedLinesOfAnyLengthKeepTheirOrderWithTextLines() {
        byte[] encoded = "{\"name\":\"wörker\"} and more".getBytes(StandardCharsets.UTF_8);
        byte[] huge = "b".repeat(100_000).getBytes(StandardCharsets.UTF_8);
        console.line("text");
        console.line(encoded, 18);
        console.line(huge, huge.length);
        console.line(encoded, encoded.length);
        console.flush();
        assertThat(written()).isEqualTo("text\n{\"name\":\"wörker\"}\n" + "b".repeat(100_000) + "\n"
                + "{\"name\":\"wörker\"} and more\n");
    }
}
