using Berth.Core.Planning;
using Berth.Cri;
using Berth.Cri.Images;
using Berth.Cri.Runtime;
using Berth.Images;
using Berth.Linux;
using Berth.Linux.Cgroups;
using Berth.Node.Api;
using Berth.Node.Metrics;
using Berth.Node.Stats;
using Berth.Node.Transport;
using Berth.Oci;
using Berth.Runtime;
using Berth.Runtime.Pods;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Berth.Node;

/// <summary>
/// The node agent: one per runtime root (an exclusive lock on <c>&lt;root&gt;/agent.lock</c>),
/// serving the CLI API and Kubernetes' CRI (runtime.v1) over one unix socket. Stopping it
/// (SIGTERM) leaves pods running: their processes belong to their conmon monitors.
/// </summary>
public static class AgentHost
{
    public static async Task<int> RunAsync(AgentOptions options, CancellationToken ct)
    {
        Directory.CreateDirectory(options.Runtime.Root);
        using var agentLock = FileLock.TryAcquire(options.LockFile);
        if (agentLock is null)
        {
            await Console.Error.WriteLineAsync($"error: another berth agent is running on {options.Runtime.Root} (it holds {options.LockFile})");
            return 1;
        }

        foreach (var dir in new[] { options.Runtime.RunRoot, options.Runtime.RuncRoot, options.Runtime.ExitDir, options.Runtime.BundlesDir, Path.GetDirectoryName(options.Socket)! })
        {
            Directory.CreateDirectory(dir);
        }

        // Only the lock holder gets here, so a socket file left behind is stale.
        File.Delete(options.Socket);

        // cpu.weight of pod and QoS cgroups in the formula runc uses for the containers'.
        var weightFormula = CgroupMath.WeightFormulaOf(await RuncVersion.ReadAsync(ExecutablePath.Resolve(options.Runtime.RuncBinary), ct));
        var app = Build(options, weightFormula);
        var pods = app.Services.GetRequiredService<PodController>();
        var metrics = app.Services.GetRequiredService<AgentMetrics>();
        pods.Started += (_, sinceFirstSeen) => metrics.PodStarted(sinceFirstSeen);
        pods.EnsureQosCgroups();
        try
        {
            pods.EnforceNodeAllocatable();
        }
        catch (InvalidOperationException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 2;
        }
        await app.Services.GetRequiredService<LocalImageStore>().CollectGarbageAsync(ct); // what an interrupted pull or import left

        await pods.RecoverAsync(ct);
        await app.StartAsync(ct);
        File.SetUnixFileMode(options.Socket, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
        app.Logger.LogInformation("berth agent listening on {Socket} (root {Root}, cgroup root {CgroupRoot}), streaming on {Streaming}", options.Socket, options.Runtime.Root, options.Runtime.CgroupRoot, app.Services.GetRequiredService<Berth.Cri.Streaming.StreamingServer>().BaseUrl);
        await app.WaitForShutdownAsync(ct);
        pods.ReleaseNodeAllocatable(); // pods keep running; the limits Berth set do not outlive it
        return 0;
    }

    public static WebApplication Build(AgentOptions options, CpuWeightFormula weightFormula = CpuWeightFormula.Linear)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Host.UseSystemd();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.ListenUnixSocket(options.Socket, l =>
            {
                l.Protocols = HttpProtocols.Http2;
                l.Use(UnixAuthorityRewriter.Middleware);
            });

            // The streaming server: HTTP/1.1, for the SPDY upgrade of exec and port-forward.
            k.Listen(options.StreamingAddress, l => l.Protocols = HttpProtocols.Http1);

            // The kubelet's read-only stats endpoints, off unless asked for.
            if (options.MetricsAddress is { } metrics)
            {
                k.Listen(metrics, l => l.Protocols = HttpProtocols.Http1);
            }
        });

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(options.Runtime);
        builder.Services.AddSingleton<IOciRuntime>(_ => new Runc(options.Runtime.RuncRoot, ExecutablePath.Resolve(options.Runtime.RuncBinary)));
        builder.Services.AddSingleton(sp => new Conmon(sp.GetRequiredService<IOciRuntime>(), options.Runtime.ConmonBinary));
        builder.Services.AddSingleton(_ => new LocalImageStore(options.Images with { Root = options.Runtime.ImagesDir }));
        builder.Services.AddSingleton<IImageStore>(sp => new MeteredImageStore(sp.GetRequiredService<LocalImageStore>(), sp.GetRequiredService<AgentMetrics>()));
        builder.Services.AddSingleton<ICgroupDriver>(_ => CgroupDrivers.ForHost(weightFormula: weightFormula));
        builder.Services.AddSingleton(options.Lifecycle);
        builder.Services.AddSingleton(sp => RuntimeSeams.Host(sp.GetRequiredService<IOciRuntime>(), sp.GetRequiredService<Conmon>(), sp.GetRequiredService<ICgroupDriver>(), sp.GetRequiredService<IImageStore>()));
        builder.Services.AddSingleton<PodRuntime>();
        builder.Services.AddSingleton<PodController>();
        builder.Services.AddHostedService<Supervisor>();
        builder.Services.AddHostedService<ImageGarbageCollector>();
        builder.Services.AddSingleton<StaticPods>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<StatsCollector>();
        builder.Services.AddSingleton<IStatsProvider>(sp => sp.GetRequiredService<StatsCollector>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StatsCollector>());
        builder.Services.AddSingleton<AgentMetrics>();
        builder.Services.AddHostedService<StaticPodSource>();
        builder.Services.AddGrpc(o =>
        {
            o.Interceptors.Add<ErrorInterceptor>();
            o.Interceptors.Add<CriTimingInterceptor>();
        });
        builder.Services.AddCri();
        builder.Services.AddSingleton<IPodSandboxMetricsSource, Berth.Node.Metrics.CriSandboxMetrics>(); // reads IStatsProvider

        // Node-pressure eviction (docs/node-pressure.md): the conditions admission and the node read, and the manager.
        builder.Services.AddSingleton<NodePressure>();
        builder.Services.AddSingleton(sp => new NodeEvents(sp.GetRequiredService<PodController>().NodeInfo.Name));
        builder.Services.AddSingleton<Eviction.IEvictionActions, Eviction.NodeEvictionActions>();
        builder.Services.AddHostedService(sp => new Eviction.EvictionManager(sp.GetRequiredService<Stats.IStatsProvider>(), sp.GetRequiredService<Eviction.IEvictionActions>(), sp.GetRequiredService<NodePressure>(), Eviction.EvictionManager.ConfigOf(options.Runtime.Node), sp.GetRequiredService<PodController>().Allocatable.Allocatable.Memory, options.HousekeepingInterval, TimeProvider.System, sp.GetRequiredService<ILogger<Eviction.EvictionManager>>(), sp.GetRequiredService<AgentMetrics>(), sp.GetRequiredService<NodeEvents>()));

        var app = builder.Build();
        app.MapGrpcService<AgentService>();
        app.MapGrpcService<EventsService>();

        // Kubernetes' CRI on the same socket: the kubelet and crictl use unix:///run/berth/berth.sock.
        app.MapGrpcService<CriRuntimeService>();
        app.MapGrpcService<CriImageService>();
        Berth.Cri.Streaming.StreamingServer.Map(app);
        if (options.MetricsAddress is { } address)
        {
            MetricsEndpoints.Map(app, address.Port);
        }

        return app;
    }
}

/// <summary>Runs the static pod source once the agent has recovered its pods (hosted services
/// start after <see cref="PodController.RecoverAsync"/>), for as long as the agent runs.</summary>
file sealed class StaticPodSource(StaticPods staticPods) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Return to the host at once: the first reconcile may create pods, and the API should not wait for it.
        await Task.Yield();
        try
        {
            await staticPods.RunAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // the agent is stopping; static pods keep running under their monitors
        }
    }
}
