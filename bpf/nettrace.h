/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the BPF programs and the Java side share: the configuration written into .rodata before
 * load, the event records sent through the ring buffer, and every constant both sides use. Each
 * struct nt_* and enum nt_* here has a Java class that mirrors it name for name (annotated
 * @MirrorsBpf); BpfContractTest compares both ways with this object's BTF, so a member, field
 * or constant added on one side only fails the build. The enums reach the BTF through struct
 * nt_contract (the `contract` map's value). All multi-byte fields are little-endian host order.
 */
#ifndef NETTRACE_H
#define NETTRACE_H

/* Sizes, limits and the placeholder both sides know. */
enum nt_sizes {
	MAX_TRACERS = 8192,
	NF_HOOKS_MAX = 8,         /* hook functions recorded at a netfilter hook */
	RTT_BUCKETS = 32,         /* log2 buckets of microseconds */
	STACK_DEPTH = 127,        /* frames of a recorded kernel stack */
	SNAPLEN_MAX = 1024,       /* packet bytes an event may carry (--snaplen) */
	FILTER_MAX_INSNS = 4096,  /* classic BPF instructions of a --filter expression */
	/* the tracer identity's placeholder in each template, replaced in each clone (ProbeSet) */
	TRACER_PLACEHOLDER_HIGH = 0x7eadbeef,
	TRACER_PLACEHOLDER_LOW = 0xcafe1234,
};

#define TRACER_PLACEHOLDER 0x7eadbeefcafe1234ULL
_Static_assert(TRACER_PLACEHOLDER == ((unsigned long long)TRACER_PLACEHOLDER_HIGH << 32 | TRACER_PLACEHOLDER_LOW),
	       "the placeholder's halves");

/* High 32 bits of the tracer identity: what the attach plan says about that tracer. */
enum nt_tracer_flag {
	TRACER_MATCHER = 1 << 0, /* may start following a new skb (lifecycle) */
	TRACER_FREE    = 1 << 1, /* ends an skb's life */
	TRACER_CLONE   = 1 << 2, /* returns a clone of its skb */
	TRACER_STACK   = 1 << 3, /* record the kernel stack */
	TRACER_DROP    = 1 << 4, /* its free is a drop (kfree_skb): the event names the device */
	/* its function writes the headers after its entry: no parse */
	TRACER_HEADERS_UNWRITTEN = 1 << 8,
};

/*
 * A template is verified with the placeholder's flags. Where one of them is set the verifier
 * drops what that flag skips, and with the parse gone the template no longer lists the
 * functions a clone that does parse needs (BpfProgram.describeFunctions).
 */
_Static_assert((TRACER_PLACEHOLDER_HIGH & TRACER_HEADERS_UNWRITTEN) == 0, "the template parses");

enum nt_mode {
	MODE_BASIC     = 0, /* every hit is filtered on its own */
	MODE_LIFECYCLE = 1, /* filter at first sight, then follow the skb by address */
	MODE_STATS     = 2, /* count hits per tracer, send no event */
	MODE_RTT       = 3, /* histogram of TCP round-trip times */
};

enum nt_event_flag {
	EVENT_RET       = 1 << 0, /* ret holds the traced function's return value */
	EVENT_LIFE_NEW  = 1 << 1, /* first event of a followed skb */
	EVENT_LIFE_END  = 1 << 2, /* the skb's life ends here */
	EVENT_REASON    = 1 << 3, /* ret holds a kfree_skb drop reason, arg the location */
	EVENT_NO_PACKET = 1 << 4, /* headers could not be located */
	EVENT_CLONE     = 1 << 5, /* arg is the clone this function returned */
	EVENT_NETFILTER = 1 << 6, /* the netfilter extension follows the event */
	EVENT_SOCK      = 1 << 7, /* a struct sock event: the sock extension follows */
	EVENT_RESET_REASON = 1 << 8, /* ret holds a tcp_send_reset reason (enum sk_rst_reason) */
	EVENT_INNER     = 1 << 9, /* pkt is a tunnel's outer packet: inner holds the one it carries */
	EVENT_ICMP_SENT = 1 << 10, /* arg holds type << 8 | code of the ICMP error sent about the packet */
	EVENT_NAMES     = 1 << 11, /* comm and ifname are sent (--detail, and every drop) */
	EVENT_CAPTURE   = 1 << 12, /* the packet's first bytes follow (--output pcapng) */
	EVENT_SAME_PACKET = 1 << 13, /* no pkt: the skb's packet is the one its last EVENT_PACKET_KEPT record carried */
	EVENT_PACKET_KEPT = 1 << 14, /* the skb's later records may leave this pkt out (EVENT_SAME_PACKET) */
	EVENT_FRAG_LIST = 1 << 15, /* a free of an skb whose frag_list holds others: they are freed right after it */
};

struct nt_config {
	__u8  saddr[16];
	__u8  daddr[16];
	__u8  addr[16];
	__u8  saddr_len;      /* 0 = no filter, 4 or 16 */
	__u8  daddr_len;
	__u8  addr_len;
	__u8  l4_proto;       /* IPPROTO_*, 0 = any */
	__u16 l3_proto;       /* ethertype, 0 = any */
	__u16 sport;
	__u16 dport;
	__u16 port;
	__u16 pkt_len_min;
	__u16 pkt_len_max;    /* 0 = no length filter */
	__u32 netns;          /* 0 = any */
	__u32 pid;            /* 0 = any */
	__u8  tcp_flags;      /* any of these TCP flags, 0 = no filter */
	__u8  mode;           /* enum mode */
	__u8  detail;         /* record comm and interface name */
	__u8  rtt_events;     /* MODE_RTT: an event per sample besides the histogram */
	__u32 rate_limit;     /* events per second and CPU, 0 = no limit */
	__u32 min_srtt_us;    /* MODE_RTT: only samples at least this slow */
	__u32 min_rtt_us;     /* MODE_RTT: only sockets whose minimum RTT is at least this */
	__u16 snaplen;        /* packet bytes to capture per event, 0 = none (--output pcapng) */
	__u16 expression_length[2]; /* --filter: instructions per enum nt_filter_link, both 0 = none */
	__u16 config_pad;
};

/*
 * --filter: a tcpdump expression as libpcap compiles it, in classic BPF (struct sock_filter),
 * once for frames with an Ethernet header and once for packets that start at the IP header.
 * A raw-IP length of 0 beside an Ethernet one means the expression needs the link layer.
 */
enum nt_filter_link {
	FILTER_ETHERNET = 0,
	FILTER_RAW      = 1,
	FILTER_LINKS    = 2,
};

struct nt_filter_insn {
	__u16 code;
	__u8  jt;
	__u8  jf;
	__u32 k;
};

struct nt_expression_program {
	struct nt_filter_insn insns[FILTER_MAX_INSNS];
};

struct nt_packet {
	__u8  saddr[16];      /* IPv4 in the first 4 bytes; ARP sender address */
	__u8  daddr[16];      /* ARP target address */
	__u16 l3_proto;       /* ethertype, 0 = not found */
	__u8  l4_proto;
	__u8  tcp_flags;
	__u16 sport;
	__u16 dport;
	__u32 seq;
	__u32 ack;
	__u16 ip_len;         /* IP total length (IPv6: payload + 40) */
	__u16 vlan_tci;       /* 0 = untagged */
	__u8  icmp_type;
	__u8  icmp_code;
	__u16 icmp_id;
	__u16 icmp_seq;
	__u16 arp_op;
	__u8  hwaddr[6];      /* ARP sender hardware address */
	__u16 fragment;       /* more-fragments (0x2000) and offset (8-byte units) as in IPv4's header; 0 = whole */
	__u32 ip_id;          /* IPv4's identification, or an IPv6 fragment header's: which datagram */
};

/* What socket tracers add (EVENT_SOCK): the socket's state and TCP's view of the path. */
struct nt_sock {
	__u8  state;          /* TCP_ESTABLISHED... */
	__u8  old_state;      /* inet_sock_set_state: the state left */
	__u8  ca_state;       /* congestion state: open, disorder, cwr, recovery, loss */
	__u8  pad;
	__u32 srtt_us;        /* smoothed round-trip time */
	__u32 min_rtt_us;
	__u32 snd_cwnd;
	__u32 packets_out;
	__u32 retrans_out;
	__u32 total_retrans;
};

/* What the netfilter analyzers add to an event (sent only with EVENT_NETFILTER). */
struct nt_netfilter {
	__u8  hook;           /* NF_INET_PRE_ROUTING... */
	__u8  pf;             /* NFPROTO_IPV4... */
	__u8  hook_count;     /* entries in hooks (nf_hook_slow) */
	__u8  source;         /* enum netfilter_source */
	__u32 pad;
	char  table[32];      /* iptables table, or nftables table */
	char  chain[32];      /* nftables chain (iptables chains follow from the hook) */
	__u64 hooks[NF_HOOKS_MAX]; /* hook functions registered at this hook (nf_hook_slow) */
};

enum nt_netfilter_source {
	NF_SOURCE_HOOK     = 1, /* nf_hook_slow */
	NF_SOURCE_IPTABLES = 2, /* ipt_do_table */
	NF_SOURCE_NFTABLES = 3, /* nft_do_chain */
};

/* How a captured packet starts: at its link-layer header, or at its network header (none set yet). */
enum nt_link {
	LINK_ETHERNET = 1,  /* pcapng LINKTYPE_ETHERNET */
	LINK_RAW      = 101, /* pcapng LINKTYPE_RAW: IPv4 or IPv6 from the IP header */
};

/* The first bytes of the packet (--output pcapng). */
struct nt_capture {
	__u16 length;         /* bytes in data */
	__u16 link;           /* enum nt_link */
	__u32 packet_length;  /* the whole packet from where data starts */
	__u8  data[SNAPLEN_MAX];
};

struct nt_event {
	__u64 ts;             /* bpf_ktime_get_ns */
	__u64 skb;
	__u64 arg;            /* drop location, new skb of a clone */
	__s64 ret;            /* return value or drop reason (see flags) */
	__u32 tracer;         /* index of the tracer in the attach plan */
	__u16 flags;          /* enum event_flag */
	__u16 cpu;
	__u32 pid;            /* thread-group id */
	__u32 netns;
	__u32 ifindex;
	__s32 stack_id;       /* kernel stack in the stacks map, -1 = none */
	__u64 head;           /* the skb's data buffer: a clone shares it with its original */
	__u64 fingerprint;    /* what identifies the packet through NAT and tunnels (see packet_fingerprint) */
	struct nt_packet pkt; /* the names start 8-aligned after it, where plain records end */
	char  comm[16];       /* sent only with --detail */
	char  ifname[16];
	union {               /* sent only with EVENT_NETFILTER or EVENT_SOCK */
		struct nt_netfilter nf;
		struct nt_sock sock;
	} ext;
	struct nt_packet inner; /* sent only with EVENT_INNER */
};

/*
 * What the ring buffer gets: an event, and with EVENT_CAPTURE the packet's first bytes after
 * it. Events waiting for their function's return (the pending map) are kept without them.
 */
struct nt_record {
	struct nt_event event;
	struct nt_capture capture; /* its data up to capture.length */
};

/* Where an event's record ends: the parts after each are sent only when the flags say so. */
enum nt_event_size {
	NT_EVENT_SHORT_SIZE = __builtin_offsetof(struct nt_event, pkt),   /* EVENT_SAME_PACKET: no packet */
	NT_EVENT_PLAIN_SIZE = __builtin_offsetof(struct nt_event, comm),  /* no names, no extension */
	NT_EVENT_BASE_SIZE = __builtin_offsetof(struct nt_event, ext),    /* with the names */
	NT_EVENT_EXT_SIZE = __builtin_offsetof(struct nt_event, inner),   /* with an extension */
	NT_EVENT_INNER_SIZE = sizeof(struct nt_event),                     /* with a tunnel's inner packet */
	NT_EVENT_CAPTURE_SIZE = __builtin_offsetof(struct nt_record, capture.data), /* plus capture.length */
	NT_CONFIG_SIZE = sizeof(struct nt_config),
};

/* Slots of the per-CPU stats array. */
enum nt_stat {
	STAT_EVENTS_LOST  = 0, /* ring buffer was full */
	STAT_LIVES_FULL   = 1, /* lifecycle map refused an insert */
	STAT_RATE_LIMITED = 2, /* events held back by the rate limit */
	STAT_COUNT        = 3,
};

/* One member per shared enum, so that each reaches the object's BTF (see the contract map). */
struct nt_contract {
	enum nt_sizes sizes;
	enum nt_tracer_flag tracer_flag;
	enum nt_mode mode;
	enum nt_event_flag event_flag;
	enum nt_netfilter_source netfilter_source;
	enum nt_event_size event_size;
	enum nt_stat stat;
	enum nt_link link;
	enum nt_filter_link filter_link;
};

#endif
