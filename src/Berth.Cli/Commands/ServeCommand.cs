using System.CommandLine;
using Berth.Images;
using Berth.Node;
using Berth.Runtime;
using Berth.Runtime.Pods;
using Berth.Runtime.UserNamespaces;

namespace Berth.Cli.Commands;

/// <summary><c>berth serve</c>: the node agent.</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var defaults = new RuntimeOptions();
        var root = new Option<string>("--root") { Description = "Persistent state", DefaultValueFactory = _ => defaults.Root };
        var runRoot = new Option<string>("--run-root") { Description = "Volatile state (sockets, bundles, monitors)", DefaultValueFactory = _ => defaults.RunRoot };
        var cgroupRoot = new Option<string>("--cgroup-root") { Description = "Parent cgroup of kubepods", DefaultValueFactory = _ => defaults.CgroupRoot };
        var logRoot = new Option<string>("--log-root") { Description = "Root of pod log directories", DefaultValueFactory = _ => defaults.LogRoot };
        var pidsLimit = new Option<long?>("--pod-pids-limit") { Description = "pids.max of every pod cgroup (default: unlimited)" };
        var infra = new Option<string>("--infra-binary") { Description = "Static infra (pause) binary run as PID 1 of each sandbox", DefaultValueFactory = _ => defaults.InfraBinary };
        var cniConf = new Option<string>("--cni-conf-dir") { Description = "CNI network configurations; the first list in name order gives pods their network (none: loopback only)", DefaultValueFactory = _ => defaults.CniConfDir };
        var cniBin = new Option<string[]>("--cni-bin-dir") { Description = "Where CNI plugin binaries are (repeatable)", DefaultValueFactory = _ => [.. defaults.CniBinDirs] };
        var streamingAddress = new Option<string>("--streaming-address") { Description = "IP:PORT of the exec/port-forward streaming server (port 0: any free port)", DefaultValueFactory = _ => "127.0.0.1:0" };
        var lifecycle = new LifecycleOptions();
        var backoffBase = new Option<double>("--backoff-base") { Description = "CrashLoopBackOff's first delay in seconds", DefaultValueFactory = _ => lifecycle.BackoffBase.TotalSeconds };
        var backoffMax = new Option<double>("--backoff-max") { Description = "CrashLoopBackOff's longest delay in seconds", DefaultValueFactory = _ => lifecycle.BackoffMax.TotalSeconds };
        var syncInterval = new Option<double>("--sync-interval") { Description = "Seconds between two looks at every pod", DefaultValueFactory = _ => lifecycle.SyncInterval.TotalSeconds };
        var manifests = new Option<string?>("--manifests") { Description = "Directory of static pod manifests, run like the kubelet's staticPodPath" };
        var mirrors = new Option<string[]>("--registry-mirror") { Description = "HOST=URL: pull HOST's images from URL, repository path kept (repeatable), e.g. registry.k8s.io=http://127.0.0.1:5000", AllowMultipleArgumentsPerToken = false };
        var insecure = new Option<string[]>("--insecure-registry") { Description = "A registry HOST[:PORT] spoken to over plain HTTP (repeatable; loopback always is)" };
        var authFile = new Option<string?>("--auth-file") { Description = "Registry credentials in docker's auth.json format" };
        var gcHigh = new Option<int>("--image-gc-high-threshold") { Description = "Disk usage percent that starts image garbage collection", DefaultValueFactory = _ => 85 };
        var gcLow = new Option<int>("--image-gc-low-threshold") { Description = "Disk usage percent where image garbage collection stops", DefaultValueFactory = _ => 80 };
        var security = new NodeSecurityOptions();
        var config = new Option<string?>("--config") { Description = "A kubelet.config.k8s.io/v1beta1 KubeletConfiguration file (berth config show lists the fields Berth reads); flags override it" };
        var seccompDefault = new Option<bool>("--seccomp-default") { Description = "RuntimeDefault seccomp for every container that names no profile" };
        var seccompRoot = new Option<string>("--seccomp-profile-root") { Description = "Directory of Localhost seccomp profiles", DefaultValueFactory = _ => security.SeccompProfileRoot };
        var featureGates = new Option<string[]>("--feature-gates") { Description = "Name=true|false,... as the kubelet's (Berth knows MemoryQoS); over the config file's featureGates" };
        var throttlingFactor = new Option<string?>("--memory-throttling-factor") { Description = "Memory QoS: memory.high lies this far from request to limit, in (0, 1] (default 0.9)" };
        var reservationPolicy = new Option<string?>("--memory-reservation-policy") { Description = "Memory QoS: None (default) or TieredReservation (memory.min for Guaranteed, memory.low for Burstable)" };
        var unsafeSysctls = new Option<string[]>("--allowed-unsafe-sysctls") { Description = "Comma-separated namespaced sysctls (or prefixes ending in '*', e.g. net.core.*) pods may set beyond the safe set (repeatable)" };
        var command = new Command("serve", "Run the node agent: pods via runc, conmon and an infra process, an API on a unix socket")
        {
            root, runRoot, cgroupRoot, logRoot, pidsLimit, infra, cniConf, cniBin, streamingAddress, backoffBase, backoffMax, syncInterval, manifests, mirrors, insecure, authFile, gcHigh, gcLow,
            config, seccompDefault, seccompRoot, unsafeSysctls,
        };
        var usernsSubidUser = new Option<string>("--userns-subid-user") { Description = "Whose /etc/subuid and /etc/subgid entry holds the IDs of hostUsers: false pods, 65536 per pod (as the kubelet: a user that does not exist means every ID from 65536 up)", DefaultValueFactory = _ => defaults.UsernsSubidUser };
        var usernsRange = new Option<string?>("--userns-range") { Description = "FIRST:LENGTH: the IDs of hostUsers: false pods, instead of --userns-subid-user's subordinate IDs (multiples of 65536)" };
        command.Options.Add(usernsSubidUser);
        command.Options.Add(featureGates);
        command.Options.Add(throttlingFactor);
        command.Options.Add(reservationPolicy);
        command.Options.Add(usernsRange);
        var metricsAddress = new Option<string?>("--metrics-address") { Description = "IP:PORT serving /metrics/cadvisor, /metrics/resource, /stats/summary and /metrics over plain HTTP (off by default; keep it on loopback)" };
        var housekeeping = new Option<double>("--housekeeping-interval") { Description = "Seconds between two reads of every pod's stats, also the eviction manager's period", DefaultValueFactory = _ => 10 };
        command.Options.Add(metricsAddress);
        command.Options.Add(housekeeping);
        var nodeFlags = new NodeConfigFlags();
        foreach (var option in nodeFlags.Options)
        {
            command.Options.Add(option);
        }
        command.SetAction(async (parse, ct) =>
        {
            // A flag given on the command line wins over the file, as the kubelet's do.
            bool Given(Option option) => parse.GetResult(option) is { Implicit: false };
            var (node, file) = nodeFlags.Resolve(parse, parse.GetValue(config));
            var runtime = new RuntimeOptions
            {
                Root = Path.GetFullPath(parse.GetValue(root)!),
                RunRoot = Path.GetFullPath(parse.GetValue(runRoot)!),
                CgroupRoot = Given(cgroupRoot) ? parse.GetValue(cgroupRoot)! : file?.CgroupRoot ?? parse.GetValue(cgroupRoot)!,
                LogRoot = Path.GetFullPath(parse.GetValue(logRoot)!),
                PodPidsLimit = Given(pidsLimit) ? parse.GetValue(pidsLimit) : file?.PodPidsLimit,
                Node = node,
                InfraBinary = parse.GetValue(infra)!,
                CniConfDir = Path.GetFullPath(parse.GetValue(cniConf)!),
                CniBinDirs = [.. parse.GetValue(cniBin)!.Select(Path.GetFullPath)],
            };
            runtime = runtime with
            {
                UsernsSubidUser = parse.GetValue(usernsSubidUser)!,
                UsernsRange = parse.GetValue(usernsRange),
                MemoryQos = MemoryQosFlags.Resolve(parse.GetValue(config), parse.GetValue(featureGates), parse.GetValue(throttlingFactor), parse.GetValue(reservationPolicy), Console.Error),
            };
            try
            {
                _ = PodUserNamespaces.ResolveRange(runtime);
            }
            catch (FormatException e)
            {
                throw new ArgumentException($"--userns-range/--userns-subid-user: {e.Message}", e);
            }

            if (runtime.PodPidsLimit is <= 0 and not -1)
            {
                throw new ArgumentException("--pod-pids-limit must be positive (or -1 for unlimited)");
            }

            if (parse.GetValue(backoffBase) <= 0 || parse.GetValue(backoffMax) < parse.GetValue(backoffBase) || parse.GetValue(syncInterval) <= 0)
            {
                throw new ArgumentException("--backoff-base and --sync-interval must be positive and --backoff-max at least --backoff-base");
            }

            var lifecycleOptions = new LifecycleOptions
            {
                BackoffBase = TimeSpan.FromSeconds(parse.GetValue(backoffBase)),
                BackoffMax = TimeSpan.FromSeconds(parse.GetValue(backoffMax)),
                SyncInterval = TimeSpan.FromSeconds(parse.GetValue(syncInterval)),
                ManifestsDir = (parse.GetValue(manifests) ?? file?.StaticPodPath) is { } dir ? Path.GetFullPath(dir) : null,
                Security = NodeSecurityFlags.Resolve(
                    parse.GetValue(config),
                    parse.GetResult(seccompDefault) is null ? null : parse.GetValue(seccompDefault),
                    Path.GetFullPath(parse.GetValue(seccompRoot)!),
                    parse.GetResult(unsafeSysctls) is null ? null : parse.GetValue(unsafeSysctls)),
            };
            var images = new ImageStoreOptions
            {
                Mirrors = [.. (parse.GetValue(mirrors) ?? []).Select(RegistryMirror.Parse)],
                InsecureRegistries = [.. parse.GetValue(insecure) ?? []],
                AuthFile = parse.GetValue(authFile) is { } auth ? Path.GetFullPath(auth) : null,
            };
            var high = Given(gcHigh) ? parse.GetValue(gcHigh) : file?.ImageGcHighThresholdPercent ?? parse.GetValue(gcHigh);
            var low = Given(gcLow) ? parse.GetValue(gcLow) : file?.ImageGcLowThresholdPercent ?? parse.GetValue(gcLow);
            if (low is < 0 or > 100 || high is < 0 or > 100 || low > high)
            {
                throw new ArgumentException("--image-gc-low-threshold and --image-gc-high-threshold are percents with low <= high");
            }

            if (!System.Net.IPEndPoint.TryParse(parse.GetValue(streamingAddress)!, out var streamingEndpoint))
            {
                throw new ArgumentException($"--streaming-address \"{parse.GetValue(streamingAddress)}\" is not IP:PORT");
            }

            System.Net.IPEndPoint? metricsEndpoint = null;
            if (parse.GetValue(metricsAddress) is { } metrics
                && (!System.Net.IPEndPoint.TryParse(metrics, out metricsEndpoint) || metricsEndpoint.Port == 0))
            {
                throw new ArgumentException($"--metrics-address \"{metrics}\" is not IP:PORT with a port other than 0");
            }

            if (parse.GetValue(housekeeping) is not (> 0 and <= 3600))
            {
                throw new ArgumentException("--housekeeping-interval must be between 0 and 3600 seconds");
            }

            return await AgentHost.RunAsync(new AgentOptions
            {
                MetricsAddress = metricsEndpoint,
                HousekeepingInterval = TimeSpan.FromSeconds(parse.GetValue(housekeeping)),
                StreamingAddress = streamingEndpoint,
                Runtime = runtime,
                Lifecycle = lifecycleOptions,
                Images = images,
                Socket = Global.SocketPath(parse),
                ImageGcHighThresholdPercent = high,
                ImageGcLowThresholdPercent = low,
            }, ct);
        });
        return command;
    }
}
