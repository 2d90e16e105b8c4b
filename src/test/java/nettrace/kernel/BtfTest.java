package nettrace.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import nettrace.NettraceException;
import nettrace.testing.BpfObjectFile;
import org.junit.jupiter.api.Test;

class BtfTest {
    private static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");

    @Test
    void readsFunctionPrototypesOfTheRunningKernel() {
        assumeTrue(Files.isReadable(VMLINUX), "no kernel BTF on this machine");
        Btf btf = Btf.read(VMLINUX);
        var parameters = btf.functionParameters("ip_rcv").orElseThrow();
        assertThat(parameters.getFirst().typeName()).isEqualTo("struct sk_buff *");
        assertThat(parameters.getFirst().name()).isEqualTo("skb");
        assertThat(btf.tracepointParameters("kfree_skb").orElseThrow().getFirst().typeName())
                .isEqualTo("struct sk_buff *");
        assertThat(btf.find("no_such_function_here", Btf.Kind.FUNC)).isEmpty();
    }

    @Test
    void everyNamedTypeOfTheRunningKernelIsFoundByItsNameAndKind() {
        assumeTrue(Files.isReadable(VMLINUX), "no kernel BTF on this machine");
        Btf btf = Btf.read(VMLINUX);
        int named = 0;
        for (int id = 1; id <= btf.lastId(); id++) {
            String name = btf.name(id);
            Btf.Kind kind = btf.kind(id);
            if (name.isEmpty() || kind == Btf.Kind.VOID) {
                continue;
            }
            named++;
            int found = btf.find(name, kind).orElseThrow(() -> new AssertionError(kind + " " + name + " not found"));
            assertThat(btf.name(found)).isEqualTo(name);
            assertThat(btf.kind(found)).isEqualTo(kind);
            assertThat(found).as("the first of equal names").isLessThanOrEqualTo(id);
        }
        assertThat(named).isGreaterThan(10_000);
        assertThat(btf.names(Btf.Kind.FUNC)).contains("ip_rcv", "ip_rcv_finish").doesNotContain("sk_buff");
    }

    @Test
    void flattensAnonymousMembers() {
        assumeTrue(Files.isReadable(VMLINUX), "no kernel BTF on this machine");
        Btf btf = Btf.read(VMLINUX);
        assertThat(btf.structMembers("sk_buff")).extracting(Btf.Member::name)
                .contains("head", "data", "network_header", "mac_header", "protocol", "dev");
    }

    @Test
    void readsTheBtfOfOurOwnObject() {
        Btf object = BpfObjectFile.btf();
        assertThat(object.find("nt_event", Btf.Kind.STRUCT)).isPresent();
        assertThat(object.typeName(object.find("nt_event", Btf.Kind.STRUCT).orElseThrow())).isEqualTo(
                "struct nt_event");
    }

    @Test
    void rejectsFilesThatAreNotBtf() throws Exception {
        Path notBtf = Files.createTempFile("nettrace", ".btf");
        Files.writeString(notBtf, "this is not BTF at all, just text");
        try {
            assertThatThrownBy(() -> Btf.read(notBtf)).isInstanceOf(NettraceException.class)
                    .hasMessageContaining("is not BTF");
        } finally {
            Files.delete(notBtf);
        }
    }
}
