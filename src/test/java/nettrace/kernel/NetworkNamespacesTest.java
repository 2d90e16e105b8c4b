package nettrace.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import nettrace.kernel.NetworkNamespaces.Namespace;
import org.junit.jupiter.api.Test;

class NetworkNamespacesTest {
    @Test
    void madeUpNamespacesAreNamedFromTheirInodeAndRemembered() {
        NetworkNamespaces namespaces = NetworkNamespaces.madeUp();

        assertThat(namespaces.of(4026531840L)).isEqualTo(new Namespace(4026531840L, "inode 4026531840", ""));
        assertThat(namespaces.of(4026531841L))
                .isEqualTo(new Namespace(4026531841L, "ns-4026531841", "ip netns exec ns-4026531841 "));
        assertThat(namespaces.of(4026531841L)).isSameAs(namespaces.of(4026531841L));
        assertThat(namespaces.of(0)).isEqualTo(new Namespace(0, "unknown", ""))
                .isEqualTo(new NetworkNamespaces().of(0));
    }
}
