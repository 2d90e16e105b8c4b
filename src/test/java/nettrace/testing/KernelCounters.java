package nettrace.testing;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;

/**
 * What the kernel itself counted, read in a test's namespaces: the ground truth a diagnosis is
 * held against (packets a rule dropped, the SNMP counters nstat shows).
 */
public final class KernelCounters {
    private static final Pattern NFT_COUNTER = Pattern.compile("counter packets (\\d+) bytes \\d+");

    private KernelCounters() {
    }

    /** Packets counted by the nft rule carrying this comment. */
    public static long nftPackets(Topology topology, String namespace, String comment) {
        String ruleset = topology.exec(namespace, "nft", "list", "ruleset").out();
        for (String line : ruleset.lines().toList()) {
            Matcher counter = NFT_COUNTER.matcher(line);
            if (line.contains("comment \"" + comment + "\"") && counter.find()) {
                return Long.parseLong(counter.group(1));
            }
        }
        throw new IllegalStateException("no nft rule with comment " + comment + " in\n" + ruleset);
    }

    /** Packets counted by the first rule of an iptables chain (binary: iptables-legacy, iptables-nft...). */
    public static long iptablesPackets(Topology topology, String namespace, String binary, String chain) {
        String listing = topology.exec(namespace, binary, "-L", chain, "-v", "-x", "-n").out();
        return Long.parseLong(listing.lines().skip(2).findFirst().orElseThrow().strip().split("\\s+")[0]);
    }

    /** An SNMP counter of the namespace (nstat's name: TcpExtListenDrops, UdpRcvbufErrors...). */
    public static long snmp(Topology topology, String namespace, String name) {
        String out = topology.exec(namespace, "nstat", "-asz", name).out();
        return out.lines().filter(line -> line.startsWith(name + " ")).findFirst()
                .map(line -> Long.parseLong(line.split("\\s+")[1])).orElse(0L);
    }

    /**
     * A column of the machine's ARP table statistics (/proc/net/stat/arp_cache, one hex row per
     * CPU): "entries" is the table's size (the same on every row), the others are summed.
     */
    public static long arpCache(String column) {
        List<String> rows = Shell.check("cat", "/proc/net/stat/arp_cache").out().lines().toList();
        int index = Arrays.asList(rows.getFirst().strip().split("\\s+")).indexOf(column);
        if (index < 0) {
            throw new IllegalStateException("no column " + column + " in /proc/net/stat/arp_cache: " + rows.getFirst());
        }
        LongStream values = rows.stream().skip(1)
                .mapToLong(row -> Long.parseLong(row.strip().split("\\s+")[index], 16));
        return column.equals("entries") ? values.findFirst().orElse(0) : values.sum();
    }
}
