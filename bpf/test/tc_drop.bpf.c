// SPDX-License-Identifier: GPL-2.0
/* Tests only (make test): a tc program that drops every packet, for a tc ingress drop. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define TC_ACT_SHOT 2

SEC("tc")
int drop_all(struct __sk_buff *skb)
{
	return TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "GPL";
