// SPDX-License-Identifier: GPL-2.0
/*
 * nettrace monitor's BPF side: counters only. Every drop and every TCP trouble adds to a per-CPU
 * hash map in the kernel; nothing is sent to user space per packet. User space reads the maps
 * when it is scraped (nettrace.monitor.probe.CounterReader). Counters are added to atomically:
 * a program interrupted on its CPU by another run of itself (an interrupt freeing an skb) loses
 * nothing.
 */
#include "kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "monitor.h"

#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD
#define IPPROTO_TCP	6
#define IPPROTO_UDP	17
#define IPPROTO_SCTP	132
#define AF_INET		2
#define AF_INET6	10
#define TCP_SYN_SENT	2
#define TCP_CLOSE	7
#define UNSET_HEADER	0xffff

const volatile struct mon_config CONFIG = {};

/* drop class and place -> packets, bytes, latest sample; sized by user space */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct mon_drop_key);
	__type(value, struct mon_drop_value);
} drops SEC(".maps");

/* the drops whose key found no room in `drops`: counted all the same, as one class */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct mon_drop_value);
} drops_unkeyed SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct mon_tcp_key);
	__type(value, u64);
} tcp_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct mon_rtt_key);
	__type(value, u64);
} rtt_samples SEC(".maps");

/* keys of tcp_events and rtt_samples that found no room */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} tcp_unkeyed SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MON_PROGRAMS);
	__type(key, u32);
	__type(value, struct mon_run_time);
} run_time SEC(".maps");

/*
 * The netfilter chain this CPU entered last, and for which skb. Drops come with the reason
 * NETFILTER_DROP inside the chain (recent nftables frees the skb itself) or right after it
 * returns (nf_hook_slow): both on this CPU, with no other chain entered between. Only pointers are
 * kept, so entering a chain costs three stores; the names are read at the drop, while the rules
 * are still held by the RCU section the packet is in.
 */
struct netfilter_chain {
	u64 skb;
	u64 state;            /* struct nf_hook_state * */
	u64 names;            /* struct nft_chain * or struct xt_table * */
	enum mon_netfilter_source source;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct netfilter_chain);
} entered SEC(".maps");

/*
 * Runs are counted exactly; their time is measured on one run in RUN_TIME_SAMPLE per CPU and
 * scaled up: two clock reads on every drop would cost more than the rest of the accounting.
 */
#define RUN_TIME_SAMPLE 64

/* Counts a run; true when this one is to be timed. */
static __always_inline bool count_run(enum mon_program program)
{
	u32 slot = program;
	struct mon_run_time *spent = bpf_map_lookup_elem(&run_time, &slot);

	return spent && (__sync_fetch_and_add(&spent->runs, 1) & (RUN_TIME_SAMPLE - 1)) == 0;
}

/* A real function (not inlined): its prototype puts enum mon_program into the object's BTF for Java. */
static __noinline void add_run_time(enum mon_program program, u64 started)
{
	struct mon_run_time *spent = bpf_map_lookup_elem(&run_time, &program);

	if (spent)
		__sync_fetch_and_add(&spent->ns, (bpf_ktime_get_ns() - started) * RUN_TIME_SAMPLE);
}

static __always_inline bool flow_selected(const struct mon_flow *flow)
{
	const u64 *words = (const u64 *)flow;

	if (!CONFIG.patterns)
		return true;
#pragma unroll
	for (int p = 0; p < MON_PATTERNS; p++) {
		const volatile u64 *match = (const volatile u64 *)&CONFIG.match[p];
		const volatile u64 *mask = (const volatile u64 *)&CONFIG.mask[p];
		bool equal = p < CONFIG.patterns;

#pragma unroll
		for (int w = 0; w < MON_FLOW_WORDS; w++)
			equal = equal && (words[w] & mask[w]) == match[w];
		if (equal)
			return true;
	}
	return false;
}

static __always_inline bool carries_ports(u8 l4_proto)
{
	return l4_proto == IPPROTO_TCP || l4_proto == IPPROTO_UDP || l4_proto == IPPROTO_SCTP;
}

/*
 * The addresses, protocols and ports of a dropped skb, from its network header: by the time
 * an skb is freed the stack has set it (receive: at the core's entry; send: at IP output).
 * An ethertype that disagrees with the header's version means the offset is stale.
 */
static __always_inline void skb_flow(struct sk_buff *skb, struct mon_flow *flow)
{
	unsigned char *head = skb->head;
	u16 network = skb->network_header;
	u16 ethertype = bpf_ntohs(skb->protocol);
	u8 ip[40];
	u32 l4_offset;
	u8 version;

	flow->l3_proto = ethertype;
	if (network == UNSET_HEADER || bpf_probe_read_kernel(ip, sizeof(ip), head + network))
		return;
	version = ip[0] >> 4;
	if (version == 4 && (ethertype == ETH_P_IP || ethertype == 0)) {
		flow->l3_proto = ETH_P_IP;
		flow->l4_proto = ip[9];
		__builtin_memcpy(flow->saddr, &ip[12], 4);
		__builtin_memcpy(flow->daddr, &ip[16], 4);
		/* a later fragment carries no ports */
		if (((ip[6] << 8 | ip[7]) & 0x1fff) != 0)
			return;
		l4_offset = network + (ip[0] & 0xf) * 4;
	} else if (version == 6 && (ethertype == ETH_P_IPV6 || ethertype == 0)) {
		flow->l3_proto = ETH_P_IPV6;
		flow->l4_proto = ip[6];
		__builtin_memcpy(flow->saddr, &ip[8], 16);
		bpf_probe_read_kernel(flow->daddr, 16, head + network + 24);
		l4_offset = network + 40;
	} else {
		return;
	}
	if (carries_ports(flow->l4_proto)) {
		u8 ports[4];

		if (!bpf_probe_read_kernel(ports, sizeof(ports), head + l4_offset)) {
			flow->sport = ports[0] << 8 | ports[1];
			flow->dport = ports[2] << 8 | ports[3];
		}
	}
}

/* The namespace of a socket, and of an skb: its device's, else its socket's. */
static __always_inline u32 sock_netns(const struct sock *sk)
{
	return sk ? BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum) : 0;
}

/*
 * skb->dev, or NULL when the field holds no device: UDP reuses it as dev_scratch once a packet
 * is queued, and every read through that would fault. Kernel pointers have the top bit set.
 */
static __always_inline struct net_device *skb_dev(struct sk_buff *skb)
{
	if ((s64)skb->dev >= 0)
		return NULL;
	asm volatile("" ::: "memory");
	return skb->dev;
}

/* Names, in the key, the chain a NETFILTER_DROP of this skb came from, when this CPU entered it. */
static __always_inline void name_chain(u64 skb, struct mon_drop_key *key)
{
	u32 zero = 0;
	struct netfilter_chain *chain = bpf_map_lookup_elem(&entered, &zero);
	struct nf_hook_state *state;

	if (!chain || chain->skb != skb || key->reason != CONFIG.netfilter_drop_reason)
		return;
	state = (struct nf_hook_state *)chain->state;
	key->nf_source = chain->source;
	key->nf_hook = BPF_CORE_READ(state, hook);
	key->nf_pf = BPF_CORE_READ(state, pf);
	if (chain->source == MON_NF_NFTABLES) {
		struct nft_chain *nft = (struct nft_chain *)chain->names;

		bpf_probe_read_kernel_str(key->nf_table, sizeof(key->nf_table), BPF_CORE_READ(nft, table, name));
		bpf_probe_read_kernel_str(key->nf_chain, sizeof(key->nf_chain), BPF_CORE_READ(nft, name));
	} else {
		bpf_probe_read_kernel_str(key->nf_table, sizeof(key->nf_table),
					  ((struct xt_table *)chain->names)->name);
	}
	chain->skb = 0;
}

static __always_inline void add_drop(struct mon_drop_value *value, u64 bytes, struct mon_flow *flow)
{
	__sync_fetch_and_add(&value->packets, 1);
	__sync_fetch_and_add(&value->bytes, bytes);
	/* jiffies, not bpf_ktime_get_ns: user space only picks the newest sample by it, and reading the
	 * clock was ~25 of the ~155 ns a drop cost (bench/bpfcost --monitor) */
	value->last_seen = bpf_jiffies64();
	value->sample = *flow;
}

/* enough to pass the BPF program's own frames, the tracepoint's, kfree_skb_reason and the list free */
#define FREE_STACK_FRAMES 12

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64[FREE_STACK_FRAMES]);
} free_stack SEC(".maps");

static __always_inline bool in_span(u64 address, u64 start, u64 end)
{
	return address >= start && address < end;
}

/*
 * A reasonless free the kernel reports from skb_release_data's code, or from the list free that
 * skb_release_data called: an skb in another one's frag_list. Only the list frees pay for a stack.
 */
static __always_inline bool freed_with_frag_list(u64 *ctx, u64 location)
{
	u32 zero = 0;
	u64 *frames;
	long size;

	if (in_span(location, CONFIG.frag_list_free_start, CONFIG.frag_list_free_end))
		return true;
	if (!in_span(location, CONFIG.list_free_start, CONFIG.list_free_end))
		return false;
	frames = bpf_map_lookup_elem(&free_stack, &zero);
	if (!frames)
		return false;
	size = bpf_get_stack(ctx, frames, FREE_STACK_FRAMES * sizeof(u64), 0);
	for (int i = 0; i < FREE_STACK_FRAMES; i++) {
		if ((long)(i * sizeof(u64)) >= size)
			break;
		if (in_span(frames[i], CONFIG.frag_list_free_start, CONFIG.frag_list_free_end))
			return true;
	}
	return false;
}

/* skb:kfree_skb(skb, location[, reason[, rx_sk]]); kernels before 5.17 give no reason */
static __always_inline int count_drop(u64 *ctx, bool name_chains)
{
	bool timed = count_run(MON_PROGRAM_DROP);
	u64 started = timed ? bpf_ktime_get_ns() : 0;
	struct sk_buff *skb = (struct sk_buff *)ctx[0];
	struct mon_drop_key key = {};
	struct mon_flow flow = {};
	struct mon_drop_value *value;
	struct net_device *dev;
	u32 zero = 0;

	if (bpf_core_type_exists(enum skb_drop_reason)) {
		key.reason = (u32)ctx[2];
		if (key.reason == CONFIG.consumed_reason)
			goto out;
		if (key.reason == CONFIG.not_specified_reason && freed_with_frag_list(ctx, ctx[1]))
			goto out;
	}
	skb_flow(skb, &flow);
	dev = skb_dev(skb);
	if (dev) {
		flow.netns = dev->nd_net.net->ns.inum;
		/* a plain copy: bytes after the name's NUL (left by a rename) only split the key, user space
		 * reads up to the NUL */
		__builtin_memcpy(key.ifname, dev->name, sizeof(key.ifname));
	} else {
		flow.netns = sock_netns(skb->sk);
	}
	if (!flow_selected(&flow))
		goto out;
	key.location = ctx[1];
	key.netns = flow.netns;
	key.l3_proto = flow.l3_proto;
	key.l4_proto = flow.l4_proto;
	if (name_chains)
		name_chain((u64)skb, &key);

	value = bpf_map_lookup_elem(&drops, &key);
	if (!value) {
		struct mon_drop_value empty = {};

		/* an EEXIST is another CPU's insert of this key: the lookup finds it; none is a full map */
		bpf_map_update_elem(&drops, &key, &empty, BPF_NOEXIST);
		value = bpf_map_lookup_elem(&drops, &key);
		if (!value)
			value = bpf_map_lookup_elem(&drops_unkeyed, &zero);
	}
	if (value)
		add_drop(value, skb->len, &flow);
out:
	if (timed)
		add_run_time(MON_PROGRAM_DROP, started);
	return 0;
}

SEC("tp_btf/kfree_skb")
int monitor_kfree_skb(u64 *ctx)
{
	return count_drop(ctx, true);
}

/*
 * Without the chains' names: the netfilter types it does not read live in a module's BTF where
 * nf_tables is a module, and libbpf reaches those only with CAP_SYS_ADMIN.
 */
SEC("tp_btf/kfree_skb")
int monitor_kfree_skb_plain(u64 *ctx)
{
	return count_drop(ctx, false);
}

/* ---- netfilter: the chain a packet is in ---- */

static __always_inline int enter_chain(u64 skb, u64 state, u64 names, enum mon_netfilter_source source)
{
	bool timed = count_run(MON_PROGRAM_NETFILTER);
	u64 started = timed ? bpf_ktime_get_ns() : 0;
	u32 zero = 0;
	struct netfilter_chain *chain = bpf_map_lookup_elem(&entered, &zero);

	if (chain) {
		chain->skb = skb;
		chain->state = state;
		chain->names = names;
		chain->source = source;
	}
	if (timed)
		add_run_time(MON_PROGRAM_NETFILTER, started);
	return 0;
}

/* nft_do_chain(pkt, chain) */
SEC("fentry")
int monitor_fentry_nft_do_chain(u64 *ctx)
{
	struct nft_pktinfo *pkt = (struct nft_pktinfo *)ctx[0];

	return enter_chain((u64)BPF_CORE_READ(pkt, skb), (u64)BPF_CORE_READ(pkt, state), ctx[1], MON_NF_NFTABLES);
}

/* ipt_do_table(skb, state, table) before 5.16 */
SEC("fentry")
int monitor_fentry_ipt_do_table_0(u64 *ctx)
{
	return enter_chain(ctx[0], ctx[1], ctx[2], MON_NF_IPTABLES);
}

/* ipt_do_table(table, skb, state) since 5.16 */
SEC("fentry")
int monitor_fentry_ipt_do_table_1(u64 *ctx)
{
	return enter_chain(ctx[1], ctx[2], ctx[0], MON_NF_IPTABLES);
}

/* The same where fentry is refused. */
SEC("kprobe")
int monitor_kprobe_nft_do_chain(struct pt_regs *ctx)
{
	struct nft_pktinfo *pkt = (struct nft_pktinfo *)PT_REGS_PARM1(ctx);

	return enter_chain((u64)BPF_CORE_READ(pkt, skb), (u64)BPF_CORE_READ(pkt, state), PT_REGS_PARM2(ctx),
			   MON_NF_NFTABLES);
}

SEC("kprobe")
int monitor_kprobe_ipt_do_table_0(struct pt_regs *ctx)
{
	return enter_chain(PT_REGS_PARM1(ctx), PT_REGS_PARM2(ctx), PT_REGS_PARM3(ctx), MON_NF_IPTABLES);
}

SEC("kprobe")
int monitor_kprobe_ipt_do_table_1(struct pt_regs *ctx)
{
	return enter_chain(PT_REGS_PARM2(ctx), PT_REGS_PARM3(ctx), PT_REGS_PARM1(ctx), MON_NF_IPTABLES);
}

/* ---- TCP trouble ---- */

/* A socket seen as the packets it sends: local address and port are the source. */
static __always_inline void sock_flow(const struct sock *sk, struct mon_flow *flow)
{
	u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	flow->l4_proto = IPPROTO_TCP;
	flow->netns = sock_netns(sk);
	flow->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	flow->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == AF_INET) {
		flow->l3_proto = ETH_P_IP;
		bpf_core_read(flow->saddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(flow->daddr, 4, &sk->__sk_common.skc_daddr);
	} else if (family == AF_INET6) {
		flow->l3_proto = ETH_P_IPV6;
		bpf_core_read(flow->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(flow->daddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
}

static __always_inline void count_in(void *map, void *key)
{
	u64 one = 1;
	u32 zero = 0;
	u64 *count = bpf_map_lookup_elem(map, key);

	if (count) {
		__sync_fetch_and_add(count, 1);
		return;
	}
	if (bpf_map_update_elem(map, key, &one, BPF_NOEXIST) == 0)
		return;
	count = bpf_map_lookup_elem(map, key);
	if (!count)
		count = bpf_map_lookup_elem(&tcp_unkeyed, &zero);
	if (count)
		__sync_fetch_and_add(count, 1);
}

static __always_inline int count_tcp(const struct sock *sk, u32 netns, enum mon_tcp_event event, u32 reason)
{
	bool timed = count_run(MON_PROGRAM_TCP);
	u64 started = timed ? bpf_ktime_get_ns() : 0;
	struct mon_flow flow = { .l4_proto = IPPROTO_TCP, .netns = netns };
	struct mon_tcp_key key = { .event = event, .reason = reason };

	if (sk)
		sock_flow(sk, &flow);
	if (!netns)
		netns = flow.netns;
	flow.netns = netns;
	if (flow_selected(&flow)) {
		key.netns = netns;
		count_in(&tcp_events, &key);
	}
	if (timed)
		add_run_time(MON_PROGRAM_TCP, started);
	return 0;
}

/* tcp:tcp_retransmit_skb(sk, skb) */
SEC("tp_btf/tcp_retransmit_skb")
int monitor_tcp_retransmit(u64 *ctx)
{
	return count_tcp((struct sock *)ctx[0], 0, MON_TCP_RETRANSMIT, 0);
}

/* tcp:tcp_send_reset(sk, skb[, reason]): sk is NULL for a reset to a packet no socket took */
SEC("tp_btf/tcp_send_reset")
int monitor_tcp_send_reset(u64 *ctx)
{
	struct sock *sk = (struct sock *)ctx[0];
	struct sk_buff *skb = (struct sk_buff *)ctx[1];
	u32 reason = 0;
	u32 netns = 0;

	if (bpf_core_type_exists(enum sk_rst_reason))
		reason = (u32)ctx[2];
	if (!sk && skb) {
		struct net_device *dev = skb_dev(skb);

		netns = dev ? dev->nd_net.net->ns.inum : 0;
	}
	return count_tcp(sk, netns, MON_TCP_RESET_SENT, reason);
}

/* tcp:tcp_receive_reset(sk) */
SEC("tp_btf/tcp_receive_reset")
int monitor_tcp_receive_reset(u64 *ctx)
{
	return count_tcp((struct sock *)ctx[0], 0, MON_TCP_RESET_RECEIVED, 0);
}

/* sock:inet_sock_set_state(sk, oldstate, newstate): a connect that never got an answer */
SEC("tp_btf/inet_sock_set_state")
int monitor_sock_state(u64 *ctx)
{
	struct sock *sk = (struct sock *)ctx[0];

	if ((int)ctx[1] != TCP_SYN_SENT || (int)ctx[2] != TCP_CLOSE)
		return 0;
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	return count_tcp(sk, 0, MON_TCP_CONNECT_FAILED, 0);
}

/* floor(log2(value)), 0 for 0: five halvings of the range, each a compare and a shift */
static __always_inline u32 log2_of(u32 value)
{
	u32 log = (value > 0xffff) << 4;
	u32 step;

	value >>= log;
	step = (value > 0xff) << 3;
	value >>= step;
	log |= step;
	step = (value > 0xf) << 2;
	value >>= step;
	log |= step;
	step = (value > 0x3) << 1;
	value >>= step;
	log |= step;
	return log | (value >> 1);
}

/* tcp:tcp_probe(sk, skb), on each segment an established connection receives: its smoothed RTT */
SEC("tp_btf/tcp_probe")
int monitor_tcp_rtt(u64 *ctx)
{
	bool timed = count_run(MON_PROGRAM_RTT);
	u64 started = timed ? bpf_ktime_get_ns() : 0;
	struct sock *sk = (struct sock *)ctx[0];
	struct mon_flow flow = {};
	struct mon_rtt_key key;

	sock_flow(sk, &flow);
	if (flow_selected(&flow)) {
		key.netns = flow.netns;
		key.bucket = log2_of(BPF_CORE_READ((struct tcp_sock *)sk, srtt_us) >> 3);
		count_in(&rtt_samples, &key);
	}
	if (timed)
		add_run_time(MON_PROGRAM_RTT, started);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
