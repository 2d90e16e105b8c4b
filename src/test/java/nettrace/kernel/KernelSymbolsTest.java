package nettrace.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KernelSymbolsTest {
    private static final KernelSymbols SYMBOLS = KernelSymbols.parse("""
            ffffffff81000000 T _stext
            ffffffff81f2af50 T nf_hook_slow
            ffffffff81f2b100 t nf_hook_slow_list
            ffffffff81e66fe0 t __netif_receive_skb_core.constprop.0
            ffffffff81ff8c00 T ip_rcv
            ffffffff81ff9000 t ip_rcv_core.isra.0
            ffffffff81ff9400 t ip_rcv_core.part.0
            ffffffff82000000 D some_data
            ffffffffc0a01000 t nft_do_chain\t[nf_tables]
            """);

    @Test
    void describesAnAddressAsSymbolPlusOffset() {
        assertThat(SYMBOLS.describe(0xffffffff81f2afe6L)).isEqualTo("nf_hook_slow+0x96");
        assertThat(SYMBOLS.describe(0xffffffff81ff8c00L)).isEqualTo("ip_rcv+0x0");
        assertThat(SYMBOLS.describe(0xffffffffc0a01010L)).isEqualTo("nft_do_chain+0x10");
    }

    @Test
    void aFunctionsSpanEndsWhereTheNextSymbolStarts() {
        KernelSymbols.Span span = SYMBOLS.span("nf_hook_slow").orElseThrow();
        assertThat(span).isEqualTo(new KernelSymbols.Span(0xffffffff81f2af50L, 0xffffffff81f2b100L));
        assertThat(span.contains(0xffffffff81f2afe6L)).isTrue();
        assertThat(span.contains(0xffffffff81f2b100L)).isFalse();
        assertThat(SYMBOLS.span("nft_do_chain").orElseThrow().end()).isEqualTo(0xffffffffc0a01000L + (1 << 20));
        assertThat(SYMBOLS.span("no_such_function")).isEmpty();
    }

    @Test
    void addressesNoSymbolCoversStayNumeric() {
        assertThat(SYMBOLS.describe(0x1000)).isEqualTo("0x1000");
        assertThat(SYMBOLS.describe(0xffffffffc0a01000L + (1 << 20))).isEqualTo("0xffffffffc0b01000");
    }

    @Test
    void resolvesCompilerClonesOnlyWhenUnambiguous() {
        assertThat(SYMBOLS.resolve("ip_rcv")).contains("ip_rcv");
        assertThat(SYMBOLS.resolve("__netif_receive_skb_core")).contains("__netif_receive_skb_core.constprop.0");
        assertThat(SYMBOLS.resolve("ip_rcv_core")).isEmpty();
        assertThat(SYMBOLS.variants("ip_rcv_core")).containsExactly("ip_rcv_core.isra.0", "ip_rcv_core.part.0");
        assertThat(SYMBOLS.resolve("no_such_function")).isEmpty();
        assertThat(SYMBOLS.resolve("some_data")).isEmpty();
    }

    @Test
    void moduleSymbolsAreKnownByNameAndModule() {
        assertThat(SYMBOLS.exists("nft_do_chain")).isTrue();
        assertThat(SYMBOLS.module("nft_do_chain")).contains("nf_tables");
        assertThat(SYMBOLS.module("ip_rcv")).isEmpty();
        assertThat(SYMBOLS.exists("nf_hook_slow_list")).isTrue();
        assertThat(SYMBOLS.exists("nf_hook")).isFalse();
    }
}
