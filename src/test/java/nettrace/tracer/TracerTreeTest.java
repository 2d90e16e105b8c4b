package nettrace.tracer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import nettrace.NettraceException;
import nettrace.kernel.Btf;
import org.junit.jupiter.api.Test;

/** The shipped tracer tree (src/main/resources/nettrace/tracers.yaml) is well formed and fits SPEC §2. */
class TracerTreeTest {
    private static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");
    private final TracerTree tree = TracerTree.load();

    @Test
    void holdsTheWholeTreeOfTheSpec() {
        assertThat(tree.roots()).extracting(TracerGroup::name)
                .containsExactly("link", "packet", "netfilter", "ip", "tcp", "udp", "icmp", "socket", "rtt", "life");
        for (String group : List.of("link-in", "link-out", "sched", "ipvlan", "bridge", "arp", "bonding", "vxlan",
                "vlan", "ovs", "pkt-in", "pkt-output", "conntrack", "ip-in", "ip-out", "xfrm", "esp", "ip-route",
                "tcp-in", "tcp-out", "tcp-state", "tcp-congestion", "tcp-send", "tcp-retrans")) {
            assertThat(tree.group(group)).as(group).isPresent();
        }
        assertThat(tree.group("life").orElseThrow().tracers()).extracting(Tracer::name)
                .contains("skb_clone", "consume_skb", "kfree_skb", "__kfree_skb", "kfree_skb_partial",
                        "skb_attempt_defer_free", "sk_skb_reason_drop", "skb_copy_datagram_iovec");
        assertThat(tree.all()).hasSizeGreaterThanOrEqualTo(150);
    }

    @Test
    void everyTracerHasAMechanismAndAValidArgument() {
        for (Tracer tracer : tree.all()) {
            assertThat(tracer.hasFunction() || tracer.tracepoint().isPresent()).as(tracer.name()).isTrue();
            if (tracer.hasFunction()) {
                assertThat(tracer.argument()).as(tracer.name()).isBetween(0, tracer.sockArgument() ? 2 : 4);
            }
        }
    }

    @Test
    void everyRuleParsesAndEveryMessageIsThere() {
        // parsing happened in load(); here: what the rules say is complete
        for (Tracer tracer : tree.all()) {
            for (Rule rule : tracer.rules()) {
                assertThat(rule.message()).as(tracer.name()).isNotBlank();
                assertThat(Rule.Condition.parse(rule.condition().toString())).isEqualTo(rule.condition());
            }
        }
    }

    @Test
    void theSpecsRulesAreAllPresent() {
        assertRule("enqueue_to_backlog", "ret != 0", Rule.Level.ERROR, "failed to enqueue to CPU backlog");
        assertRule("netif_receive_generic_xdp", "ret == 1", Rule.Level.ERROR, "packet is dropped by XDP program");
        assertRule("netif_receive_generic_xdp", "ret == 3", Rule.Level.INFO, "packet is transmitted by XDP program");
        assertRule("netif_receive_generic_xdp", "ret == 4", Rule.Level.INFO, "packet is redirected by XDP program");
        assertRule("xdp_do_generic_redirect", "ret != 0", Rule.Level.ERROR, "XDP failed to redirect skb");
        assertRule("__dev_queue_xmit", "ret != 0", Rule.Level.ERROR, "failed to queue packet to qdisc");
        assertRule("dev_hard_start_xmit", "any", Rule.Level.INFO, "skb is successfully sent to the NIC driver");
        for (String bridge : List.of("br_nf_pre_routing", "br_nf_forward_ip", "br_nf_forward_arp", "br_nf_post_routing")) {
            assertRule(bridge, "ret == 0", Rule.Level.ERROR, "packet is dropped (bridge netfilter)");
            assertRule(bridge, "ret == 1", Rule.Level.INFO, "packet is accepted (bridge netfilter)");
        }
        assertRule("ipt_do_table", "ret == 0", Rule.Level.ERROR, "packet is dropped by iptables/iptables-legacy");
        assertRule("nft_do_chain", "ret == 0", Rule.Level.ERROR, "packet is dropped by iptables/iptables-nft");
        assertRule("nf_nat_manip_pkt", "any", Rule.Level.WARN, "NAT happens (packet address will change)");
        assertRule("nf_hook_slow", "ret == -1", Rule.Level.ERROR, "packet is dropped by netfilter (NF_DROP)");
        assertRule("tcp_in_window", "ret == 0", Rule.Level.WARN, "conntrack window check failed (packet out of order)");
        assertRule("fib_validate_source", "ret < 0", Rule.Level.ERROR, "source address validation failed (likely rp_filter)");
        assertRule("ip_route_input_slow", "ret != 0", Rule.Level.ERROR, "failed to route packet in input path");
        assertRule("tcp_send_reset", "any", Rule.Level.ERROR, "connection reset initiated by transport layer (TCP stack, skb)");
        assertRule("tcp_send_active_reset", "any", Rule.Level.ERROR, "connection reset initiated by application (active close, sk)");
        assertRule("__inet_lookup_listener", "ret == 0", Rule.Level.WARN, "tcp port is not listened");
        assertRule("inet6_lookup_listener", "ret == 0", Rule.Level.WARN, "tcp port is not listened");
        assertRule("tcp_bad_csum", "any", Rule.Level.ERROR, "TCP packet has bad checksum");
        assertRule("ping_lookup", "ret == 0", Rule.Level.WARN, "icmp socket is not found");
        assertRule("tcp_retransmit_timer", "any", Rule.Level.WARN, "TCP retransmission timer out");
        assertRule("tcp_enter_recovery", "any", Rule.Level.WARN, "TCP enters congestion recovery");
        assertRule("tcp_enter_loss", "any", Rule.Level.WARN, "TCP enters congestion loss");
        assertRule("tcp_dsack_set", "any", Rule.Level.WARN, "spurious retransmission happened");
        assertRule("skb_clone", "any", Rule.Level.INFO, "packet is cloned");
        assertRule("consume_skb", "any", Rule.Level.INFO, "packet is freed (normally)");
        assertRule("kfree_skb", "any", Rule.Level.ERROR, "packet is dropped by kernel");
    }

    private void assertRule(String tracer, String condition, Rule.Level level, String message) {
        Tracer found = tree.tracer(tracer).orElseThrow(() -> new AssertionError("no tracer " + tracer));
        assertThat(found.rules()).as(tracer)
                .contains(new Rule(Rule.Condition.parse(condition), level, message,
                        found.rules().stream().filter(r -> r.message().equals(message)
                                && r.condition().equals(Rule.Condition.parse(condition)))
                                .map(Rule::advice).findFirst().orElse(java.util.Optional.empty())));
    }

    @Test
    void deviceSpecificGroupsAreOffByDefaultExceptTcpInWindow() {
        List<String> defaults = tree.select(List.of(), List.of()).stream().map(Tracer::name).toList();
        assertThat(defaults).contains("netif_receive_skb", "ip_rcv", "kfree_skb", "nf_hook_slow", "tcp_in_window")
                .doesNotContain("br_nf_pre_routing", "ipvlan_queue_xmit", "nf_conntrack_in", "sk_skb_reason_drop")
                .doesNotContain("inet_sock_set_state", "tcp_probe");
        assertThat(tree.select(List.of("bridge"), List.of())).extracting(Tracer::name).contains("br_nf_pre_routing");
    }

    @Test
    void modeOnlyGroupsBelongToTheirModes() {
        assertThat(tree.select(List.of("all"), List.of(), "sock")).extracting(Tracer::name)
                .contains("inet_sock_set_state", "tcp_retransmit_timer").doesNotContain("ip_rcv", "tcp_probe");
        assertThat(tree.select(List.of("all"), List.of(), "rtt")).extracting(Tracer::name).containsExactly("tcp_probe");
    }

    @Test
    void selectionByGroupLeafAndExclusion() {
        assertThat(tree.select(List.of("ip-in", "tcp_v4_rcv"), List.of("ip_forward"))).extracting(Tracer::name)
                .contains("ip_rcv", "ipv6_rcv", "tcp_v4_rcv").doesNotContain("ip_forward", "ip_output");
        assertThatThrownBy(() -> tree.select(List.of("no_such_tracer"), List.of()))
                .isInstanceOf(NettraceException.class).hasMessageContaining("unknown tracer or group 'no_such_tracer'");
    }

    @Test
    void namesUsedTwiceAreRejected() {
        assertThatThrownBy(() -> TracerTree.parse("""
                groups:
                  - name: a
                    children:
                      - {name: ip_rcv, skb: 0}
                      - {name: ip_rcv, skb: 0}
                """)).hasMessageContaining("name used twice: ip_rcv");
    }

    @Test
    void headersCanOnlyBeSaidToBeUnwritten() {
        TracerTree parsed = TracerTree.parse("""
                groups:
                  - name: a
                    children:
                      - {name: udp_send_skb, skb: 0, headers: unwritten}
                      - {name: ip_output, skb: 2}
                """);
        assertThat(parsed.tracer("udp_send_skb").orElseThrow().headersUnwritten()).isTrue();
        assertThat(parsed.tracer("ip_output").orElseThrow().headersUnwritten()).isFalse();
        assertThatThrownBy(() -> TracerTree.parse("""
                groups:
                  - name: a
                    children:
                      - {name: udp_send_skb, skb: 0, headers: written}
                """)).hasMessageContaining("headers can only be 'unwritten'");
    }

    /** SPEC §2's tracepoints: each one with a packet or socket argument is a tracer of the tree. */
    private static final List<String> SPEC_TRACEPOINTS = List.of("net:netif_receive_skb",
            "net:napi_gro_receive_entry", "net:net_dev_queue", "net:net_dev_start_xmit", "net:net_dev_xmit",
            "net:netif_rx", "qdisc:qdisc_enqueue", "qdisc:qdisc_dequeue", "skb:kfree_skb", "skb:consume_skb",
            "skb:skb_copy_datagram_iovec", "tcp:tcp_retransmit_skb", "tcp:tcp_send_reset", "tcp:tcp_receive_reset",
            "tcp:tcp_bad_csum", "tcp:tcp_probe", "sock:inet_sock_set_state", "udp:udp_fail_queue_rcv_skb",
            "icmp:icmp_send");
    /** Also in SPEC §2's list, but their events carry neither an skb nor a sock to follow or filter. */
    private static final List<String> SPEC_TRACEPOINTS_WITHOUT_PACKET = List.of("fib:fib_table_lookup",
            "neigh:neigh_create", "neigh:neigh_update", "neigh:neigh_update_done", "neigh:neigh_timer_handler",
            "neigh:neigh_event_send_done", "neigh:neigh_event_send_dead", "neigh:neigh_cleanup_and_release");

    @Test
    void everyTracepointOfTheSpecWithAPacketIsATracer() {
        List<String> inTree = tree.all().stream().flatMap(t -> t.tracepoint().stream()).toList();
        assertThat(inTree).containsAll(SPEC_TRACEPOINTS).doesNotHaveDuplicates();
    }

    @Test
    void theSpecsTracepointsLeftOutReallyCarryNoPacketOnThisKernel() {
        assumeTrue(Files.isReadable(VMLINUX), "no BTF at " + VMLINUX);
        Btf btf = Btf.read(VMLINUX);
        for (String tracepoint : SPEC_TRACEPOINTS_WITHOUT_PACKET) {
            String name = tracepoint.substring(tracepoint.indexOf(':') + 1);
            btf.tracepointParameters(name).ifPresent(parameters -> assertThat(parameters).as(tracepoint)
                    .extracting(Btf.Parameter::typeName).doesNotContain("struct sk_buff *", "struct sock *"));
        }
    }

    /** Where this machine's BTF describes a tracer's function, it takes the argument the tree says. */
    @Test
    void argumentIndexesMatchThisKernelsPrototypes() {
        assumeTrue(Files.isReadable(VMLINUX), "no BTF at " + VMLINUX);
        Btf btf = Btf.read(VMLINUX);
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        for (Tracer tracer : tree.all()) {
            String expected = tracer.sockArgument() ? "struct sock *" : "struct sk_buff *";
            for (String function : tracer.functions()) {
                var parameters = btf.functionParameters(function);
                if (parameters.isEmpty() || tracer.program().isPresent()) {
                    continue;
                }
                checked++;
                var list = parameters.get();
                if (tracer.argument() >= list.size() || !list.get(tracer.argument()).typeName().equals(expected)) {
                    wrong.add(function + " argument " + tracer.argument() + ": " + list.stream()
                            .map(Btf.Parameter::typeName).toList());
                }
            }
            tracer.tracepointName().ifPresent(name -> assertThat(btf.tracepointParameters(name)).as(name)
                    .hasValueSatisfying(parameters -> assertThat(parameters).extracting(Btf.Parameter::typeName)
                            .contains(expected)));
        }
        assertThat(checked).as("functions BTF describes").isGreaterThan(80);
        assertThat(wrong).isEmpty();
    }
}
