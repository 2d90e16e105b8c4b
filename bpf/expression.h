/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --filter: the classic BPF program libpcap compiled from a tcpdump expression, interpreted here
 * over a copy of the packet's first bytes.  Classic BPF jumps only forward, so a program of N
 * instructions ends within N steps; bpf_loop (5.17+) runs one instruction per call.  That keeps
 * the verifier's work the same whatever the program's length (a translation to eBPF would be
 * verified instruction by instruction, in every template and in every clone of it), and keeps the
 * program out of the instructions: user space writes it into a map after load, the same for all
 * clones, and one object serves tracepoints, fentry and kprobes alike.
 *
 * Included by nettrace.bpf.c after READ, NO_HEADER and skb_device.
 */
#ifndef NETTRACE_EXPRESSION_H
#define NETTRACE_EXPRESSION_H

#define EXPRESSION_WINDOW	256	/* packet bytes copied before the program runs */
#define ARPHRD_ETHER		1
#define ARPHRD_LOOPBACK		772	/* loopback frames carry an Ethernet header too */

/* classic BPF's own classes and fields (linux/filter.h; linux/bpf.h reuses 0x06 and 0x07) */
#define CBPF_RET		0x06
#define CBPF_MISC		0x07
#define CBPF_LEN		0x80
#define CBPF_MSH		0xa0
#define CBPF_RVAL(code)		((code) & 0x18)
#define CBPF_A			0x10
#define CBPF_MISCOP(code)	((code) & 0xf8)
#define CBPF_TAX		0x00

/* enum nt_filter_link -> the program, written by user space after load */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FILTER_LINKS);
	__type(key, u32);
	__type(value, struct nt_expression_program);
} expression_programs SEC(".maps");

/* One run of the program: the machine's registers and the packet it reads. */
struct expression_run {
	u32 a;
	u32 x;
	u32 pc;
	u32 accept;
	u32 link;		/* enum nt_filter_link */
	u32 length;		/* the packet's length from its start (BPF_LEN: tcpdump's "len") */
	u32 linear;		/* bytes from the start that are in the skb's linear data */
	u32 window;		/* bytes of them copied into bytes[] */
	u32 tag;		/* 4 when a VLAN tag kept beside the frame is put back into bytes[] */
	u32 mem[16];
	u64 base;		/* kernel address of the packet's start */
	u8 bytes[EXPRESSION_WINDOW];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct expression_run);
} expression_runs SEC(".maps");

/*
 * The link layer is Ethernet when the device says so; without a device (a socket's queue
 * reuses the field), when a full Ethernet header lies between the MAC and network headers.
 */
static __always_inline bool has_ethernet_header(struct sk_buff *skb, u16 mac, u16 network, bool direct)
{
	struct net_device *dev = skb_device(skb, direct);
	u16 type;

	if (!dev)
		return network != NO_HEADER && network >= mac + ETH_HLEN;
	type = READ(direct, dev, type);
	return type == ARPHRD_ETHER || type == ARPHRD_LOOPBACK;
}

/* value, or limit if it is larger, in one register the verifier sees bounded (clang would test a copy) */
#define AT_MOST(value, limit) ({								\
	u64 bounded = (value);									\
	asm volatile("if %[v] <= %[l] goto +1; %[v] = %[l]" : [v] "+r"(bounded) : [l] "i"(limit));	\
	bounded;										\
})

/*
 * Copies the packet's first bytes into run: from its Ethernet header (FILTER_ETHERNET) or, when
 * it has none, from its network header (FILTER_RAW). A VLAN tag the kernel keeps beside the
 * frame is put back after the MAC addresses, where libpcap's program looks for it. False when
 * the skb has neither header yet.
 */
static __always_inline bool expression_packet(struct expression_run *run, struct sk_buff *skb, bool direct)
{
	unsigned char *head = READ(direct, skb, head);
	u32 data = READ(direct, skb, data) - head;
	u32 end = data + READ(direct, skb, len);
	u32 linear_end = end - READ(direct, skb, data_len);
	u16 mac = READ(direct, skb, mac_header);
	u16 network = READ(direct, skb, network_header);
	u32 start;
	u64 copy;
	u16 tag[2];

	if (mac != NO_HEADER && mac <= data && mac + ETH_HLEN <= linear_end &&
	    has_ethernet_header(skb, mac, network, direct)) {
		start = mac;
		run->link = FILTER_ETHERNET;
	} else if (network != NO_HEADER && network != 0 && network < linear_end) {
		start = network;
		run->link = FILTER_RAW;
	} else {
		return false;
	}
	run->base = (u64)head + start;
	run->length = end - start;
	run->linear = linear_end - start;
	run->tag = 0;
	if (run->link == FILTER_ETHERNET && READ(direct, skb, vlan_proto)) {
		tag[0] = READ(direct, skb, vlan_proto);
		tag[1] = bpf_htons(READ(direct, skb, vlan_tci));
		if (bpf_probe_read_kernel(run->bytes, 12, (void *)run->base))
			return false;
		__builtin_memcpy(&run->bytes[12], tag, sizeof(tag));
		copy = AT_MOST(run->linear - 12, EXPRESSION_WINDOW - 16);
		if (bpf_probe_read_kernel(&run->bytes[16], copy, (void *)(run->base + 12)))
			return false;
		run->window = copy + 16;
		run->tag = 4;
		run->length += 4;
		run->linear += 4;
		return true;
	}
	copy = AT_MOST(run->linear, EXPRESSION_WINDOW);
	if (bpf_probe_read_kernel(run->bytes, copy, (void *)run->base))
		return false;
	run->window = copy;
	return true;
}

/*
 * size (1, 2 or 4) packet bytes at offset as a big-endian number, from the copy or else from the
 * skb's linear data. False past that: bytes in page fragments are out of the program's reach.
 */
static __always_inline bool expression_load(struct expression_run *run, u64 offset, u32 size, u32 *value)
{
	u8 bytes[4] = {};

	if (offset + size <= run->window) {
#pragma unroll
		for (u32 i = 0; i < 4; i++)
			if (i < size)
				bytes[i] = run->bytes[(offset + i) & (EXPRESSION_WINDOW - 1)];
	} else if (offset + size <= run->linear) {
		if (bpf_probe_read_kernel(bytes, size, (void *)(run->base + offset - run->tag)))
			return false;
	} else {
		return false;
	}
	*value = size == 4 ? (u32)bytes[0] << 24 | (u32)bytes[1] << 16 | (u32)bytes[2] << 8 | bytes[3]
	       : size == 2 ? (u32)bytes[0] << 8 | bytes[1]
			   : bytes[0];
	return true;
}

static __always_inline bool expression_load_sized(struct expression_run *run, u16 code, u64 offset, u32 *value)
{
	switch (BPF_SIZE(code)) {
	case BPF_W:
		return expression_load(run, offset, 4, value);
	case BPF_H:
		return expression_load(run, offset, 2, value);
	case BPF_B:
		return expression_load(run, offset, 1, value);
	}
	return false;
}

static __always_inline bool expression_alu(struct expression_run *run, u16 code, u32 operand)
{
	switch (BPF_OP(code)) {
	case BPF_ADD: run->a += operand; break;
	case BPF_SUB: run->a -= operand; break;
	case BPF_MUL: run->a *= operand; break;
	case BPF_DIV:
		if (!operand)
			return false;
		run->a /= operand;
		break;
	case BPF_MOD:
		if (!operand)
			return false;
		run->a %= operand;
		break;
	case BPF_OR: run->a |= operand; break;
	case BPF_AND: run->a &= operand; break;
	case BPF_XOR: run->a ^= operand; break;
	case BPF_LSH: run->a <<= operand & 31; break;
	case BPF_RSH: run->a >>= operand & 31; break;
	case BPF_NEG: run->a = -run->a; break;
	default: return false;
	}
	return true;
}

static __always_inline bool expression_jump(struct expression_run *run, struct nt_filter_insn *insn)
{
	u32 operand = BPF_SRC(insn->code) == BPF_X ? run->x : insn->k;
	bool taken;

	switch (BPF_OP(insn->code)) {
	case BPF_JA:
		run->pc += insn->k;
		return true;
	case BPF_JEQ: taken = run->a == operand; break;
	case BPF_JGT: taken = run->a > operand; break;
	case BPF_JGE: taken = run->a >= operand; break;
	case BPF_JSET: taken = run->a & operand; break;
	default: return false;
	}
	run->pc += taken ? insn->jt : insn->jf;
	return true;
}

/* What every step works on, looked up once per run and handed to each step by bpf_loop. */
struct expression_machine {
	struct expression_run *run;
	struct nt_expression_program *program;
};

/* One instruction (bpf_loop's callback): 0 to go on, 1 once the program has returned or failed. */
static long expression_step(u32 index, struct expression_machine *machine)
{
	struct expression_run *run = machine->run;
	struct nt_expression_program *program = machine->program;
	struct nt_filter_insn insn;
	u32 value = 0;

	if (run->pc >= FILTER_MAX_INSNS)
		return 1;
	insn = program->insns[run->pc & (FILTER_MAX_INSNS - 1)];
	run->pc++;
	switch (BPF_CLASS(insn.code)) {
	case BPF_LD:
		switch (BPF_MODE(insn.code)) {
		case BPF_IMM: run->a = insn.k; return 0;
		case BPF_ABS:
			if (!expression_load_sized(run, insn.code, insn.k, &value))
				return 1;
			run->a = value;
			return 0;
		case BPF_IND:
			if (!expression_load_sized(run, insn.code, (u64)run->x + insn.k, &value))
				return 1;
			run->a = value;
			return 0;
		case BPF_MEM: run->a = run->mem[insn.k & 15]; return 0;
		case CBPF_LEN: run->a = run->length; return 0;
		}
		return 1;
	case BPF_LDX:
		switch (BPF_MODE(insn.code)) {
		case BPF_IMM: run->x = insn.k; return 0;
		case BPF_MEM: run->x = run->mem[insn.k & 15]; return 0;
		case CBPF_LEN: run->x = run->length; return 0;
		case CBPF_MSH:
			if (!expression_load(run, insn.k, 1, &value))
				return 1;
			run->x = (value & 0xf) << 2;
			return 0;
		}
		return 1;
	case BPF_ST: run->mem[insn.k & 15] = run->a; return 0;
	case BPF_STX: run->mem[insn.k & 15] = run->x; return 0;
	case BPF_ALU:
		return expression_alu(run, insn.code, BPF_SRC(insn.code) == BPF_X ? run->x : insn.k) ? 0 : 1;
	case BPF_JMP:
		return expression_jump(run, &insn) ? 0 : 1;
	case CBPF_RET:
		run->accept = (CBPF_RVAL(insn.code) == CBPF_A ? run->a : insn.k) != 0;
		return 1;
	case CBPF_MISC:
		if (CBPF_MISCOP(insn.code) == CBPF_TAX)
			run->x = run->a;
		else
			run->a = run->x;
		return 0;
	}
	return 1;
}

/* --filter's verdict on skb's packet (true without --filter). */
static __always_inline bool expression_matches(struct sk_buff *skb, bool direct)
{
	u32 zero = 0;
	struct expression_machine machine;
	struct expression_run *run;
	u32 length;

	if (!CONFIG.expression_length[FILTER_ETHERNET])
		return true;
	run = bpf_map_lookup_elem(&expression_runs, &zero);
	if (!run || !expression_packet(run, skb, direct))
		return false;
	machine.run = run;
	machine.program = bpf_map_lookup_elem(&expression_programs, &run->link);
	if (!machine.program)
		return false;
	length = run->link == FILTER_ETHERNET ? CONFIG.expression_length[FILTER_ETHERNET]
					      : CONFIG.expression_length[FILTER_RAW];
	run->a = 0;
	run->x = 0;
	run->pc = 0;
	run->accept = 0;
	__builtin_memset(run->mem, 0, sizeof(run->mem));
	bpf_loop(length, expression_step, &machine, 0);
	return run->accept;
}

#endif
