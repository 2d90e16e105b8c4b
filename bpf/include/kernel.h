/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel-internal types nettrace reads, declared with only the fields it uses.
 * preserve_access_index makes every access a CO-RE relocation: libbpf resolves each field
 * by name against the running kernel's BTF at load time, so the offsets below never matter.
 * To add a field: look it up with `bpftool btf dump file /sys/kernel/btf/vmlinux format c`
 * and declare it here under the same name (nested anonymous unions need not be reproduced).
 */
#ifndef NETTRACE_KERNEL_H
#define NETTRACE_KERNEL_H

#include <linux/types.h>
#include <linux/bpf.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s32 s32;
typedef __s64 s64;
typedef _Bool bool;
#define true 1
#define false 0

/* bpf_tracing.h picks kernel register names when it sees this */
#define __VMLINUX_H__

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8, ax, cx, dx, si, di;
	unsigned long orig_ax, ip, cs, flags, sp, ss;
};

/* read_word and read_header (nettrace.bpf.c): kernel types starting with a 64-bit number, a char array */
struct timespec64 {
	s64 tv_sec;
	long tv_nsec;
};

struct new_utsname {
	char sysname[65];
};

struct ns_common {
	unsigned int inum;
};

struct net {
	struct ns_common ns;
};

typedef struct {
	struct net *net;
} possible_net_t;

struct net_device {
	char name[16];
	int ifindex;
	unsigned short type;
	possible_net_t nd_net;
};

struct in6_addr {
	u8 s6_addr[16];
};

struct sock_common {
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	volatile unsigned char skc_state;
	possible_net_t skc_net;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
};

struct sock {
	struct sock_common __sk_common;
	u16 sk_protocol;
};

struct inet_sock {
	__be16 inet_sport;
};

struct inet_connection_sock {
	__u8 icsk_ca_state: 5;
};

struct minmax_sample {
	u32 t;
	u32 v;
};

struct minmax {
	struct minmax_sample s[3];
};

struct tcp_sock {
	u32 srtt_us;
	u32 snd_cwnd;
	u32 packets_out;
	u32 retrans_out;
	u32 total_retrans;
	struct minmax rtt_min;
};

struct sk_buff {
	struct net_device *dev;
	struct sock *sk;
	unsigned int len;
	unsigned int data_len;
	__be16 protocol;
	__u16 transport_header;
	__u16 network_header;
	__u16 mac_header;
	__u16 inner_network_header;
	__u8 encapsulation: 1;
	__be16 vlan_proto;
	__u16 vlan_tci;
	unsigned int tail;
	unsigned int end;	/* sk_buff_data_t: an offset from head on 64-bit kernels */
	unsigned char *head;
	unsigned char *data;
};

/* at head + end */
struct skb_shared_info {
	struct sk_buff *frag_list;
};

/* netfilter: the hook and family of nf_hook_slow, and what iptables and nftables name */
struct nf_hook_state {
	u8 hook;
	u8 pf;
};

struct nf_hook_entry {
	void *hook;
	void *priv;
};

struct nf_hook_entries {
	u16 num_hook_entries;
	struct nf_hook_entry hooks[0];
};

struct xt_table {
	const char name[32];
};

struct nft_pktinfo {
	struct sk_buff *skb;
	const struct nf_hook_state *state;
};

struct nft_table {
	char *name;
};

struct nft_chain {
	struct nft_table *table;
	char *name;
};

/* The consume_skb tracepoint's record: it has a location field (and argument) since 6.3. */
struct trace_event_raw_consume_skb {
	void *location;
};

#pragma clang attribute pop

/* Only its existence is asked (bpf_core_type_exists): kernels before 5.17 have no drop reasons. */
enum skb_drop_reason {
	SKB_DROP_REASON_NOT_SPECIFIED = 2,
};

/* Likewise: tcp_send_reset carries a reset reason since 6.10. */
enum sk_rst_reason {
	SK_RST_REASON_NOT_SPECIFIED = 0,
};

#endif
