// SPDX-License-Identifier: GPL-2.0
/* Tests only (make test): an XDP program that drops every packet, for an XDP drop on a veth device. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int drop_all(struct xdp_md *ctx)
{
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
