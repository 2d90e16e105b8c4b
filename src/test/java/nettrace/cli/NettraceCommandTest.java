package nettrace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import nettrace.config.Config;
import nettrace.config.FilterExpression;
import nettrace.config.Mode;
import nettrace.testing.InProcess;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class NettraceCommandTest {

    private static Config parse(String... arguments) {
        NettraceCommand command = new NettraceCommand();
        new CommandLine(command).parseArgs(arguments);
        return command.toConfig();
    }

    /** Runs the command line without tracing: only input that fails validation gets this far. */
    private static InProcess.Result run(String... arguments) {
        return InProcess.run(arguments);
    }

    @Test
    void defaultsToLifecycleWithNoFilter() {
        Config config = parse();
        assertThat(config.mode()).isEqualTo(Mode.LIFECYCLE);
        assertThat(config.filter().isEmpty()).isTrue();
        assertThat(config.count()).isZero();
        assertThat(config.command()).isEmpty();
    }

    @Test
    void readsFiltersIntoTheirBpfTerms() {
        Config config = parse("--basic", "-s", "10.0.0.1", "-d", "10.0.0.2", "-D", "80", "-p", "tcp");
        assertThat(config.mode()).isEqualTo(Mode.BASIC);
        assertThat(config.filter().source().orElseThrow()).hasToString("10.0.0.1");
        assertThat(config.filter().destinationPort()).isEqualTo(80);
        assertThat(config.filter().etherType()).isEqualTo(0x0800);
        assertThat(config.filter().ipProtocol()).isEqualTo(6);
    }

    @Test
    void ipv6AddressImpliesIpv6() {
        Config config = parse("--addr", "fd00::1", "-p", "icmpv6");
        assertThat(config.filter().etherType()).isEqualTo(0x86DD);
        assertThat(config.filter().ipProtocol()).isEqualTo(58);
    }

    @Test
    void l3ProtocolAlone() {
        assertThat(parse("-p", "arp").filter().etherType()).isEqualTo(0x0806);
        assertThat(parse("-p", "arp").filter().ipProtocol()).isZero();
    }

    @Test
    void theReaderRunsAheadOfTheWorkloadUnlessToldOtherwise() {
        assertThat(parse().reading().nice()).isEqualTo(-5);
        assertThat(parse("--nice", "-10").reading().nice()).isEqualTo(-10);
        assertThat(parse("--nice=0").reading().nice()).isZero();
    }

    @Test
    void theRingIsFourMebibytesUnlessToldOtherwise() {
        assertThat(parse().reading().ringBytes()).isEqualTo(4 << 20);
        assertThat(parse("--ring-size", "64").reading().ringBytes()).isEqualTo(64 << 20);
        assertThat(parse("--ring-size", "1").reading().ringBytes()).isEqualTo(1 << 20);
    }

    @Test
    void countDurationAndCommand() {
        Config config = parse("-c", "5", "--duration", "1.5", "--", "ping", "-c", "1", "10.0.0.2");
        assertThat(config.count()).isEqualTo(5);
        assertThat(config.duration()).contains(Duration.ofMillis(1500));
        assertThat(config.command()).containsExactly("ping", "-c", "1", "10.0.0.2");
    }

    @Test
    void aFilterExpressionIsCompiledForBothLinkTypes() {
        FilterExpression expression = parse("--filter", "tcp dst port 80").filter().expression().orElseThrow();
        assertThat(expression.text()).isEqualTo("tcp dst port 80");
        assertThat(expression.ethernetInstructions()).isGreaterThan(5);
        assertThat(expression.rawIpInstructions()).isGreaterThan(5);
        assertThat(expression.needsLinkLayer()).isFalse();
        assertThat(parse("-t", "all", "-f", "udp").filter().selectsPackets()).isTrue();
    }

    @Test
    void anExpressionOnTheLinkLayerHasNoRawIpProgram() {
        assertThat(parse("-f", "vlan 10 and udp").filter().expression().orElseThrow().needsLinkLayer()).isTrue();
        assertThat(parse("-f", "ether host 02:00:00:00:00:01").filter().expression().orElseThrow().needsLinkLayer())
                .isTrue();
    }

    @Test
    void libpcapsUsualSizesFitButLongerProgramsAreRefused() {
        String ports = java.util.stream.IntStream.rangeClosed(1, 99).mapToObj(port -> "port " + port)
                .collect(java.util.stream.Collectors.joining(" or "));
        assertThat(parse("-f", ports).filter().expression().orElseThrow().ethernetInstructions())
                .isGreaterThanOrEqualTo(256);
        // Lengths, not hosts: libpcap's optimizer takes minutes over 1,200 hosts, under a second over these.
        String lengths = java.util.stream.IntStream.rangeClosed(1, 2500).mapToObj(n -> "len = " + n)
                .collect(java.util.stream.Collectors.joining(" or "));
        InProcess.Result result = run("-f", lengths);
        assertThat(result.code()).isEqualTo(2);
        assertThat(result.err()).matches("nettrace: --filter: the expression compiles to \\d+ classic BPF "
                + "instructions; nettrace runs at most 4096\n");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "-s 10.0.0.256          | invalid address for --saddr: '10.0.0.256'",
        "-d example.com         | invalid address for --daddr: 'example.com'",
        "--addr 10.1            | invalid address for --addr: '10.1'",
        "-s fd00::zz            | invalid address for --saddr",
        "-S 0                   | --sport: port out of range",
        "-D 65536               | --dport: port out of range",
        "--port http            | --port: expected a port number",
        "-p tcpp                | unknown protocol 'tcpp'",
        "-p arp --port 80       | -p arp has no ports",
        "-p icmp -D 80          | -p icmp has no ports",
        "-s 10.0.0.1 -d fd00::1 | addresses mix IPv4 and IPv6",
        "-s 10.0.0.1 -p ipv6    | -p ipv6 conflicts with the IPv4 address filter",
        "-c 0                   | --count: expected a positive number",
        "-c -3                  | --count: expected a positive number",
        "-c many                | --count: expected a positive number",
        "--duration 0           | --duration: expected a number of seconds from above 0 to 315360000",
        "--duration soon        | --duration: expected a number of seconds",
        "--duration 9300000000  | --duration: expected a number of seconds from above 0 to 315360000 (ten years)",
        "--duration 1e300       | --duration: expected a number of seconds",
        "--duration NaN         | --duration: expected a number of seconds",
        "foo                    | unexpected argument 'foo': to run a command while tracing, put it after --",
        "-p icmp ping -c1 x     | unexpected argument 'ping': to run a command while tracing, put it after --",
        "--output-file /dev/full | --output-file: cannot write /dev/full: a device, not a file",
        "--output-file /proc/sys/net/core/somaxconn | --output-file: /proc/sys/net/core/somaxconn is a kernel file",
        "--output-file /proc/self/comm | --output-file: /proc/self/comm is a kernel file",
        "--output-file /sys/kernel/x | --output-file: /sys/kernel/x is a kernel file",
        "--bogus                | Unknown option: '--bogus'",
        "-s                     | Missing required parameter for option '--saddr'",
        "--btf-path /no/such    | --btf-path: no such file: /no/such",
        "--basic --diag         | choose one mode: --basic, --diag exclude each other",
        "--drop --sock          | choose one mode",
        "--rtt --latency        | choose one mode",
        "--hooks                | --hooks belongs to --diag, not lifecycle",
        "--rate-limit 5         | --rate-limit belongs to --basic, --drop, not lifecycle",
        "--basic --rate-limit 0 | --rate-limit: expected a positive number",
        "--sock --tcp-flags S   | --pkt-len/--tcp-flags belongs to",
        "--rtt --pkt-len 100    | --pkt-len/--tcp-flags belongs to",
        "--drop -t ip           | -t/--trace-exclude/--trace-func belongs to",
        "--filter-srtt 5        | --filter-srtt/--filter-minrtt belongs to --rtt, not lifecycle",
        "--rtt --filter-srtt x  | --filter-srtt: expected a positive number of milliseconds",
        "--basic --tiny-show    | --tiny-show belongs to lifecycle, --diag, not --basic",
        "--sock --latency-show  | --latency-show belongs to lifecycle, --diag, not --sock",
        "--func-stats -c 3      | -c belongs to",
        "--basic --min-latency 5 | --min-latency belongs to",
        "--drop --trace-stack kfree_skb | --trace-stack belongs to",
        "-t all                 | -t all without a filter traces every packet of the machine",
        "--trace-func ([        | --trace-func: invalid regular expression",
        "--pkt-len 0            | --pkt-len: expected lengths 1-65535",
        "--pkt-len 100-50       | --pkt-len: expected lengths 1-65535 with N <= M",
        "--pkt-len 1-2-3        | --pkt-len: expected N or N-M",
        "--tcp-flags SX         | --tcp-flags: unknown flag 'X'",
        "--netns abc            | --netns: expected a network namespace inode number",
        "--netns 1 --netns-current | --netns and --netns-current are exclusive",
        "--pid 0                | --pid: not a process id",
        "-t nosuch -p icmp      | unknown tracer or group 'nosuch'",
        "--btf-path /etc/passwd | --btf-path: /etc/passwd is not BTF data",
        "--duration -1          | --duration: expected a number of seconds",
        "--netns -5             | --netns: not a namespace inode",
        "--pid -1               | --pid: not a process id",
        "-S 80-90               | --sport: expected a port number",
        "--output yaml          | --output: 'yaml' is not a format (text, json or pcapng)",
        "--rtt --output json    | --output json belongs to",
        "--output-file /no/such/dir/x | --output-file: cannot write /no/such/dir/x",
        "--trace-exclude nosuch | unknown tracer or group 'nosuch'",
        "--basic --latency      | choose one mode",
        "--filter tcpp          | --filter: can't parse filter expression: syntax error",
        "--filter port=80       | --filter: can't parse filter expression: syntax error",
        "--sock --filter icmp   | --filter belongs to",
        "--rtt --filter tcp     | --filter belongs to",
        "--nice 20              | --nice: 20 is not a nice value (-20 to 19)",
        "--nice -21             | --nice: -21 is not a nice value (-20 to 19)",
        "--nice high            | Invalid value for option '--nice': 'high' is not an int",
        "--ring-size 3          | --ring-size: 3 is not a power of two from 1 to 256 (MiB)",
        "--ring-size 0          | --ring-size: 0 is not a power of two from 1 to 256 (MiB)",
        "--ring-size 512        | --ring-size: 512 is not a power of two from 1 to 256 (MiB)",
        "--ring-size 4M         | Invalid value for option '--ring-size': '4M' is not an int",
    })
    void badInputIsOneLineAndExitCodeTwo(String arguments, String message) {
        InProcess.Result result = run(arguments.strip().split("\\s+"));
        assertThat(result.code()).isEqualTo(2);
        assertThat(result.err()).startsWith("nettrace: ").contains(message);
        assertThat(result.err().strip().lines()).hasSize(1);
        assertThat(result.out()).isEmpty();
    }

    @Test
    void aCommandAfterTheSeparatorIsTaken() {
        assertThat(parse("-p", "icmp", "--", "ping", "-c1", "x").command()).containsExactly("ping", "-c1", "x");
        assertThat(parse("--", "true").command()).containsExactly("true");
    }

    @Test
    void theNullDeviceAndRegularFilesMayTakeTheTrace() {
        assertThat(parse("--output-file", "/dev/null").output().file()).hasValue(java.nio.file.Path.of("/dev/null"));
        assertThat(parse("--output-file", "/tmp/trace.txt").output().file()).isPresent();
    }

    @Test
    void aLongDurationIsKeptWhole() {
        assertThat(parse("--duration", "315360000").duration()).hasValue(Duration.ofDays(3650));
    }

    @Test
    void modeFlagsChooseTheirMode() {
        assertThat(parse("--drop-stack").mode()).isEqualTo(Mode.DROP);
        assertThat(parse("--drop-stack").modes().dropStack()).isTrue();
        assertThat(parse("--rtt-detail", "--filter-srtt", "1.5").modes().minSrttMicros()).isEqualTo(1500);
        assertThat(parse("--latency-summary").mode()).isEqualTo(Mode.LATENCY);
        assertThat(parse("--diag-quiet").mode()).isEqualTo(Mode.DIAG);
        assertThat(parse("--latency-show", "--min-latency", "100").modes().minLatencyMicros()).isEqualTo(100);
        assertThat(parse("--sock", "--port", "80").mode()).isEqualTo(Mode.SOCK);
        assertThat(parse("--func-stats").mode()).isEqualTo(Mode.FUNC_STATS);
    }

    @Test
    void versionAndHelpExitZero() {
        assertThat(run("--version").out()).startsWith("nettrace ");
        InProcess.Result help = run("--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("--saddr", "--basic", "--trace");
    }
}
