package nettrace.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import nettrace.NettraceException;
import nettrace.config.IpAddress;
import nettrace.config.PacketFilter;
import nettrace.config.Protocol;
import picocli.CommandLine.Option;

/** The packet filter options, shared by the tracer and the monitor: options in, a checked {@link PacketFilter} out. */
final class PacketFilterOptions {
    @Option(names = {"-s", "--saddr"}, paramLabel = "ADDR", description = "source IPv4/IPv6 address")
    String sourceAddress;

    @Option(names = {"-d", "--daddr"}, paramLabel = "ADDR", description = "destination IPv4/IPv6 address")
    String destinationAddress;

    @Option(names = "--addr", paramLabel = "ADDR", description = "source or destination address")
    String address;

    @Option(names = {"-S", "--sport"}, paramLabel = "PORT", description = "TCP/UDP/SCTP source port")
    String sourcePort;

    @Option(names = {"-D", "--dport"}, paramLabel = "PORT", description = "TCP/UDP/SCTP destination port")
    String destinationPort;

    @Option(names = "--port", paramLabel = "PORT", description = "source or destination port")
    String port;

    @Option(names = {"-p", "--proto"}, paramLabel = "NAME",
            description = "L3 (ip, ipv6, arp, ...) or L4 (tcp, udp, icmp, icmpv6, sctp, ...) protocol")
    String protocol;

    @Option(names = "--netns", paramLabel = "INODE", description = "only packets in this network namespace (its inode)")
    String netns;

    @Option(names = "--netns-current", description = "only packets in nettrace's own network namespace")
    boolean netnsCurrent;

    @Option(names = "--pid", paramLabel = "PID", description = "only events in the context of this process")
    String pid;

    @Option(names = "--pkt-len", paramLabel = "N|N-M", description = "only IP packets of this length (or range)")
    String packetLength;

    @Option(names = "--tcp-flags", paramLabel = "SAPRF", description = "only TCP packets with any of these flags")
    String tcpFlags;

    /** --pkt-len or --tcp-flags: filters only some modes apply. */
    boolean lengthOrFlagsGiven() {
        return packetLength != null || tcpFlags != null;
    }

    PacketFilter filter() {
        Optional<IpAddress> source = Optional.ofNullable(sourceAddress).map(a -> IpAddress.parse(a, "--saddr"));
        Optional<IpAddress> destination = Optional.ofNullable(destinationAddress)
                .map(a -> IpAddress.parse(a, "--daddr"));
        Optional<IpAddress> either = Optional.ofNullable(address).map(a -> IpAddress.parse(a, "--addr"));
        Optional<Protocol> proto = Optional.ofNullable(protocol).map(Protocol::parse);
        int sport = sourcePort == null ? 0 : OptionValues.port(sourcePort, "--sport");
        int dport = destinationPort == null ? 0 : OptionValues.port(destinationPort, "--dport");
        int anyPort = port == null ? 0 : OptionValues.port(port, "--port");

        List<IpAddress> addresses = new ArrayList<>();
        source.ifPresent(addresses::add);
        destination.ifPresent(addresses::add);
        either.ifPresent(addresses::add);
        boolean v4 = addresses.stream().anyMatch(IpAddress::isIpv4);
        boolean v6 = addresses.stream().anyMatch(a -> !a.isIpv4());
        if (v4 && v6) {
            throw NettraceException.badInput("addresses mix IPv4 and IPv6: no packet can match");
        }
        if (proto.isPresent() && !addresses.isEmpty()) {
            int etherType = proto.get().etherType();
            int addressType = v4 ? 0x0800 : 0x86DD;
            if (etherType != 0 && etherType != addressType) {
                throw NettraceException.badInput("-p " + proto.get().name() + " conflicts with the "
                        + (v4 ? "IPv4" : "IPv6") + " address filter");
            }
        }
        boolean portFilter = sport != 0 || dport != 0 || anyPort != 0;
        if (portFilter && proto.isPresent() && !proto.get().carriesPorts()
                && (proto.get().isL4() || !proto.get().isIp())) {
            throw NettraceException.badInput("-p " + proto.get().name() + " has no ports: a port filter never matches");
        }
        if (netns != null && netnsCurrent) {
            throw NettraceException.badInput("--netns and --netns-current are exclusive");
        }
        long namespace = netnsCurrent ? OptionValues.currentNetns()
                : netns == null ? 0 : OptionValues.netnsInode(netns);
        int process = pid == null ? 0 : (int) OptionValues.pid(pid);
        int[] length = packetLength == null ? new int[] {0, 0} : OptionValues.lengthRange(packetLength);
        int flags = tcpFlags == null ? 0 : OptionValues.tcpFlags(tcpFlags);
        if (flags != 0 && proto.isPresent() && proto.get().isL4() && proto.get().ipProtocol() != 6) {
            throw NettraceException.badInput("--tcp-flags conflicts with -p " + proto.get().name());
        }
        return new PacketFilter(source, destination, either, sport, dport, anyPort, proto, namespace, process,
                length[0], length[1], flags);
    }
}
