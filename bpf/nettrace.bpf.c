// SPDX-License-Identifier: GPL-2.0
/*
 * nettrace's BPF side.  The programs here are templates: user space loads each one once
 * (against one target that uses it), then clones its relocated instructions for every
 * kernel function or tracepoint it attaches to, writing that tracer's identity into the
 * TRACER_PLACEHOLDER constant.  Where one of a template's tracers keeps every subprogram the
 * others reach (build_event says which flags do), the template is loaded with that tracer's
 * identity already written, and is that tracer's program (ProbeSet.ownTracer).
 * kprobes need no clone: their identity is the attach cookie.
 * Because the identity is a constant in each clone, the verifier drops the branches a tracer
 * does not need (free, clone, stack handling) from that clone.
 */
#include "kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "nettrace.h"

#define ETH_HLEN	14
#define ETH_P_IP	0x0800
#define ETH_P_ARP	0x0806
#define ETH_P_8021Q	0x8100
#define ETH_P_8021AD	0x88A8
#define ETH_P_IPV6	0x86DD
#define IPPROTO_ICMP	1
#define IPPROTO_TCP	6
#define IPPROTO_UDP	17
#define IPPROTO_ICMPV6	58
#define IPPROTO_SCTP	132
#define NO_HEADER	0xffff

const volatile struct nt_config CONFIG = {};

/*
 * Benchmark builds only (nettrace-empty.bpf.o, made by `make test`): every program returns
 * before it reads anything, so bench/run's floor case measures what the kernel's calling of
 * the programs costs by itself.
 */
#ifndef EMPTY_PROGRAMS
#define EMPTY_PROGRAMS 0
#endif

/*
 * Benchmark builds only (nettrace-lookup.bpf.o): every skb program makes one per-CPU array
 * lookup, compares the slot with its skb and returns: the least any verdict kept per skb costs
 * at each hit, so bench/run's lookup_floor case shows what is left above the floor for
 * deciding a packet once.
 */
#ifndef LOOKUP_FLOOR_PROGRAMS
#define LOOKUP_FLOOR_PROGRAMS 0
#endif

/*
 * Set once the first skb is followed, never cleared: until then `lives` is empty and the
 * lookup every hit would make is skipped (tracing for a packet that has not come yet).
 */
volatile u32 following_any;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} events SEC(".maps");

/*
 * What identifies a followed skb beyond its address. Some frees are invisible to tracepoints
 * (__kfree_skb on TCP receive, GRO's kfree_skb_partial), so an address may come back in a new
 * skb while still known here, often with the same recycled head buffer: the fingerprint (TCP
 * seq/ack, IPv4 id, ICMP sequence: fields NAT leaves alone) tells such a new packet apart, and
 * it is filtered like any other. 0 = not known yet (headers not built).
 */
struct life {
	u64 head;
	u64 fingerprint;
	u64 kept;	/* packet_digest of the last EVENT_PACKET_KEPT record in the ring, 0 = none */
	u64 datagram;	/* datagram_of the packet: fragmenting or reassembling it changes the fingerprint */
};

/* skb address -> struct life: the skbs followed in lifecycle mode */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, u64);
	__type(value, struct life);
} lives SEC(".maps");

/* Never read: its value type carries the enums shared with Java into the object's BTF. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct nt_contract);
} contract SEC(".maps");

struct pending_key {
	u64 tid;
	u64 tracer;
};

/* events waiting for their function's return value (entry seen, exit not yet) */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct pending_key);
	__type(value, struct nt_event);
} pending SEC(".maps");

/* the event being built, with room for the packet's bytes (struct nt_record) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct nt_record);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STAT_COUNT);
	__type(key, u32);
	__type(value, u64);
} stats SEC(".maps");

/* kernel stacks of events whose tracer asks for them (--trace-stack, --drop-stack) */
struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 1);           /* sized by user space when stacks are wanted */
	__type(key, u32);
	__uint(value_size, STACK_DEPTH * sizeof(u64));
} stacks SEC(".maps");

/* --func-stats: hits per tracer id */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_TRACERS);
	__type(key, u32);
	__type(value, u64);
} hits SEC(".maps");

/* --rtt: samples per log2 bucket of microseconds */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RTT_BUCKETS);
	__type(key, u32);
	__type(value, u64);
} rtt_histogram SEC(".maps");

/* --rate-limit: a token bucket per CPU (no lock shared between CPUs) */
struct token_bucket {
	u64 last_ns;
	u64 millitokens;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct token_bucket);
} rate SEC(".maps");

static __always_inline u64 placeholder_tracer(void)
{
	u64 tracer;

	asm volatile("%0 = 0x7eadbeefcafe1234 ll" : "=r"(tracer));
	return tracer;
}

static __always_inline void count(u32 slot)
{
	u64 *value = bpf_map_lookup_elem(&stats, &slot);

	if (value)
		__sync_fetch_and_add(value, 1);
}

/*
 * BTF-typed programs (tp_btf, fentry) may dereference the skb directly; kprobes must go
 * through bpf_probe_read.  `direct` is a constant in every caller, so only one side remains.
 */
#define READ(direct, ptr, field) ((direct) ? (ptr)->field : BPF_CORE_READ(ptr, field))

/*
 * nettrace-cast.bpf.o, for kernels with the bpf_rdonly_cast kfunc (6.2 on): its programs with BTF
 * access (fentry, tp_btf) read packet bytes through an untrusted typed pointer, which the verifier
 * turns into loads that cannot fault, instead of bpf_probe_read_kernel calls. Each hit reads its
 * packet's identity, so a helper call there was most of what a later hit of a rejected packet
 * cost (bench/README, bpfcost). The loader picks this object when the running kernel's BTF has
 * the kfunc, else nettrace.bpf.o.
 */
#ifndef READ_WITH_CAST
#define READ_WITH_CAST 0
#endif
#if READ_WITH_CAST
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;
#endif

/* The 8 bytes at at, 0 when they cannot be read. */
static __always_inline u64 read_word(const unsigned char *at, bool direct)
{
	u64 word = 0;

#if READ_WITH_CAST
	/* any kernel type does whose first member is 64 bits: a typed load must stay within a member */
	if (direct)
		return ((struct timespec64 *)bpf_rdonly_cast(at, bpf_core_type_id_kernel(struct timespec64)))->tv_sec;
#endif
	bpf_probe_read_kernel(&word, sizeof(word), at);
	return word;
}

#define HEADER_BYTES 64

/* The HEADER_BYTES bytes at from; non-zero when they cannot be read (zeros where a cast load faults). */
static __always_inline long read_header(u8 *to, const u8 *from, bool direct)
{
#if READ_WITH_CAST
	/*
	 * Any kernel type does whose first member is a char array of HEADER_BYTES or more: the
	 * verifier lets a load of any size fall within it. Word loads (x86 and arm64 take them at
	 * any address); without the alignment promise clang splits each into eight byte loads.
	 */
	if (direct) {
		struct new_utsname *bytes = bpf_rdonly_cast(from, bpf_core_type_id_kernel(struct new_utsname));
		const u64 *from_words = __builtin_assume_aligned(bytes->sysname, 8);
		u64 *words = (u64 *)to;

		for (int i = 0; i < HEADER_BYTES / 8; i++)
			words[i] = from_words[i];
		return 0;
	}
#endif
	return bpf_probe_read_kernel(to, HEADER_BYTES, from);
}

static __always_inline u16 be16_at(const u8 *p)
{
	return ((u16)p[0] << 8) | p[1];
}

static __always_inline u32 be32_at(const u8 *p)
{
	return ((u32)p[0] << 24) | ((u32)p[1] << 16) | ((u32)p[2] << 8) | p[3];
}

/* One step of FNV-1a over 64-bit words: fingerprints need spreading, not strength. */
static __always_inline u64 mix(u64 hash, u64 value)
{
	return (hash ^ value) * 0x100000001b3ULL;
}

#define FINGERPRINT_SEED 0xcbf29ce484222325ULL
#define TCP_FIN		0x01
#define TCP_PSH		0x08
#define UDP_PORT_VXLAN		4789
#define UDP_PORT_VXLAN_LINUX	8472
#define UDP_PORT_GENEVE		6081
#define IPPROTO_IPIP	4
#define IPPROTO_FRAGMENT	44	/* IPv6 fragment header */
#define IP_MORE_FRAGMENTS	0x2000
#define IP_OFFSET	0x1fff
#define IPPROTO_IPV6	41
#define IPPROTO_GRE	47
#define ETH_P_TEB	0x6558
#define GRE_CSUM	0x8000
#define GRE_KEY		0x2000
#define GRE_SEQ		0x1000

/*
 * What identifies a packet while the kernel handles it, whatever NAT, forwarding or a tunnel
 * do to it: fields NAT leaves alone (the IPv4 id or IPv6 flow label, TCP sequence and ack
 * numbers, the UDP length, the ICMP type and sequence, not the ICMP id that NAT rewrites) and
 * that GRO leaves alone on its first segment (no lengths for TCP, no FIN or PSH). 0 = unknown.
 */
static __always_inline u64 packet_fingerprint(const struct nt_packet *pkt, u32 ip_label, const u8 *l4)
{
	u64 hash = mix(mix(FINGERPRINT_SEED, pkt->l3_proto), (u64)pkt->l4_proto << 32 | ip_label);

	switch (pkt->l4_proto) {
	case IPPROTO_TCP:
		hash = mix(hash, (u64)pkt->seq << 32 | pkt->ack);
		hash = mix(hash, pkt->tcp_flags & ~(TCP_FIN | TCP_PSH));
		break;
	case IPPROTO_UDP:
		hash = mix(hash, be16_at(l4 + 4));
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		hash = mix(hash, (u32)pkt->icmp_type << 24 | (u32)pkt->icmp_code << 16 | pkt->icmp_seq);
		break;
	}
	return hash ?: 1;
}

static __always_inline void parse_l4(struct nt_packet *pkt, const u8 *l4)
{
	switch (pkt->l4_proto) {
	case IPPROTO_TCP:
		pkt->seq = be32_at(l4 + 4);
		pkt->ack = be32_at(l4 + 8);
		pkt->tcp_flags = l4[13];
		/* fall through */
	case IPPROTO_UDP:
	case IPPROTO_SCTP:
		pkt->sport = be16_at(l4);
		pkt->dport = be16_at(l4 + 2);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		pkt->icmp_type = l4[0];
		pkt->icmp_code = l4[1];
		pkt->icmp_id = be16_at(l4 + 4);
		pkt->icmp_seq = be16_at(l4 + 6);
		break;
	}
}

struct header_bytes {
	u8 l3[HEADER_BYTES] __attribute__((aligned(8)));
	u8 l4[24];
};

/* Two network-order bytes read from the kernel, 0 when they cannot be read. */
static __always_inline u16 be16_read(const u8 *at)
{
	u8 bytes[2];

	return bpf_probe_read_kernel(bytes, sizeof(bytes), at) ? 0 : be16_at(bytes);
}

/* Where a tunnel's packet starts inside its outer one, and what it is (an ethertype). */
struct tunnel {
	const u8 *inner;
	u32 proto;
};

/*
 * Recognises the tunnels whose outer packet says what it carries: VXLAN and Geneve by their
 * UDP port, GRE, IPIP and IPv6-in-IP by protocol. A receiving host sees them so; a sending one
 * also marks the skb (skb->encapsulation), which parse_skb asks first.
 */
static __always_inline void find_tunnel(const struct nt_packet *pkt, const u8 *l4_bytes, const u8 *l4,
					struct tunnel *tunnel)
{
	switch (pkt->l4_proto) {
	case IPPROTO_UDP:
		if (pkt->dport == UDP_PORT_VXLAN || pkt->dport == UDP_PORT_VXLAN_LINUX) {
			/* UDP, the 8-byte VXLAN header, then an Ethernet frame */
			tunnel->inner = l4 + 8 + 8 + ETH_HLEN;
			tunnel->proto = be16_read(tunnel->inner - 2);
		} else if (pkt->dport == UDP_PORT_GENEVE) {
			u16 proto = be16_at(l4_bytes + 8 + 2);
			u32 header = 8 + (l4_bytes[8] & 0x3f) * 4;

			tunnel->inner = l4 + 8 + header;
			tunnel->proto = proto;
			if (proto == ETH_P_TEB) {
				tunnel->inner += ETH_HLEN;
				tunnel->proto = be16_read(tunnel->inner - 2);
			}
		}
		break;
	case IPPROTO_IPIP:
		tunnel->inner = l4;
		tunnel->proto = ETH_P_IP;
		break;
	case IPPROTO_IPV6:
		tunnel->inner = l4;
		tunnel->proto = ETH_P_IPV6;
		break;
	case IPPROTO_GRE: {
		u16 flags = be16_at(l4_bytes);
		u32 header = 4 + (flags & GRE_CSUM ? 4 : 0) + (flags & GRE_KEY ? 4 : 0) + (flags & GRE_SEQ ? 4 : 0);

		tunnel->inner = l4 + header;
		tunnel->proto = be16_at(l4_bytes + 2);
		if (tunnel->proto == ETH_P_TEB) {
			tunnel->inner += ETH_HLEN;
			tunnel->proto = be16_read(tunnel->inner - 2);
		}
		break;
	}
	}
}

/* A fragment's: its place in the datagram (struct nt_packet's fragment) and the datagram's id. */
static __always_inline u64 fragment_fingerprint(u16 fragment, u32 id, u8 l4_proto)
{
	return mix(mix(FINGERPRINT_SEED, (u64)fragment << 32 | id), l4_proto);
}

static __always_inline u64 parse_ipv4(struct nt_packet *pkt, struct header_bytes *h, const u8 *l3,
				      struct tunnel *tunnel)
{
	u32 l4_offset = (h->l3[0] & 0xf) * 4;
	u16 fragment = be16_at(&h->l3[6]) & (IP_MORE_FRAGMENTS | IP_OFFSET); /* offset and more-fragments */
	u16 ip_id = be16_at(&h->l3[4]);

	if ((h->l3[0] >> 4) != 4 || l4_offset < 20) {
		pkt->l3_proto = 0;
		return 0;
	}
	pkt->ip_len = be16_at(&h->l3[2]);
	pkt->l4_proto = h->l3[9];
	__builtin_memcpy(pkt->saddr, &h->l3[12], 4);
	__builtin_memcpy(pkt->daddr, &h->l3[16], 4);
	pkt->fragment = fragment;
	pkt->ip_id = ip_id;
	/* a later fragment carries no transport header (as tcpdump, it has no ports) */
	if (fragment & IP_OFFSET)
		return fragment_fingerprint(fragment, ip_id, pkt->l4_proto);
	if (l4_offset == 20)
		__builtin_memcpy(h->l4, &h->l3[20], sizeof(h->l4));
	else if (bpf_probe_read_kernel(h->l4, sizeof(h->l4), l3 + l4_offset))
		return fragment ? fragment_fingerprint(fragment, ip_id, pkt->l4_proto) : mix(FINGERPRINT_SEED, ip_id);
	parse_l4(pkt, h->l4);
	/* a first fragment: its transport header, not the datagram's length, nor an inner packet */
	if (fragment)
		return fragment_fingerprint(fragment, ip_id, pkt->l4_proto);
	find_tunnel(pkt, h->l4, l3 + l4_offset, tunnel);
	return packet_fingerprint(pkt, ip_id, h->l4);
}

static __always_inline u64 parse_ipv6(struct nt_packet *pkt, struct header_bytes *h, const u8 *l3,
				      struct tunnel *tunnel)
{
	u32 flow_label = (u32)(h->l3[1] & 0xf) << 16 | be16_at(&h->l3[2]);

	if ((h->l3[0] >> 4) != 6) {
		pkt->l3_proto = 0;
		return 0;
	}
	pkt->ip_len = be16_at(&h->l3[4]) + 40;
	pkt->l4_proto = h->l3[6];
	__builtin_memcpy(pkt->saddr, &h->l3[8], 16);
	__builtin_memcpy(pkt->daddr, &h->l3[24], 16);
	if (pkt->l4_proto == IPPROTO_FRAGMENT) {
		/* a fragment header right after the fixed one: next header, offset << 3 | M, id */
		u16 offset_more = be16_at(&h->l3[42]);
		u32 id = be32_at(&h->l3[44]);

		pkt->l4_proto = h->l3[40];
		pkt->fragment = offset_more >> 3 | (offset_more & 1 ? IP_MORE_FRAGMENTS : 0);
		pkt->ip_id = id;
		if (!(offset_more >> 3)) {
			/* the first: what the header bytes hold of its transport header (16 bytes) */
			__builtin_memset(h->l4, 0, sizeof(h->l4));
			__builtin_memcpy(h->l4, &h->l3[48], HEADER_BYTES - 48);
			parse_l4(pkt, h->l4);
		}
		return fragment_fingerprint(pkt->fragment, id, pkt->l4_proto);
	}
	__builtin_memcpy(h->l4, &h->l3[40], sizeof(h->l4));
	parse_l4(pkt, h->l4);
	find_tunnel(pkt, h->l4, l3 + 40, tunnel);
	return packet_fingerprint(pkt, flow_label, h->l4);
}

static __always_inline u64 parse_arp(struct nt_packet *pkt, struct header_bytes *h)
{
	/* Ethernet/IPv4 ARP only: hardware length 6, protocol length 4 */
	if (h->l3[4] != 6 || h->l3[5] != 4)
		return 0;
	pkt->arp_op = be16_at(&h->l3[6]);
	__builtin_memcpy(pkt->hwaddr, &h->l3[8], 6);
	__builtin_memcpy(pkt->saddr, &h->l3[14], 4);
	__builtin_memcpy(pkt->daddr, &h->l3[24], 4);
	return mix(mix(mix(FINGERPRINT_SEED, ETH_P_ARP), pkt->arp_op), be32_at(&h->l3[14]) ^ (u64)be32_at(&h->l3[24]) << 32);
}

/* parse_network's proto when only the header's first nibble can tell IPv4 from IPv6 */
#define L3_BY_VERSION 0x10000

/*
 * Parses the network header at l3 (proto: its ethertype, or L3_BY_VERSION) and what follows
 * into pkt, and says where a tunnel's inner packet starts if it carries one. Returns the
 * packet's fingerprint. Not inlined: parse_skb calls it for a tunnel's outer and inner packet.
 */
static __noinline u64 parse_network(struct nt_packet *pkt, u32 proto, const u8 *l3, struct tunnel *tunnel,
				 bool direct)
{
	struct header_bytes h;

	__builtin_memset(pkt, 0, sizeof(*pkt));
	if (proto != ETH_P_IP && proto != ETH_P_IPV6 && proto != ETH_P_ARP && proto != L3_BY_VERSION) {
		pkt->l3_proto = proto;
		return 0;
	}
	if (read_header(h.l3, l3, direct))
		return 0;
	if (proto == L3_BY_VERSION)
		proto = h.l3[0] >> 4 == 4 ? ETH_P_IP : h.l3[0] >> 4 == 6 ? ETH_P_IPV6 : 0;
	pkt->l3_proto = proto;
	if (proto == ETH_P_IP)
		return parse_ipv4(pkt, &h, l3, tunnel);
	if (proto == ETH_P_IPV6)
		return parse_ipv6(pkt, &h, l3, tunnel);
	return parse_arp(pkt, &h);
}

/*
 * Finds the network header whether data points at L2 (transmit path after the link header
 * is pushed, or receive before eth_type_trans), at L3, or past it (L4 processing pulled the IP
 * header), and parses L3/L4 into e->pkt. A tunnel's packet is parsed into e->inner too
 * (EVENT_INNER), and then the fingerprint is the inner packet's: it is the same packet before
 * and after encapsulation. Returns the fingerprint (0 = unknown).
 */
static __always_inline u64 parse_skb(struct sk_buff *skb, struct nt_event *e, bool direct)
{
	unsigned char *head = READ(direct, skb, head);
	unsigned char *data = READ(direct, skb, data);
	u16 network = READ(direct, skb, network_header);
	u16 mac = READ(direct, skb, mac_header);
	u16 transport = READ(direct, skb, transport_header);
	u32 proto = bpf_ntohs(READ(direct, skb, protocol));
	u32 data_offset = data - head;
	u32 l3 = data_offset;
	u16 vlan_tci = READ(direct, skb, vlan_proto) ? READ(direct, skb, vlan_tci) : 0;
	struct tunnel tunnel = {};
	u64 fingerprint;
	u64 inner;

	if (network != NO_HEADER && network > data_offset && network - data_offset <= 64) {
		l3 = network;
	} else if (network != NO_HEADER && network != 0 && network < data_offset &&
		   transport != NO_HEADER && transport > network && transport <= data_offset) {
		l3 = network;
	} else if (mac != NO_HEADER && mac == data_offset) {
		u8 eth[18];

		if (bpf_probe_read_kernel(eth, sizeof(eth), data))
			goto no_packet;
		proto = be16_at(&eth[12]);
		l3 = data_offset + ETH_HLEN;
		if (proto == ETH_P_8021Q || proto == ETH_P_8021AD) {
			vlan_tci = be16_at(&eth[14]);
			proto = be16_at(&eth[16]);
			l3 += 4;
		}
	}
	if (proto == ETH_P_8021Q || proto == ETH_P_8021AD) {
		u8 tag[4];

		if (bpf_probe_read_kernel(tag, sizeof(tag), head + l3))
			goto no_packet;
		vlan_tci = be16_at(tag);
		proto = be16_at(&tag[2]);
		l3 += 4;
	}
	/*
	 * On the way out the IP layer sets skb->protocol only in __ip_local_out, after it built the
	 * header at the network header: fentry there and before sees it unset.
	 */
	if (!proto && network != NO_HEADER && network && l3 == network)
		proto = L3_BY_VERSION;
	fingerprint = parse_network(&e->pkt, proto, head + l3, &tunnel, direct);
	e->pkt.vlan_tci = vlan_tci;
	if (!tunnel.inner && (direct ? BPF_CORE_READ_BITFIELD(skb, encapsulation)
				     : BPF_CORE_READ_BITFIELD_PROBED(skb, encapsulation))) {
		u16 inner_network = READ(direct, skb, inner_network_header);

		if (inner_network > l3 && inner_network != NO_HEADER) {
			tunnel.inner = head + inner_network;
			tunnel.proto = L3_BY_VERSION;
		}
	}
	if (!tunnel.inner || !tunnel.proto)
		return fingerprint;
	inner = parse_network(&e->inner, tunnel.proto, tunnel.inner, &tunnel, direct);
	if (!inner)
		return fingerprint;
	e->flags |= EVENT_INNER;
	return inner;
no_packet:
	__builtin_memset(&e->pkt, 0, sizeof(e->pkt));
	return 0;
}

/* filter points into CONFIG: it must stay volatile, or clang folds it to the zero initializer */
static __always_inline bool address_matches(const volatile u8 *filter, u8 filter_len, const u8 *addr,
					    u16 l3_proto)
{
	if (filter_len == 4)
		return l3_proto == ETH_P_IP && *(const volatile u32 *)filter == *(u32 *)addr;
	return l3_proto == ETH_P_IPV6 && *(const volatile u64 *)filter == *(u64 *)addr &&
	       *(const volatile u64 *)(filter + 8) == *(u64 *)(addr + 8);
}

static __always_inline bool has_ports(u8 l4_proto)
{
	return l4_proto == IPPROTO_TCP || l4_proto == IPPROTO_UDP || l4_proto == IPPROTO_SCTP;
}

/* Not inlined: a tunnel's outer and inner packet are both asked. */
static __noinline bool packet_matches(const struct nt_packet *pkt)
{
	if (CONFIG.l3_proto && pkt->l3_proto != CONFIG.l3_proto)
		return false;
	if (CONFIG.l4_proto && pkt->l4_proto != CONFIG.l4_proto)
		return false;
	if (CONFIG.saddr_len && !address_matches(CONFIG.saddr, CONFIG.saddr_len, pkt->saddr, pkt->l3_proto))
		return false;
	if (CONFIG.daddr_len && !address_matches(CONFIG.daddr, CONFIG.daddr_len, pkt->daddr, pkt->l3_proto))
		return false;
	if (CONFIG.addr_len &&
	    !address_matches(CONFIG.addr, CONFIG.addr_len, pkt->saddr, pkt->l3_proto) &&
	    !address_matches(CONFIG.addr, CONFIG.addr_len, pkt->daddr, pkt->l3_proto))
		return false;
	if ((CONFIG.sport || CONFIG.dport || CONFIG.port) && !has_ports(pkt->l4_proto))
		return false;
	if (CONFIG.sport && pkt->sport != CONFIG.sport)
		return false;
	if (CONFIG.dport && pkt->dport != CONFIG.dport)
		return false;
	if (CONFIG.port && pkt->sport != CONFIG.port && pkt->dport != CONFIG.port)
		return false;
	if (CONFIG.pkt_len_max && (pkt->l3_proto != ETH_P_IP && pkt->l3_proto != ETH_P_IPV6))
		return false;
	if (CONFIG.pkt_len_max && (pkt->ip_len < CONFIG.pkt_len_min || pkt->ip_len > CONFIG.pkt_len_max))
		return false;
	if (CONFIG.tcp_flags && (pkt->l4_proto != IPPROTO_TCP || !(pkt->tcp_flags & CONFIG.tcp_flags)))
		return false;
	return true;
}

/*
 * skb->dev, or NULL when the field holds something else: UDP reuses it as dev_scratch once the
 * packet is queued to its socket, and reading through that faults (an exception-table search
 * per read, microseconds on every freed UDP skb). Kernel pointers have the top bit set.
 */
static __always_inline struct net_device *skb_device(struct sk_buff *skb, bool direct)
{
	s64 value = (s64)READ(direct, skb, dev);

	if (value >= 0)
		return NULL;
	/* read again: the verifier keeps a pointer's type only if it is not computed with */
	asm volatile("" ::: "memory");
	return READ(direct, skb, dev);
}

static __always_inline u32 skb_netns(struct sk_buff *skb, struct net_device *dev, bool direct)
{
	struct sock *sk;

	if (dev)
		return direct ? dev->nd_net.net->ns.inum : BPF_CORE_READ(dev, nd_net.net, ns.inum);
	sk = READ(direct, skb, sk);
	if (sk)
		return direct ? sk->__sk_common.skc_net.net->ns.inum
			      : BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	return 0;
}

static __always_inline bool context_matches(struct nt_event *e)
{
	if (CONFIG.pid && e->pid != CONFIG.pid)
		return false;
	if (CONFIG.netns && e->netns != CONFIG.netns)
		return false;
	return true;
}

/* Starts following the skb at *key (lifecycle mode); non-zero when the lives map refused it. */
static __always_inline long follow(u64 *key, struct life *life)
{
	if (!following_any)
		following_any = 1;
	return bpf_map_update_elem(&lives, key, life, BPF_ANY);
}

static __always_inline void count_hit(u64 tracer)
{
	u32 id = (u32)tracer;
	u64 *value = bpf_map_lookup_elem(&hits, &id);

	if (value)
		*value += 1;
}

static __always_inline void fill_common(void *ctx, struct nt_event *e, u64 object, u64 tracer)
{
	e->ts = bpf_ktime_get_ns();
	e->skb = object;
	e->tracer = (u32)tracer;
	e->cpu = bpf_get_smp_processor_id();
	e->arg = 0;
	e->ret = 0;
	e->stack_id = (tracer >> 32) & TRACER_STACK ? bpf_get_stackid(ctx, &stacks, 0) : -1;
}

/* True when other skbs hang from the skb's frag_list (a reassembled datagram, a GRO batch). */
static __always_inline bool has_frag_list(struct sk_buff *skb, bool direct)
{
	unsigned char *head;
	struct skb_shared_info *shinfo;

	/* a frag_list's bytes count in data_len: a linear skb (most) costs this one read */
	if (!READ(direct, skb, data_len))
		return false;
	head = READ(direct, skb, head);
	shinfo = (void *)(head + READ(direct, skb, end));
	return BPF_CORE_READ(shinfo, frag_list) != NULL;
}

/*
 * --output pcapng: the packet's first bytes, from its Ethernet header when one is in place,
 * else from its network header (the transmit path before the link header is built), and only
 * from the linear part of the buffer. e is the scratch record's event (see struct nt_record).
 */
static __always_inline void capture(struct sk_buff *skb, struct nt_event *e, bool direct)
{
	struct nt_record *record = (struct nt_record *)e;
	unsigned char *head = READ(direct, skb, head);
	u32 data = READ(direct, skb, data) - head;
	u32 tail = READ(direct, skb, tail);
	u16 mac = READ(direct, skb, mac_header);
	u16 network = READ(direct, skb, network_header);
	u32 start;
	u64 length;

	if (mac != NO_HEADER && network != NO_HEADER && network > mac && network - mac >= ETH_HLEN &&
	    network - mac <= ETH_HLEN + 8) {
		start = mac;
		record->capture.link = LINK_ETHERNET;
	} else if (network != NO_HEADER && network != 0) {
		start = network;
		record->capture.link = LINK_RAW;
	} else {
		start = data;
		record->capture.link = LINK_RAW;
	}
	if (start > tail)
		return;
	record->capture.packet_length = READ(direct, skb, len) + data - start;
	length = tail - start;
	if (length > CONFIG.snaplen)
		length = CONFIG.snaplen;
	if (length > SNAPLEN_MAX)
		length = SNAPLEN_MAX;
	if (bpf_probe_read_kernel(record->capture.data, length, head + start))
		return;
	record->capture.length = length;
	e->flags |= EVENT_CAPTURE;
}

/*
 * Which IP datagram a packet is (its id and protocol), and whether it is a fragment of it (the top
 * bit); 0 for what is no IPv4 packet nor IPv6 fragment.
 */
static __always_inline u64 datagram_of(const struct nt_packet *pkt)
{
	if (pkt->l3_proto != ETH_P_IP && !pkt->fragment)
		return 0;
	return (u64)!!pkt->fragment << 63 | (u64)pkt->l4_proto << 32 | pkt->ip_id;
}

/*
 * The skb holds the same datagram, fragmented or reassembled: the output path turns a datagram's
 * skb into its first fragment, reassembly the last fragment to arrive into the whole datagram
 * (skb_morph). One of the two is a fragment, the other may be one.
 */
static __always_inline bool same_datagram(u64 known, u64 current)
{
	return known && current && (known | current) >> 63 && (known << 1) == (current << 1);
}

/*
 * Whether a followed skb still holds the packet its life follows. The fingerprint decides when
 * both sides know it: it stays through a new data buffer (pskb_expand_head on a shared clone
 * being forwarded or NATed, a tunnel's headroom) and changes when the address came back in
 * another packet after a free nothing traced. Without it, the data buffer decides.
 */
static __always_inline bool same_packet(const struct life *known, const struct life *current)
{
	if (known->fingerprint && current->fingerprint)
		return known->fingerprint == current->fingerprint;
	return known->head == current->head;
}

/* The filter holds for a packet, or for the packet a tunnel's packet carries. */
static __always_inline bool event_matches(const struct nt_event *e)
{
	return packet_matches(&e->pkt) || ((e->flags & EVENT_INNER) && packet_matches(&e->inner));
}

#include "expression.h"
#include "verdicts.h"

/*
 * Fills the scratch event for a hit on skb and decides whether it is reported.  Returns
 * NULL when it is not: filtered out, or (lifecycle) not followed and not a matcher.
 * named_dev: the device the tracepoint names (the transmit tracepoints: skb->dev may already be
 * the veth peer's), or NULL to take skb->dev. life, when not NULL, gets the skb's entry in the
 * lives map if it goes on being followed after this hit (for submit_hit), else NULL.
 */
static __always_inline struct nt_event *build_event(void *ctx, struct sk_buff *skb, u64 tracer, bool direct,
						    struct net_device *named_dev, struct life **life)
{
	u32 tracer_flags = tracer >> 32;
	/* a copy: passing &skb to a helper turns the spilled pointer into a scalar on some kernels (6.12) */
	u64 key = (u64)skb;
	struct life *known = NULL;
	struct life current;
	u32 zero = 0;
	struct nt_event *e;
	struct net_device *dev;
	struct verdict_lookup verdict = {};
	bool followed = false;

	if (EMPTY_PROGRAMS || !skb)
		return NULL;
	if (LOOKUP_FLOOR_PROGRAMS) {
		struct packet_identity *slot = bpf_map_lookup_elem(&verdicts, &zero);

		if (slot && slot->skb == key)
			slot->accept++;
		return NULL;
	}
	if (CONFIG.mode == MODE_LIFECYCLE) {
		if (following_any)
			known = bpf_map_lookup_elem(&lives, &key);
		if (!known && !(tracer_flags & TRACER_MATCHER))
			return NULL;
	}
	/* a packet rejected at an earlier hit costs this lookup only (see verdicts.h) */
	if (!known) {
		remembered_verdict(&verdict, skb, direct, tracer_flags & TRACER_FREE);
		if (verdict.state == VERDICT_REJECT)
			return NULL;
	}
	e = bpf_map_lookup_elem(&scratch, &zero);
	if (!e)
		return NULL;
	e->flags = 0;
	current.head = (u64)READ(direct, skb, head);
	current.kept = 0;
	/* this flag and TRACER_MATCHER alone decide which subprograms a tracer reaches (ProbeSet.subprogramsKept) */
	if (tracer_flags & TRACER_HEADERS_UNWRITTEN) {
		/* its function writes the headers after its entry: what they hold now is not the packet's */
		__builtin_memset(&e->pkt, 0, sizeof(e->pkt));
		current.fingerprint = 0;
	} else {
		current.fingerprint = parse_skb(skb, e, direct);
	}
	current.datagram = datagram_of(&e->pkt);
	if (known && !same_packet(known, &current) && same_datagram(known->datagram, current.datagram)) {
		known->fingerprint = current.fingerprint;
		known->datagram = current.datagram;
	}
	if (known && same_packet(known, &current)) {
		followed = true;
		/* written only when it changed: the entry's line is shared by every CPU the skb visits */
		if (known->head != current.head)
			known->head = current.head;
		if (!known->fingerprint)
			known->fingerprint = current.fingerprint;
	} else if (!(tracer_flags & TRACER_MATCHER)) {
		return NULL;
	}
	/* the packet is checked first: it is already parsed, the context costs more reads */
	if (!followed && !packet_verdict(&verdict, e, skb, direct))
		return NULL;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	dev = named_dev ?: skb_device(skb, direct);
	e->netns = skb_netns(skb, dev, direct);
	if (!followed && !context_matches(e))
		return NULL;
	if (CONFIG.mode == MODE_STATS) {
		count_hit(tracer);
		return NULL;
	}

	if (CONFIG.mode == MODE_LIFECYCLE) {
		if (!followed) {
			e->flags |= EVENT_LIFE_NEW;
			/* an entry at a reused address was replaced: known points to the old one */
			known = NULL;
			if (!(tracer_flags & TRACER_FREE)) {
				if (follow(&key, &current))
					count(STAT_LIVES_FULL);
				else if (life)
					known = bpf_map_lookup_elem(&lives, &key);
			}
		}
		if (tracer_flags & TRACER_FREE) {
			e->flags |= EVENT_LIFE_END;
			if (followed)
				bpf_map_delete_elem(&lives, &key);
			known = NULL;
		}
	}
	if (life)
		*life = known;
	fill_common(ctx, e, (u64)skb, tracer);
	e->head = current.head;
	e->fingerprint = current.fingerprint;
	if (tracer_flags & TRACER_FREE && has_frag_list(skb, direct))
		e->flags |= EVENT_FRAG_LIST;
	if (CONFIG.snaplen)
		capture(skb, e, direct);
	e->ifindex = dev ? READ(direct, dev, ifindex) : 0;
	/* a drop's advice names its device, so drops carry the names without --detail too */
	if (CONFIG.detail || (tracer_flags & TRACER_FREE && tracer_flags & TRACER_DROP)) {
		e->flags |= EVENT_NAMES;
		bpf_get_current_comm(e->comm, sizeof(e->comm));
		if (dev)
			bpf_probe_read_kernel_str(e->ifname, sizeof(e->ifname), dev->name);
		else
			e->ifname[0] = 0;
	}
	return e;
}

/* --rate-limit: true when this CPU's bucket has a token left (refilled at rate_limit per second) */
static __always_inline bool within_rate(void)
{
	u32 zero = 0;
	struct token_bucket *bucket = bpf_map_lookup_elem(&rate, &zero);
	u64 now = bpf_ktime_get_ns();
	u64 burst = (u64)CONFIG.rate_limit * 1000;

	if (!bucket)
		return true;
	bucket->millitokens += (now - bucket->last_ns) * CONFIG.rate_limit / 1000000;
	if (bucket->millitokens > burst)
		bucket->millitokens = burst;
	bucket->last_ns = now;
	if (bucket->millitokens < 1000) {
		count(STAT_RATE_LIMITED);
		return false;
	}
	bucket->millitokens -= 1000;
	return true;
}

/*
 * A wake-up is an irq_work (a self-IPI: a VM exit under virtualisation), far dearer than the
 * event. Flags 0 leave it to the kernel, which wakes the consumer only for a record committed
 * where the consumer's published position stands: the consumer publishes its true position
 * only before it sleeps until the next record; while records flow it keeps it one record
 * behind (RingBuffer.java) and polls every few milliseconds. Between those polls only the
 * record that takes the backlog past this mark wakes it; records behind a consumer that is
 * already late do not.
 */
#define WAKEUP_BYTES (256 * 1024)

static __always_inline u64 wakeup_flags(u64 size)
{
	u64 waiting = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);

	/* a record takes its size plus an 8-byte header, rounded up to 8 */
	return waiting < WAKEUP_BYTES && waiting + size + 16 > WAKEUP_BYTES ? BPF_RB_FORCE_WAKEUP : 0;
}

/* An event's record: the names and an extension only when there are, to keep records small. */
static __always_inline u64 record_size(const struct nt_event *e)
{
	u64 captured = ((const struct nt_record *)e)->capture.length;

	return e->flags & EVENT_CAPTURE			    ? NT_EVENT_CAPTURE_SIZE + (captured <= SNAPLEN_MAX ? captured : SNAPLEN_MAX)
	     : e->flags & EVENT_INNER			    ? NT_EVENT_INNER_SIZE
	     : e->flags & (EVENT_NETFILTER | EVENT_SOCK) ? NT_EVENT_EXT_SIZE
	     : e->flags & EVENT_NAMES			    ? NT_EVENT_BASE_SIZE
							    : NT_EVENT_PLAIN_SIZE;
}

/* Sends size bytes of e; true when they are in the ring. */
static __always_inline bool send(struct nt_event *e, u64 size)
{
	if (CONFIG.rate_limit && !within_rate())
		return false;
	if (bpf_ringbuf_output(&events, e, size, wakeup_flags(size))) {
		count(STAT_EVENTS_LOST);
		return false;
	}
	return true;
}

static __always_inline void submit(struct nt_event *e)
{
	send(e, record_size(e));
}

/* The whole of pkt in 64 bits, to tell whether a life's packet changed since its last kept record. */
static __always_inline u64 packet_digest(const struct nt_packet *pkt)
{
	const u64 *words = (const u64 *)pkt;
	u64 hash = FINGERPRINT_SEED;

	for (int i = 0; i < sizeof(*pkt) / 8; i++)
		hash = mix(hash, words[i]);
	if (sizeof(*pkt) % 8)
		hash = mix(hash, *(const u32 *)&words[sizeof(*pkt) / 8]);
	return hash ?: 1;
}

/*
 * Sends a hit on a followed skb (life: its lives entry, or NULL). A plain record whose packet
 * is the one the life's last kept record carried goes without it, in less than half the bytes:
 * the ring's cost per record grows with its size (bench/README, bpfcost), and most hits of a
 * packet find it unchanged. Any other plain record's packet is kept once it is in the ring, so
 * the decoder, which reads the ring in order, always has the packet a short record refers to.
 */
static __always_inline void submit_hit(struct nt_event *e, struct life *life)
{
	u64 size = record_size(e);
	u64 digest = 0;

	if (life && size == NT_EVENT_PLAIN_SIZE) {
		digest = packet_digest(&e->pkt);
		if (digest == life->kept) {
			e->flags |= EVENT_SAME_PACKET;
			size = NT_EVENT_SHORT_SIZE;
		} else {
			e->flags |= EVENT_PACKET_KEPT;
		}
	}
	if (send(e, size) && life && (e->flags & EVENT_PACKET_KEPT))
		life->kept = digest;
}

/* Keeps an event until its function returns (see on_return). */
static __always_inline int wait_for_return(struct nt_event *e, u64 tracer)
{
	struct pending_key key = { .tid = bpf_get_current_pid_tgid(), .tracer = tracer };

	bpf_map_update_elem(&pending, &key, e, BPF_ANY);
	return 0;
}

/* A hit on an skb: reported now, or (when the tracer needs its return value) at exit. */
static __always_inline int on_entry(void *ctx, struct sk_buff *skb, u64 tracer, bool direct, bool wait_for_ret)
{
	struct life *life;
	struct nt_event *e = build_event(ctx, skb, tracer, direct, NULL, &life);

	if (!e)
		return 0;
	if (wait_for_ret)
		return wait_for_return(e, tracer);
	submit_hit(e, life);
	return 0;
}

static __always_inline int on_return(u64 tracer, s64 ret)
{
	struct pending_key key = { .tid = bpf_get_current_pid_tgid(), .tracer = tracer };
	struct nt_event *waiting = bpf_map_lookup_elem(&pending, &key);
	u32 zero = 0;
	struct nt_record *record;
	struct nt_event *e;

	if (!waiting)
		return 0;
	/* the record is sent from the scratch buffer, which has room for the packet's bytes */
	record = bpf_map_lookup_elem(&scratch, &zero);
	if (!record) {
		bpf_map_delete_elem(&pending, &key);
		return 0;
	}
	record->event = *waiting;
	bpf_map_delete_elem(&pending, &key);
	e = &record->event;
	e->ret = ret;
	e->flags |= EVENT_RET;
	if ((tracer >> 32) & TRACER_CLONE && ret) {
		/* a clone shares its parent's head and headers: its fingerprint is learnt on next sight */
		struct life clone = { .head = (u64)BPF_CORE_READ((struct sk_buff *)ret, head) };

		e->arg = ret;
		e->flags |= EVENT_CLONE;
		if (CONFIG.mode == MODE_LIFECYCLE)
			follow(&e->arg, &clone);
	}
	if (CONFIG.snaplen)
		capture((struct sk_buff *)e->skb, e, false);
	submit(e);
	return 0;
}

/* ---- netfilter: where a verdict is made, and by which table and chain ---- */

/* nf_hook_slow(skb, state, entries, index): the hook, the family and the functions registered there */
static __always_inline int netfilter_hook(void *ctx, struct sk_buff *skb, struct nf_hook_state *state,
					  struct nf_hook_entries *entries, u64 tracer, bool direct)
{
	struct nt_event *e = build_event(ctx, skb, tracer, direct, NULL, NULL);
	u16 count;

	if (!e)
		return 0;
	e->ext.nf.source = NF_SOURCE_HOOK;
	e->ext.nf.hook = BPF_CORE_READ(state, hook);
	e->ext.nf.pf = BPF_CORE_READ(state, pf);
	count = BPF_CORE_READ(entries, num_hook_entries);
	e->ext.nf.hook_count = count > NF_HOOKS_MAX ? NF_HOOKS_MAX : count;
#pragma unroll
	for (int i = 0; i < NF_HOOKS_MAX; i++) {
		if (i >= count)
			break;
		e->ext.nf.hooks[i] = (u64)BPF_CORE_READ(entries, hooks[i].hook);
	}
	e->flags |= EVENT_NETFILTER;
	return wait_for_return(e, tracer);
}

/* ipt_do_table: the iptables (legacy) table; its chain follows from the hook */
static __always_inline int netfilter_iptables(void *ctx, struct sk_buff *skb, struct nf_hook_state *state,
					      struct xt_table *table, u64 tracer, bool direct)
{
	struct nt_event *e = build_event(ctx, skb, tracer, direct, NULL, NULL);

	if (!e)
		return 0;
	e->ext.nf.source = NF_SOURCE_IPTABLES;
	e->ext.nf.hook = BPF_CORE_READ(state, hook);
	e->ext.nf.pf = BPF_CORE_READ(state, pf);
	e->ext.nf.hook_count = 0;
	bpf_probe_read_kernel_str(e->ext.nf.table, sizeof(e->ext.nf.table), &table->name);
	e->ext.nf.chain[0] = 0;
	e->flags |= EVENT_NETFILTER;
	return wait_for_return(e, tracer);
}

/* nft_do_chain(pkt, chain): the nftables (or iptables-nft) table and base chain */
static __always_inline int netfilter_nftables(void *ctx, struct nft_pktinfo *pkt, struct nft_chain *chain,
					      u64 tracer)
{
	struct nf_hook_state *state = (struct nf_hook_state *)BPF_CORE_READ(pkt, state);
	struct nt_event *e = build_event(ctx, BPF_CORE_READ(pkt, skb), tracer, false, NULL, NULL);

	if (!e)
		return 0;
	e->ext.nf.source = NF_SOURCE_NFTABLES;
	e->ext.nf.hook = BPF_CORE_READ(state, hook);
	e->ext.nf.pf = BPF_CORE_READ(state, pf);
	e->ext.nf.hook_count = 0;
	bpf_probe_read_kernel_str(e->ext.nf.table, sizeof(e->ext.nf.table), BPF_CORE_READ(chain, table, name));
	bpf_probe_read_kernel_str(e->ext.nf.chain, sizeof(e->ext.nf.chain), BPF_CORE_READ(chain, name));
	e->flags |= EVENT_NETFILTER;
	return wait_for_return(e, tracer);
}

/* Entry programs of the netfilter functions: {fentry,kprobe}_wait_<function>_<skb argument>. */
#define NETFILTER_PROGRAMS(function, skb_arg, call_fentry, call_kprobe)		\
SEC("fentry")									\
int fentry_wait_##function##_##skb_arg(u64 *ctx)				\
{										\
	u64 tracer = placeholder_tracer();					\
										\
	return call_fentry;							\
}										\
SEC("kprobe")									\
int kprobe_wait_##function##_##skb_arg(struct pt_regs *ctx)			\
{										\
	u64 tracer = bpf_get_attach_cookie(ctx);				\
										\
	return call_kprobe;							\
}

NETFILTER_PROGRAMS(nf_hook_slow, 0,
	netfilter_hook(ctx, (void *)ctx[0], (void *)ctx[1], (void *)ctx[2], tracer, true),
	netfilter_hook(ctx, (void *)PT_REGS_PARM1(ctx), (void *)PT_REGS_PARM2(ctx), (void *)PT_REGS_PARM3(ctx),
		       tracer, false))
/* before 5.16: ipt_do_table(skb, state, table) */
NETFILTER_PROGRAMS(ipt_do_table, 0,
	netfilter_iptables(ctx, (void *)ctx[0], (void *)ctx[1], (void *)ctx[2], tracer, true),
	netfilter_iptables(ctx, (void *)PT_REGS_PARM1(ctx), (void *)PT_REGS_PARM2(ctx), (void *)PT_REGS_PARM3(ctx),
			   tracer, false))
/* since 5.16: ipt_do_table(table, skb, state) */
NETFILTER_PROGRAMS(ipt_do_table, 1,
	netfilter_iptables(ctx, (void *)ctx[1], (void *)ctx[2], (void *)ctx[0], tracer, true),
	netfilter_iptables(ctx, (void *)PT_REGS_PARM2(ctx), (void *)PT_REGS_PARM3(ctx), (void *)PT_REGS_PARM1(ctx),
			   tracer, false))
NETFILTER_PROGRAMS(nft_do_chain, 0,
	netfilter_nftables(ctx, (void *)ctx[0], (void *)ctx[1], tracer),
	netfilter_nftables(ctx, (void *)PT_REGS_PARM1(ctx), (void *)PT_REGS_PARM2(ctx), tracer))

/* ---- tracepoints (tp_btf): skb at argument N ---- */

/*
 * Test builds only (make test): -DREJECTED_TEMPLATE=N makes tp_skb_N read far past its
 * arguments, which the verifier refuses, so tests can watch a real rejection being survived.
 */
#ifndef REJECTED_TEMPLATE
#define REJECTED_TEMPLATE -1
#endif

#define TP_SKB(n)								\
SEC("tp_btf")									\
int tp_skb_##n(u64 *ctx)							\
{										\
	if (n == REJECTED_TEMPLATE)						\
		return ctx[4096];						\
	return on_entry(ctx, (struct sk_buff *)ctx[n], placeholder_tracer(), true, false); \
}
TP_SKB(0)
TP_SKB(1)
TP_SKB(2)
TP_SKB(3)

/* skb:kfree_skb(skb, location, reason[, rx_sk]); kernels before 5.17 have no reason */
SEC("tp_btf")
int tp_kfree_skb(u64 *ctx)
{
	struct nt_event *e = build_event(ctx, (struct sk_buff *)ctx[0], placeholder_tracer(), true, NULL, NULL);

	if (!e)
		return 0;
	e->arg = ctx[1];
	if (bpf_core_type_exists(enum skb_drop_reason)) {
		e->ret = (u32)ctx[2];
		e->flags |= EVENT_REASON;
	}
	submit(e);
	return 0;
}

/* skb:consume_skb(skb[, location]): where the kernel was done with the packet (6.3+) */
SEC("tp_btf")
int tp_consume_skb(u64 *ctx)
{
	struct nt_event *e = build_event(ctx, (struct sk_buff *)ctx[0], placeholder_tracer(), true, NULL, NULL);

	if (!e)
		return 0;
	if (bpf_core_field_exists(struct trace_event_raw_consume_skb, location))
		e->arg = ctx[1];
	submit(e);
	return 0;
}

/*
 * net:net_dev_xmit(skb, rc, dev, len): the driver's return code. The device is the one the
 * tracepoint names: a veth has already made its peer skb->dev.
 */
SEC("tp_btf")
int tp_net_dev_xmit(u64 *ctx)
{
	struct life *life;
	struct nt_event *e = build_event(ctx, (struct sk_buff *)ctx[0], placeholder_tracer(), true,
					 (struct net_device *)ctx[2], &life);

	if (!e)
		return 0;
	e->ret = (s32)ctx[1];
	e->flags |= EVENT_RET;
	submit_hit(e, life);
	return 0;
}

/* net:net_dev_start_xmit(skb, dev): the transmitting device, as the tracepoint names it */
SEC("tp_btf")
int tp_net_dev_start_xmit(u64 *ctx)
{
	struct life *life;
	struct nt_event *e = build_event(ctx, (struct sk_buff *)ctx[0], placeholder_tracer(), true,
					 (struct net_device *)ctx[1], &life);

	if (e)
		submit_hit(e, life);
	return 0;
}

/* tcp:tcp_send_reset(sk, skb[, reason]): the skb that caused the reset, and why (6.10+) */
SEC("tp_btf")
int tp_tcp_send_reset(u64 *ctx)
{
	struct nt_event *e = build_event(ctx, (struct sk_buff *)ctx[1], placeholder_tracer(), true, NULL, NULL);

	if (!e)
		return 0;
	if (bpf_core_type_exists(enum sk_rst_reason)) {
		e->ret = (u32)ctx[2];
		e->flags |= EVENT_RESET_REASON;
	}
	submit(e);
	return 0;
}

/* The ICMP error of this type and code is sent about the packet in skb (in arg: the return value may come too). */
static __always_inline int icmp_sent(void *ctx, struct sk_buff *skb, u64 type, u64 code, u64 tracer, bool direct,
				     bool wait_for_ret)
{
	struct nt_event *e = build_event(ctx, skb, tracer, direct, NULL, NULL);

	if (!e)
		return 0;
	e->arg = (type & 0xff) << 8 | (code & 0xff);
	e->flags |= EVENT_ICMP_SENT;
	if (wait_for_ret)
		return wait_for_return(e, tracer);
	submit(e);
	return 0;
}

/* icmp:icmp_send(skb, type, code), on kernels that have it */
SEC("tp_btf")
int tp_icmp_send(u64 *ctx)
{
	return icmp_sent(ctx, (struct sk_buff *)ctx[0], ctx[1], ctx[2], placeholder_tracer(), true, false);
}

/* __icmp_send(skb_in, type, code, info, opt), where functions can be traced */
#define ICMP_SEND_PROGRAMS(wait, wait_for_ret)						\
SEC("fentry")										\
int fentry_##wait##icmp_send_0(u64 *ctx)						\
{											\
	return icmp_sent(ctx, (struct sk_buff *)ctx[0], ctx[1], ctx[2], placeholder_tracer(), true, \
			 wait_for_ret);							\
}											\
SEC("kprobe")										\
int kprobe_##wait##icmp_send_0(struct pt_regs *ctx)					\
{											\
	return icmp_sent(ctx, (struct sk_buff *)PT_REGS_PARM1(ctx), PT_REGS_PARM2(ctx), PT_REGS_PARM3(ctx), \
			 bpf_get_attach_cookie(ctx), false, wait_for_ret);		\
}
ICMP_SEND_PROGRAMS(, false)
ICMP_SEND_PROGRAMS(wait_, true)

/* ---- kernel functions through fentry/fexit: skb at argument N ---- */

#define FENTRY_SKB(n)								\
SEC("fentry")									\
int fentry_skb_##n(u64 *ctx)							\
{										\
	return on_entry(ctx, (struct sk_buff *)ctx[n], placeholder_tracer(), true, false); \
}										\
SEC("fentry")									\
int fentry_wait_skb_##n(u64 *ctx)						\
{										\
	return on_entry(ctx, (struct sk_buff *)ctx[n], placeholder_tracer(), true, true); \
}
FENTRY_SKB(0)
FENTRY_SKB(1)
FENTRY_SKB(2)
FENTRY_SKB(3)
FENTRY_SKB(4)

SEC("fexit")
int fexit_ret(u64 *ctx)
{
	u64 ret = 0;

	bpf_get_func_ret(ctx, &ret);
	return on_return(placeholder_tracer(), (s64)ret);
}

/* ---- kernel functions through kprobes: identity from the attach cookie ---- */

#define KPROBE_SKB(n, reg)							\
SEC("kprobe")									\
int kprobe_skb_##n(struct pt_regs *ctx)						\
{										\
	return on_entry(ctx, (struct sk_buff *)PT_REGS_##reg(ctx), bpf_get_attach_cookie(ctx), false, false); \
}										\
SEC("kprobe")									\
int kprobe_wait_skb_##n(struct pt_regs *ctx)					\
{										\
	return on_entry(ctx, (struct sk_buff *)PT_REGS_##reg(ctx), bpf_get_attach_cookie(ctx), false, true); \
}
KPROBE_SKB(0, PARM1)
KPROBE_SKB(1, PARM2)
KPROBE_SKB(2, PARM3)
KPROBE_SKB(3, PARM4)
KPROBE_SKB(4, PARM5)

SEC("kretprobe")
int kretprobe_ret(struct pt_regs *ctx)
{
	return on_return(bpf_get_attach_cookie(ctx), (s64)PT_REGS_RC(ctx));
}

/* ---- struct sock events (--sock, --rtt) ---- */

#define AF_INET		2
#define AF_INET6	10

/* The socket's addresses as a packet's (local = source) and TCP's view of the path. */
static __always_inline void parse_sock(struct sock *sk, struct nt_packet *pkt, struct nt_sock *info)
{
	u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	struct tcp_sock *tcp = (struct tcp_sock *)sk;

	pkt->l4_proto = BPF_CORE_READ(sk, sk_protocol);
	pkt->ip_len = 0;
	pkt->vlan_tci = 0;
	pkt->tcp_flags = 0;
	if (family == AF_INET) {
		u32 source = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		u32 destination = BPF_CORE_READ(sk, __sk_common.skc_daddr);

		pkt->l3_proto = ETH_P_IP;
		__builtin_memcpy(pkt->saddr, &source, 4);
		__builtin_memcpy(pkt->daddr, &destination, 4);
	} else if (family == AF_INET6) {
		pkt->l3_proto = ETH_P_IPV6;
		bpf_core_read(pkt->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(pkt->daddr, 16, &sk->__sk_common.skc_v6_daddr);
	} else {
		pkt->l3_proto = 0;
		pkt->l4_proto = 0;
	}
	/* inet_sport, not skc_num: a socket entering CLOSE has released its port number already */
	pkt->sport = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
	pkt->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	info->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	info->old_state = 0;
	if (pkt->l4_proto != IPPROTO_TCP) {
		__builtin_memset(&info->ca_state, 0, sizeof(*info) - 2);
		return;
	}
	info->ca_state = BPF_CORE_READ_BITFIELD_PROBED((struct inet_connection_sock *)sk, icsk_ca_state);
	info->srtt_us = BPF_CORE_READ(tcp, srtt_us) >> 3;
	info->min_rtt_us = BPF_CORE_READ(tcp, rtt_min.s[0].v);
	info->snd_cwnd = BPF_CORE_READ(tcp, snd_cwnd);
	info->packets_out = BPF_CORE_READ(tcp, packets_out);
	info->retrans_out = BPF_CORE_READ(tcp, retrans_out);
	info->total_retrans = BPF_CORE_READ(tcp, total_retrans);
}

/* Fills the scratch event for a socket and decides whether it is reported (every event is filtered). */
static __always_inline struct nt_event *build_sock_event(void *ctx, struct sock *sk, u64 tracer)
{
	u32 zero = 0;
	struct nt_event *e;

	if (EMPTY_PROGRAMS || LOOKUP_FLOOR_PROGRAMS || !sk)
		return NULL;
	e = bpf_map_lookup_elem(&scratch, &zero);
	if (!e)
		return NULL;
	parse_sock(sk, &e->pkt, &e->ext.sock);
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	if (!context_matches(e) || !packet_matches(&e->pkt))
		return NULL;
	if (CONFIG.mode == MODE_STATS) {
		count_hit(tracer);
		return NULL;
	}
	e->flags = EVENT_SOCK;
	fill_common(ctx, e, (u64)sk, tracer);
	e->head = 0;
	e->fingerprint = 0;
	e->ifindex = 0;
	if (CONFIG.detail) {
		e->flags |= EVENT_NAMES;
		bpf_get_current_comm(e->comm, sizeof(e->comm));
		e->ifname[0] = 0;
	}
	return e;
}

static __always_inline int on_sock(void *ctx, struct sock *sk, u64 tracer)
{
	struct nt_event *e = build_sock_event(ctx, sk, tracer);

	if (e)
		submit(e);
	return 0;
}

/* sock:inet_sock_set_state(sk, oldstate, newstate) */
SEC("tp_btf")
int tp_sock_state(u64 *ctx)
{
	struct nt_event *e = build_sock_event(ctx, (struct sock *)ctx[0], placeholder_tracer());

	if (!e)
		return 0;
	e->ext.sock.old_state = (u8)ctx[1];
	e->ext.sock.state = (u8)ctx[2];
	submit(e);
	return 0;
}

SEC("tp_btf")
int tp_sock_0(u64 *ctx)
{
	return on_sock(ctx, (struct sock *)ctx[0], placeholder_tracer());
}

#define SOCK_FUNCTION(n, reg)							\
SEC("fentry")									\
int fentry_sock_##n(u64 *ctx)							\
{										\
	return on_sock(ctx, (struct sock *)ctx[n], placeholder_tracer());	\
}										\
SEC("kprobe")									\
int kprobe_sock_##n(struct pt_regs *ctx)					\
{										\
	return on_sock(ctx, (struct sock *)PT_REGS_##reg(ctx), bpf_get_attach_cookie(ctx)); \
}
SOCK_FUNCTION(0, PARM1)
SOCK_FUNCTION(1, PARM2)
SOCK_FUNCTION(2, PARM3)

static __always_inline u32 log2_bucket(u32 value)
{
	u32 bucket = 0;

#pragma unroll
	for (int shift = 16; shift > 0; shift >>= 1) {
		if (value >= (1U << shift)) {
			value >>= shift;
			bucket += shift;
		}
	}
	return bucket;
}

/* tcp:tcp_probe(sk, skb), on every ACK of an established connection: its smoothed RTT */
SEC("tp_btf")
int tp_rtt(u64 *ctx)
{
	struct nt_event *e = build_sock_event(ctx, (struct sock *)ctx[0], placeholder_tracer());
	u32 bucket;
	u64 *samples;

	if (!e || e->pkt.l4_proto != IPPROTO_TCP)
		return 0;
	if (e->ext.sock.srtt_us < CONFIG.min_srtt_us || e->ext.sock.min_rtt_us < CONFIG.min_rtt_us)
		return 0;
	bucket = log2_bucket(e->ext.sock.srtt_us);
	samples = bpf_map_lookup_elem(&rtt_histogram, &bucket);
	if (samples)
		*samples += 1;
	if (CONFIG.rtt_events)
		submit(e);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
