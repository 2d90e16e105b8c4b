/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decided once per skb: the packet filter's verdict (the seed's flags and --filter) is kept, per
 * CPU, for the skbs seen last, so the later hits of a packet cost a lookup instead of a parse
 * and a filter. An skb's hits mostly come one after another on one CPU; a slot taken by another
 * skb, or a hit on another CPU, only costs a new decision.
 *
 * Included by nettrace.bpf.c after READ, read_word, NO_HEADER and event_matches.
 */
#ifndef NETTRACE_VERDICTS_H
#define NETTRACE_VERDICTS_H

#define VERDICT_SLOTS 1024	/* a power of two */

/*
 * What tells an skb's packet from the next packet the same skb carries. The kernel frees many
 * skbs where no tracer sees it (TCP and UDP receive, GRO) and hands the same address, often with
 * the same head buffer, to a new packet at once. So besides the head the test takes where the
 * packet ends in it (a header pushed or pulled moves data and len together) and the first 8
 * bytes at its transport header (ports and TCP sequence, UDP length and checksum, ICMP
 * identifier and sequence), or at its network header while the transport header is not set.
 * The header offsets are part of it too: a verdict taken where the headers were not yet (or no
 * longer) where the parse looks would otherwise stand for the packet's later hits (with fentry
 * on Debian 6.12, a ping's whole way out was filtered away).
 */
struct packet_identity {
	u64 skb;
	u64 head;
	u64 content;
	u64 layout;	/* the mac, network and transport header offsets */
	u32 end;
	u32 accept;	/* the verdict, in a slot */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VERDICT_SLOTS);
	__type(key, u32);
	__type(value, struct packet_identity);
} verdicts SEC(".maps");

enum verdict_state {
	VERDICT_UNKNOWN = 0,
	VERDICT_ACCEPT  = 1,
	VERDICT_REJECT  = 2,
};

/* A hit's view of the cache: its slot, its packet, and what the slot says about that packet. */
struct verdict_lookup {
	struct packet_identity *slot;
	struct packet_identity packet;
	int state;		/* enum verdict_state */
	bool ends;		/* the skb is freed at this hit: nothing is kept */
};

/* True when a packet filter is set; without one there is nothing to decide or keep. */
static __always_inline bool filters_packets(void)
{
	return CONFIG.l3_proto || CONFIG.l4_proto || CONFIG.saddr_len || CONFIG.daddr_len || CONFIG.addr_len ||
	       CONFIG.sport || CONFIG.dport || CONFIG.port || CONFIG.pkt_len_max || CONFIG.tcp_flags ||
	       CONFIG.expression_length[FILTER_ETHERNET];
}

static __always_inline void packet_identity(struct sk_buff *skb, bool direct, struct packet_identity *packet)
{
	unsigned char *head = READ(direct, skb, head);
	u16 transport = READ(direct, skb, transport_header);
	u16 network = READ(direct, skb, network_header);
	u16 at = transport != NO_HEADER ? transport : network;

	packet->skb = (u64)skb;
	packet->head = (u64)head;
	packet->layout = (u64)READ(direct, skb, mac_header) << 32 | (u64)network << 16 | transport;
	packet->end = (u32)(READ(direct, skb, data) - head) + READ(direct, skb, len);
	packet->content = at != NO_HEADER ? read_word(head + at, direct) : 0;
}

static __always_inline bool same_identity(const struct packet_identity *a, const struct packet_identity *b)
{
	return a->skb == b->skb && a->head == b->head && a->end == b->end && a->content == b->content &&
	       a->layout == b->layout;
}

/* Looks the hit's packet up; lookup->state says whether it was decided before. */
static __always_inline void remembered_verdict(struct verdict_lookup *lookup, struct sk_buff *skb, bool direct,
					       bool ends)
{
	u64 mix;
	u32 index;

	lookup->state = VERDICT_UNKNOWN;
	lookup->ends = ends;
	lookup->slot = NULL;
	if (!filters_packets())
		return;
	packet_identity(skb, direct, &lookup->packet);
	/* the slot follows from the packet's bytes: the verifier forbids computing with pointers */
	mix = lookup->packet.content ^ lookup->packet.end;
	index = (mix ^ mix >> 21 ^ mix >> 42) & (VERDICT_SLOTS - 1);
	lookup->slot = bpf_map_lookup_elem(&verdicts, &index);
	if (!lookup->slot || !same_identity(lookup->slot, &lookup->packet))
		return;
	lookup->state = lookup->slot->accept ? VERDICT_ACCEPT : VERDICT_REJECT;
	if (ends)
		lookup->slot->skb = 0;
}

/*
 * The packet filter's verdict at this hit: remembered, or decided now and kept for the next hits.
 * A verdict on a packet whose network layer the parse did not find is not kept: the headers are
 * still being written, and the next hits judge the packet again.
 */
static __always_inline bool packet_verdict(struct verdict_lookup *lookup, const struct nt_event *e,
					   struct sk_buff *skb, bool direct)
{
	bool accept;

	if (lookup->state != VERDICT_UNKNOWN)
		return lookup->state == VERDICT_ACCEPT;
	accept = event_matches(e) && expression_matches(skb, direct);
	if (lookup->slot && !lookup->ends && e->pkt.l3_proto) {
		lookup->packet.accept = accept;
		*lookup->slot = lookup->packet;
	}
	return accept;
}

#endif
