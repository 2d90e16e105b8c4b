/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layouts shared by monitor.bpf.c (nettrace monitor's in-kernel counters) and the Java side:
 * the configuration written into .rodata before load, and the keys and values of the counter
 * maps user space reads at scrape time. Java mirrors them in nettrace.monitor.probe.MonitorLayout;
 * MonitorLayoutTest compares both against this object's BTF. Little-endian host order unless
 * named *_be; ports and protocols are in host order.
 */
#ifndef NETTRACE_MONITOR_H
#define NETTRACE_MONITOR_H

/*
 * What a packet (or a socket, seen as the packets it sends) is, as far as the counters and the
 * filter care: also the sample of a drop class that capture-on-anomaly derives its filter from.
 */
struct mon_flow {
	__u8  saddr[16];      /* IPv4 in the first 4 bytes */
	__u8  daddr[16];
	__u16 sport;
	__u16 dport;
	__u16 l3_proto;       /* ethertype, 0 = unknown */
	__u8  l4_proto;       /* IPPROTO_*, 0 = none or unknown */
	__u8  pad;
	__u32 netns;          /* inode of the network namespace, 0 = unknown */
	__u32 pad2;
};

#define MON_FLOW_WORDS (sizeof(struct mon_flow) / 8)
/* --addr and --port match either direction: at most 2 x 2 alternatives */
#define MON_PATTERNS 4

enum mon_program {
	MON_PROGRAM_DROP      = 0, /* skb:kfree_skb */
	MON_PROGRAM_NETFILTER = 1, /* nft_do_chain, ipt_do_table entered */
	MON_PROGRAM_TCP       = 2, /* retransmits, resets, failed connects */
	MON_PROGRAM_RTT       = 3, /* tcp:tcp_probe */
	MON_PROGRAMS          = 4,
};

struct mon_config {
	/* a packet is counted when (flow & mask) == match for one of the first `patterns` patterns */
	struct mon_flow match[MON_PATTERNS];
	struct mon_flow mask[MON_PATTERNS];
	__u32 patterns;            /* 0 = every packet */
	__u32 consumed_reason;     /* the kernel's SKB_CONSUMED: a free, not a drop; ~0 when it has none */
	__u32 netfilter_drop_reason; /* SKB_DROP_REASON_NETFILTER_DROP; ~0 when it has none */
	/*
	 * SKB_DROP_REASON_NOT_SPECIFIED (~0 when none) and where skb_release_data's code lies: such a
	 * "drop" is an skb freed with the frag_list of the one that held it (reassembled fragments, a
	 * GRO batch), which is counted by itself if it was dropped
	 */
	__u32 not_specified_reason;
	__u64 frag_list_free_start;
	__u64 frag_list_free_end;
	/*
	 * Where the kernel's list free lies (kfree_skb_list_reason, else kfree_skb_list): 6.1 reports
	 * its frees from there, the frag_list ones among them told apart by skb_release_data on the
	 * stack; later kernels report them from its caller.
	 */
	__u64 list_free_start;
	__u64 list_free_end;
};

enum mon_netfilter_source {
	MON_NF_NONE     = 0,
	MON_NF_IPTABLES = 1, /* ipt_do_table: table by name, chain follows from the hook */
	MON_NF_NFTABLES = 2, /* nft_do_chain: table and base chain by name */
};

/*
 * One drop class and place: the kernel map's key (user space folds keys into label sets).
 * Padding is explicit: a hash key is compared byte for byte.
 */
struct mon_drop_key {
	__u64 location;       /* kfree_skb's caller */
	__u32 reason;         /* enum skb_drop_reason, 0 before 5.17 */
	__u32 netns;
	char  ifname[16];     /* skb->dev, empty when none */
	enum mon_netfilter_source nf_source; /* the chain whose DROP freed this skb */
	__u16 l3_proto;
	__u8  l4_proto;
	__u8  nf_hook;        /* NF_INET_PRE_ROUTING... */
	__u8  nf_pf;          /* NFPROTO_IPV4... */
	__u8  pad[3];
	char  nf_table[32];
	char  nf_chain[32];
	__u32 pad2;
};

struct mon_drop_value {
	__u64 packets;
	__u64 bytes;          /* skb->len at the drop */
	__u64 last_seen;      /* bpf_jiffies64 at the latest drop, whose packet is the sample */
	struct mon_flow sample;
};

enum mon_tcp_event {
	MON_TCP_RETRANSMIT      = 1,
	MON_TCP_RESET_SENT      = 2,
	MON_TCP_RESET_RECEIVED  = 3,
	MON_TCP_CONNECT_FAILED  = 4, /* SYN_SENT -> CLOSE */
};

struct mon_tcp_key {
	__u32 netns;
	enum mon_tcp_event event;
	__u32 reason;         /* MON_TCP_RESET_SENT: enum sk_rst_reason (6.10+), else 0 */
};

#define MON_RTT_BUCKETS 32    /* log2 buckets of microseconds */

struct mon_rtt_key {
	__u32 netns;
	__u32 bucket;
};

/* Time the monitor's programs spend in the kernel, per enum mon_program and CPU. */
struct mon_run_time {
	__u64 runs;
	__u64 ns;
};

#endif
