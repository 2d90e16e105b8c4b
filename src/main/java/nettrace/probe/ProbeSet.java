package nettrace.probe;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import nettrace.NettraceException;
import nettrace.bpf.Sizes;
import nettrace.bpf.Stats;
import nettrace.bpf.TracerFlags;
import nettrace.config.Config;
import nettrace.config.FilterExpression;
import nettrace.kernel.Btf;
import nettrace.libbpf.BpfException;
import nettrace.libbpf.BpfLink;
import nettrace.libbpf.BpfMap;
import nettrace.libbpf.BpfObject;
import nettrace.libbpf.BpfProgram;
import nettrace.libbpf.KernelBtfObjects;
import nettrace.libbpf.LoadedProgram;
import nettrace.libbpf.RingBuffer;
import nettrace.tracer.AttachPlan;
import nettrace.tracer.Mechanism;

/**
 * The BPF side of a run: the object loaded with this run's configuration and one attachment
 * per planned tracer. A tracer that fails to attach is recorded and skipped; closing
 * detaches everything.
 */
public final class ProbeSet implements AutoCloseable {
    public static final String OBJECT_RESOURCE = "/bpf/nettrace.bpf.o";
    /**
     * The same programs for kernels with the bpf_rdonly_cast kfunc (6.2 on): they read packet
     * bytes without a helper call where they have BTF access (bpf/nettrace.bpf.c, READ_WITH_CAST).
     */
    public static final String CAST_OBJECT_RESOURCE = "/bpf/nettrace-cast.bpf.o";
    private static final String CAST_KFUNC = "bpf_rdonly_cast";

    /** A tracer that could not be attached, with the kernel's or libbpf's words for why. */
    public record Failure(AttachPlan.Planned tracer, String reason, String verifierLog) {
    }

    private final BpfObject object;
    /** Objects opened again for kprobes where fentry was refused (attachAsKprobes), sharing object's maps. */
    private final List<BpfObject> kprobeObjects = new ArrayList<>();
    private final List<LoadedProgram> clones = new ArrayList<>();
    /** Clones being loaded ahead of their attachment (see loadClonesAhead), until attachClone takes them. */
    private final Map<CloneKey, CompletableFuture<LoadedProgram>> clonesAhead = new LinkedHashMap<>();
    /** Templates loaded as one tracer's own program (see prepareTemplates), by template. */
    private final Map<String, AttachPlan.Planned> templateTracers = new LinkedHashMap<>();
    private final List<BpfLink> links = new ArrayList<>();
    private final KernelBtfObjects moduleBtfs = new KernelBtfObjects();
    private final List<Failure> failures = new ArrayList<>();
    private final List<AttachPlan.Planned> attached = new ArrayList<>();
    private RingBuffer events;

    /** Stacks the map holds at once: each is read (and forgotten) as its event is decoded. */
    private static final int STACKS = 8192;

    private final Config config;

    private ProbeSet(BpfObject object, Config config) {
        this.object = object;
        this.config = config;
    }

    /**
     * Loads the BPF object for config and attaches every tracer of plan it can. A template the
     * kernel rejects costs only the tracers using it: the object is opened again without it,
     * and a function's tracer moves from fentry to a kprobe where the kernel has kprobes.
     */
    public static ProbeSet attach(Config config, AttachPlan plan, boolean kprobes, String objectResource,
            Consumer<String> verbose) {
        String resource = System.getProperty("nettrace.bpf.object", objectResource);
        byte[] elf = objectBytes(resource);
        verbose.accept("BPF object: " + resource.substring(resource.lastIndexOf('/') + 1)
                + (resource.equals(CAST_OBJECT_RESOURCE) ? " (the kernel has " + CAST_KFUNC + ")" : "")
                + "; ring buffer " + config.reading().ringMebibytes() + " MiB");
        List<AttachPlan.Planned> tracers = plan.planned();
        List<Failure> rejected = new ArrayList<>();
        while (true) {
            BpfObject object = BpfObject.open("nettrace", elf, config.btfPath());
            ProbeSet probes = new ProbeSet(object, config);
            try {
                object.readOnlyData().setInitialValue(ConfigEncoding.encode(config, BpfMap.possibleCpus()));
                boolean stacks = tracers.stream().anyMatch(p -> TracerIdentity.wantsStack(p, config));
                object.map("stacks").setMaxEntries(stacks ? STACKS : 1);
                object.map("hits").setMaxEntries(Math.max(1, plan.planned().size()));
                object.map("events").setMaxEntries(config.reading().ringBytes());
                List<String> templates = probes.prepareTemplates(object, tracers);
                try {
                    object.load();
                } catch (BpfException e) {
                    String template = e.program();
                    if (!templates.contains(template)) {
                        throw e;
                    }
                    verbose.accept("the kernel rejects BPF program " + template + ": " + VerifierLog.summary(e));
                    tracers = withoutTemplate(tracers, template, kprobes, e, rejected);
                    probes.close();
                    continue;
                }
                probes.checkIdentities();
                probes.failures.addAll(rejected);
                config.filter().expression().ifPresent(expression -> probes.writeExpression(expression, verbose));
                probes.events = RingBuffer.open(object.map("events"));
                probes.attachAll(tracers, kprobes, elf, verbose);
                return probes;
            } catch (RuntimeException e) {
                probes.close();
                throw e;
            }
        }
    }

    /** --filter's programs into the map the BPF side runs them from (enum filter_link: Ethernet, raw IP). */
    private void writeExpression(FilterExpression expression, Consumer<String> verbose) {
        BpfMap programs = object.map("expression_programs");
        programs.update(BpfMap.key(0), Arrays.copyOf(expression.ethernet(), programs.valueSize()));
        expression.rawIp().ifPresent(raw -> programs.update(BpfMap.key(1), Arrays.copyOf(raw, programs.valueSize())));
        verbose.accept("--filter: " + expression.ethernetInstructions() + " classic BPF instructions for Ethernet frames, "
                + (expression.needsLinkLayer()
                        ? "none for packets without a link-layer header: the expression needs the link layer, so it"
                                + " is false on skbs that have none (e.g. on the output path before the MAC header)"
                        : expression.rawIpInstructions() + " for packets that start at the IP header"));
    }

    /** The tracers left once template is known to be rejected: moved to kprobes, or failed. */
    private static List<AttachPlan.Planned> withoutTemplate(List<AttachPlan.Planned> tracers, String template,
            boolean kprobes, BpfException rejection, List<Failure> failed) {
        List<AttachPlan.Planned> left = new ArrayList<>();
        for (AttachPlan.Planned planned : tracers) {
            if (!usesTemplate(planned, template)) {
                left.add(planned);
            } else if (kprobes && planned.mechanism() == Mechanism.FENTRY) {
                left.add(asKprobe(planned));
            } else {
                failed.add(new Failure(planned, "rejected by the kernel: " + VerifierLog.summary(rejection),
                        rejection.verifierLog()));
            }
        }
        return left;
    }

    private static AttachPlan.Planned asKprobe(AttachPlan.Planned planned) {
        return new AttachPlan.Planned(planned.tracer(), planned.id(), Mechanism.KPROBE, planned.target(), 0,
                Optional.empty(), planned.argument(), planned.withReturn(), planned.int32Return());
    }

    /**
     * The object for a kernel whose BTF is btf: the cast one when it is the running kernel's own
     * and has the kfunc (a --btf-path file may describe a kernel that has no BTF of its own, and
     * a kfunc is resolved in the kernel's).
     */
    public static String objectFor(Btf btf, boolean kernelsOwnBtf) {
        return kernelsOwnBtf && btf.find(CAST_KFUNC, Btf.Kind.FUNC).isPresent() ? CAST_OBJECT_RESOURCE
                : OBJECT_RESOURCE;
    }

    /** The object's class-path resource; tests name a variant with the nettrace.bpf.object property. */
    private static byte[] objectBytes(String resource) {
        try (InputStream in = ProbeSet.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new NettraceException("the BPF object " + resource + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new NettraceException("cannot read the BPF object: " + e.getMessage());
        }
    }

    /**
     * The BPF template a tracer's entry runs: tp_skb_N or tp_PROGRAM for tracepoints;
     * {fentry,kprobe}_[wait_]{skb,PROGRAM}_N for functions (N: the skb argument, "wait_": the
     * event waits for the return value).
     */
    static String entryTemplate(AttachPlan.Planned planned) {
        Optional<String> program = planned.tracer().program();
        String object = planned.tracer().sockArgument() ? "sock" : "skb";
        if (planned.mechanism() == Mechanism.TRACEPOINT) {
            return program.map(name -> "tp_" + name).orElse("tp_" + object + "_" + planned.argument());
        }
        String prefix = planned.mechanism() == Mechanism.FENTRY ? "fentry_" : "kprobe_";
        boolean wait = planned.withReturn() && !planned.tracer().sockArgument();
        return prefix + (wait ? "wait_" : "") + program.orElse(object) + "_" + planned.argument();
    }

    private static boolean usesTemplate(AttachPlan.Planned planned, String template) {
        return entryTemplate(planned).equals(template) || exitTemplate(planned).filter(template::equals).isPresent();
    }

    /** Tracers attached by BTF run a clone of their template (or the template itself, see prepareTemplates). */
    private static boolean isCloned(AttachPlan.Planned planned) {
        return planned.mechanism() == Mechanism.TRACEPOINT || planned.mechanism() == Mechanism.FENTRY;
    }

    static Optional<String> exitTemplate(AttachPlan.Planned planned) {
        if (!planned.withReturn() || planned.tracer().sockArgument()) {
            return Optional.empty();
        }
        return switch (planned.mechanism()) {
            case FENTRY -> Optional.of("fexit_ret");
            case KPROBE, KPROBE_MULTI -> Optional.of("kretprobe_ret");
            case TRACEPOINT -> Optional.empty();
        };
    }

    /**
     * Loads only the templates the tracers use, each verified against one of its tracers'
     * targets. Returns them. A template is loaded as one of its tracers' own program where it can
     * be (ownTracer), with that tracer's identity and against its target: the verifier runs once
     * less, and a run of it is most of a start's time. Otherwise it keeps the placeholder and is
     * verified against its first tracer's target. The kprobe twins of fentry tracers are not
     * among them: they are loaded only for a tracer whose fentry is refused (attachAsKprobes).
     */
    private List<String> prepareTemplates(BpfObject object, List<AttachPlan.Planned> tracers) {
        Map<String, String> firstTarget = new LinkedHashMap<>();
        for (AttachPlan.Planned planned : tracers) {
            firstTarget.putIfAbsent(entryTemplate(planned), planned.target());
            exitTemplate(planned).ifPresent(exit -> firstTarget.putIfAbsent(exit, planned.target()));
        }
        for (BpfProgram program : object.programs()) {
            String target = firstTarget.get(program.name());
            program.setAutoload(target != null);
            if (target != null && isBtfTargeted(program.name())) {
                Optional<AttachPlan.Planned> owner = ownTracer(program.name(), tracers);
                program.setAttachTarget(owner.map(AttachPlan.Planned::target).orElse(target));
                owner.filter(planned -> program.setIdentity(Sizes.tracerPlaceholder(), TracerIdentity.of(planned, config)))
                        .ifPresent(planned -> templateTracers.put(program.name(), planned));
            }
        }
        return List.copyOf(firstTarget.keySet());
    }

    /**
     * The tracer a template can be loaded as: the first whose flags keep every subprogram any of
     * its tracers reaches (the first of them, when they all have the same flags). A clone takes
     * the template's list of functions, so the template must not lose one a clone needs.
     */
    private Optional<AttachPlan.Planned> ownTracer(String template, List<AttachPlan.Planned> tracers) {
        List<AttachPlan.Planned> users = tracers.stream()
                .filter(p -> isCloned(p) && usesTemplate(p, template))
                .toList();
        long[] identities = users.stream().mapToLong(p -> TracerIdentity.of(p, config)).toArray();
        return Optional.ofNullable(ownerAmong(users, identities));
    }

    /** Of tracers with these identities, the one a shared template is loaded as (see ownTracer), or null. */
    static <T> T ownerAmong(List<T> tracers, long[] identities) {
        int needed = Arrays.stream(identities).mapToInt(ProbeSet::subprogramsKept).reduce(0, (a, b) -> a | b);
        for (int i = 0; i < identities.length; i++) {
            if (subprogramsKept(identities[i]) == needed) {
                return tracers.get(i);
            }
        }
        return null;
    }

    private static final int KEEPS_PACKET_MATCHES = 1;
    private static final int KEEPS_PARSE_NETWORK = 2;

    /**
     * The subprograms the verifier keeps for a tracer (bpf/nettrace.bpf.c, build_event): only a
     * matcher decides the filter (packet_matches, and the -f interpreter's callback in it), and
     * only a tracer whose headers are written parses them (parse_network). The other flags
     * choose branches, not functions.
     */
    private static int subprogramsKept(long identity) {
        int flags = (int) (identity >>> 32);
        return ((flags & TracerFlags.TRACER_MATCHER) != 0 ? KEEPS_PACKET_MATCHES : 0)
                | ((flags & TracerFlags.TRACER_HEADERS_UNWRITTEN) == 0 ? KEEPS_PARSE_NETWORK : 0);
    }

    /** A placeholder left in a template loaded as a tracer would be in a subprogram, which setIdentity cannot reach. */
    private void checkIdentities() {
        for (String template : templateTracers.keySet()) {
            if (object.program(template).countImmediates(Sizes.tracerPlaceholder()) > 0) {
                throw new IllegalStateException(template + " holds the tracer placeholder in a subprogram");
            }
        }
    }

    private static boolean isBtfTargeted(String template) {
        return template.startsWith("tp_") || template.startsWith("fentry_") || template.startsWith("fexit_");
    }

    private void attachAll(List<AttachPlan.Planned> tracers, boolean kprobes, byte[] elf, Consumer<String> verbose) {
        loadClonesAhead(tracers);
        Map<String, List<AttachPlan.Planned>> multi = new LinkedHashMap<>();
        List<AttachPlan.Planned> refused = new ArrayList<>();
        for (AttachPlan.Planned planned : tracers) {
            if (planned.mechanism() == Mechanism.KPROBE_MULTI) {
                multi.computeIfAbsent(entryTemplate(planned), k -> new ArrayList<>()).add(planned);
                continue;
            }
            try {
                attachOne(planned);
                attached.add(planned);
            } catch (BpfException e) {
                if (kprobes && planned.mechanism() == Mechanism.FENTRY) {
                    verbose.accept("fentry refused for " + planned.tracer().name() + " (" + e.getMessage()
                            + "), trying a kprobe");
                    refused.add(asKprobe(planned));
                    continue;
                }
                failures.add(new Failure(planned, e.getMessage(), e.verifierLog()));
                verbose.accept("cannot attach " + planned.tracer().name() + ": " + e.getMessage());
            }
        }
        multi.forEach((template, group) -> attachMulti(template, group, verbose));
        closeClonesNotTaken();
        if (!refused.isEmpty()) {
            attachAsKprobes(refused, elf, verbose);
        }
    }

    /**
     * Attaches tracers whose fentry the kernel refused by kprobes. Their templates were left out
     * of the first load (a kernel that allows fentry seldom refuses it for one function, and
     * each template is a run of the verifier), so the object is opened again with only them,
     * sharing the loaded object's maps.
     */
    private void attachAsKprobes(List<AttachPlan.Planned> tracers, byte[] elf, Consumer<String> verbose) {
        BpfObject kprobeObject;
        try {
            kprobeObject = BpfObject.open("nettrace", elf, config.btfPath());
            kprobeObjects.add(kprobeObject);
            kprobeObject.shareMapsOf(object);
            prepareTemplates(kprobeObject, tracers);
            kprobeObject.load();
        } catch (BpfException e) {
            verbose.accept("cannot load the kprobe programs: " + e.getMessage());
            tracers.forEach(planned -> failures.add(new Failure(planned, e.getMessage(), e.verifierLog())));
            return;
        }
        attachKprobesOneByOne(kprobeObject, tracers, verbose);
    }

    private void attachKprobesOneByOne(BpfObject from, List<AttachPlan.Planned> tracers, Consumer<String> verbose) {
        for (AttachPlan.Planned planned : tracers) {
            try {
                attachKprobe(from, planned, TracerIdentity.of(planned, config));
                attached.add(planned);
            } catch (BpfException e) {
                failures.add(new Failure(planned, e.getMessage(), e.verifierLog()));
                verbose.accept("cannot attach " + planned.tracer().name() + ": " + e.getMessage());
            }
        }
    }

    private record CloneKey(String template, AttachPlan.Planned planned) {
    }

    /**
     * Starts loading the clones that tracers attached by BTF will take, on as many threads as
     * there are CPUs. Each load is a run of the verifier, which is most of a start's time, and
     * the runs are independent; attaching stays in plan order, so what it reports does not change.
     */
    private void loadClonesAhead(List<AttachPlan.Planned> tracers) {
        List<AttachPlan.Planned> cloned = tracers.stream().filter(ProbeSet::isCloned).toList();
        int threads = Math.min(cloned.size(), Runtime.getRuntime().availableProcessors());
        if (threads < 2) {
            return;
        }
        ExecutorService loaders = Executors.newFixedThreadPool(threads,
                Thread.ofPlatform().name("nettrace-load-", 0).daemon().factory());
        try {
            for (AttachPlan.Planned planned : cloned) {
                int btfObject;
                try {
                    btfObject = planned.btfModule().map(moduleBtfs::fd).orElse(0);
                } catch (RuntimeException e) {
                    continue;    // attachClone meets it again, where it is reported
                }
                long identity = TracerIdentity.of(planned, config);
                List<String> templates = new ArrayList<>();
                exitTemplate(planned).ifPresent(templates::add);
                templates.add(entryTemplate(planned));
                templates.removeIf(template -> planned.equals(templateTracers.get(template)));
                for (String template : templates) {
                    clonesAhead.put(new CloneKey(template, planned), CompletableFuture.supplyAsync(
                            () -> loadClone(template, planned, btfObject, identity), loaders));
                }
            }
        } finally {
            loaders.shutdown();
        }
    }

    /** Waits for the clones loaded ahead that no tracer took (its other half failed) and closes them. */
    private void closeClonesNotTaken() {
        for (CompletableFuture<LoadedProgram> loading : clonesAhead.values()) {
            try {
                loading.join().close();
            } catch (CompletionException e) {
                // its failure was not needed: the tracer had failed already
            }
        }
        clonesAhead.clear();
    }

    private void attachOne(AttachPlan.Planned planned) {
        long identity = TracerIdentity.of(planned, config);
        switch (planned.mechanism()) {
            case TRACEPOINT, FENTRY -> wholeOrNothing(() -> {
                Optional<String> exit = exitTemplate(planned);
                if (exit.isPresent()) {
                    attachClone(exit.get(), planned, identity);
                }
                attachClone(entryTemplate(planned), planned, identity);
            });
            case KPROBE -> attachKprobe(object, planned, identity);
            case KPROBE_MULTI -> throw new IllegalStateException("attached in groups");
        }
    }

    private void attachKprobe(BpfObject from, AttachPlan.Planned planned, long identity) {
        wholeOrNothing(() -> {
            Optional<String> exit = exitTemplate(planned);
            if (exit.isPresent()) {
                links.add(from.program(exit.get()).attachKprobe(planned.target(), true, identity));
            }
            links.add(from.program(entryTemplate(planned)).attachKprobe(planned.target(), false, identity));
        });
    }

    /** Runs a tracer's attachments; when one fails, the ones made before it are detached (no exit without its entry). */
    private void wholeOrNothing(Runnable attachments) {
        int before = links.size();
        try {
            attachments.run();
        } catch (RuntimeException e) {
            while (links.size() > before) {
                links.removeLast().close();
            }
            throw e;
        }
    }

    private void attachClone(String template, AttachPlan.Planned planned, long identity) {
        if (planned.equals(templateTracers.get(template))) {
            links.add(object.program(template).attach());
            return;
        }
        CompletableFuture<LoadedProgram> loading = clonesAhead.remove(new CloneKey(template, planned));
        LoadedProgram clone;
        if (loading != null) {
            try {
                clone = loading.join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException cause ? cause : e;
            }
        } else {
            clone = loadClone(template, planned, planned.btfModule().map(moduleBtfs::fd).orElse(0), identity);
        }
        clones.add(clone);
        links.add(clone.attach());
    }

    private LoadedProgram loadClone(String template, AttachPlan.Planned planned, int btfObject, long identity) {
        return object.program(template).cloneFor(cloneName(planned), planned.btfId(), btfObject,
                Sizes.tracerPlaceholder(), identity);
    }

    private static String cloneName(AttachPlan.Planned planned) {
        String name = "nt_" + planned.target();
        return name.length() > 15 ? name.substring(0, 15) : name;
    }

    private void attachMulti(String template, List<AttachPlan.Planned> group, Consumer<String> verbose) {
        List<String> symbols = group.stream().map(AttachPlan.Planned::target).toList();
        long[] cookies = group.stream().mapToLong(p -> TracerIdentity.of(p, config)).toArray();
        try {
            Set<String> exits = new LinkedHashSet<>();
            group.forEach(p -> exitTemplate(p).ifPresent(exits::add));
            for (String exit : exits) {
                links.add(object.program(exit).attachKprobeMulti(symbols, cookies, true));
            }
            links.add(object.program(template).attachKprobeMulti(symbols, cookies, false));
            attached.addAll(group);
        } catch (BpfException e) {
            verbose.accept("kprobe-multi failed for " + group.size() + " tracers (" + e.getMessage()
                    + "), attaching them one by one");
            attachKprobesOneByOne(object, group, verbose);
        }
    }

    public List<AttachPlan.Planned> attached() {
        return List.copyOf(attached);
    }

    /** Per tracer id: its return value is 32-bit signed (see AttachPlan.Planned.int32Return). */
    public boolean[] int32Returns() {
        return AttachPlan.int32Returns(attached);
    }

    public List<Failure> failures() {
        return List.copyOf(failures);
    }

    public RingBuffer events() {
        return events;
    }

    /** Events the BPF side could not put in the ring buffer because it was full. */
    public long lostEvents() {
        return stats().sumPerCpu(Stats.STAT_EVENTS_LOST);
    }

    /** skbs that could not be followed because the lifecycle map was full. */
    public long livesNotFollowed() {
        return stats().sumPerCpu(Stats.STAT_LIVES_FULL);
    }

    /** Events held back by --rate-limit. */
    public long rateLimited() {
        return stats().sumPerCpu(Stats.STAT_RATE_LIMITED);
    }

    /** Hits of each tracer so far (--func-stats), indexed by tracer id. */
    public long[] hitsPerTracer(int tracers) {
        return object.map("hits").sumsPerCpu(tracers);
    }

    /** Samples so far per log2 bucket of microseconds (--rtt). */
    public long[] rttHistogram() {
        return object.map("rtt_histogram").sumsPerCpu(Sizes.RTT_BUCKETS);
    }

    /** The frames of a recorded stack, innermost first; the stack is forgotten once read. */
    public long[] stack(int stackId) {
        BpfMap stacks = object.map("stacks");
        byte[] key = BpfMap.key(stackId);
        Optional<byte[]> value = stacks.lookup(key, Sizes.STACK_DEPTH * 8);
        if (value.isEmpty()) {
            return new long[0];
        }
        stacks.delete(key);
        java.nio.ByteBuffer frames = java.nio.ByteBuffer.wrap(value.get()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int depth = 0;
        while (depth < Sizes.STACK_DEPTH && frames.getLong(depth * 8) != 0) {
            depth++;
        }
        long[] result = new long[depth];
        for (int i = 0; i < depth; i++) {
            result[i] = frames.getLong(i * 8);
        }
        return result;
    }

    private BpfMap stats() {
        return object.map("stats");
    }

    /** Detaches every program and frees the object; safe to call twice. */
    @Override
    public void close() {
        closeClonesNotTaken();
        for (BpfLink link : links) {
            link.close();
        }
        links.clear();
        for (LoadedProgram clone : clones) {
            clone.close();
        }
        clones.clear();
        if (events != null) {
            events.close();
            events = null;
        }
        moduleBtfs.close();
        kprobeObjects.forEach(BpfObject::close);
        kprobeObjects.clear();
        object.close();
    }
}
