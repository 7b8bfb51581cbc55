using System.Text.Json;
using Berth.Core.Planning;
using Berth.Linux;
using Berth.Runtime.Model;

namespace Berth.Runtime.UserNamespaces;

/// <summary>
/// Pods with their own user namespace on this node: whether the node can give them one (probed
/// once), and for the standalone door the 65536-ID block each pod gets, kept in the pod's
/// directory as the kubelet keeps it (pkg/kubelet/userns: a "userns" file in the pod dir), so
/// it survives an agent restart, is the same for every sandbox of the pod, and is free again
/// once the pod and its directory are removed.
/// </summary>
public sealed class PodUserNamespaces
{
    public const string AllocationFile = "userns.json";

    private readonly RuntimeOptions options;
    private readonly Func<IEnumerable<SandboxRecord>> sandboxes;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Lazy<Task<string?>> probe;

    /// <param name="sandboxes">Every sandbox record: a CRI sandbox's mappings (chosen by the kubelet) are taken too.</param>
    public PodUserNamespaces(RuntimeOptions options, Func<IEnumerable<SandboxRecord>> sandboxes)
    {
        this.options = options;
        this.sandboxes = sandboxes;
        Range = ResolveRange(options);
        // On the file system of the image layers and emptyDir volumes, which get idmapped.
        probe = new(() => IdmapProbe.RunAsync(Path.Combine(options.Root, "userns-probe"), CancellationToken.None));
    }

    /// <summary>The configured range: the explicit one, else the subordinate IDs of the configured user.</summary>
    /// <exception cref="FormatException">The range or the user's entries break the kubelet's rules.</exception>
    public static UserNamespaceRange ResolveRange(RuntimeOptions options) =>
        options.UsernsRange is { } explicitRange
            ? UserNamespaceRange.Parse(explicitRange)
            : UserNamespaceRange.FromSubordinateIds(options.UsernsSubidUser, ReadOrEmpty("/etc/passwd"), ReadOrEmpty("/etc/subuid"), ReadOrEmpty("/etc/subgid"));

    /// <summary>The IDs standalone pods are given blocks of.</summary>
    public UserNamespaceRange Range { get; }

    /// <summary>Null when pods can have their own user namespace here, else why not.</summary>
    public Task<string?> UnsupportedReasonAsync() => probe.Value;

    /// <summary>A pod asking for its own user namespace where there is none to give is refused:
    /// it never runs in the host's.</summary>
    public async Task EnsureSupportedAsync()
    {
        if (await UnsupportedReasonAsync() is { } reason)
        {
            throw new PreconditionException($"spec.hostUsers: false cannot be honoured on this node, the pod needs idmapped mounts: {reason}");
        }
    }

    /// <summary>Before the infra process of a sandbox with its own user namespace is created: the
    /// node must support it, and the infra's empty root must belong to the pod's root, since runc
    /// makes the mount points in it from inside the namespace.</summary>
    public async Task PrepareSandboxAsync(SandboxConfig config, string infraRootfs)
    {
        if (config.UserNamespace is not { } userns)
        {
            return;
        }

        await EnsureSupportedAsync();
        var (uid, gid) = Specs.UserNamespaceSpec.HostRoot(userns);
        FileNodes.LChown(infraRootfs, (int)uid, (int)gid);
    }

    /// <summary>The pod's user namespace: its recorded block, or a newly taken free one.</summary>
    public async Task<UserNamespace> ForPodAsync(string podDirectory, CancellationToken ct)
    {
        await EnsureSupportedAsync();
        await gate.WaitAsync(ct);
        try
        {
            var file = Path.Combine(podDirectory, AllocationFile);
            if (Read(file) is { } recorded)
            {
                return recorded;
            }

            var first = Range.PickFree(TakenBlocks(), Random.Shared)
                ?? throw new PreconditionException($"spec.hostUsers: every block of {UserNamespace.PodRangeLength} IDs in {Range.First}..{Range.First + Range.Length - 1} is taken");
            var userns = UserNamespace.OfRange(first);
            Directory.CreateDirectory(podDirectory);
            await AtomicFile.WriteAsync(file, JsonSerializer.Serialize(userns), ct);
            return userns;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>First IDs of the blocks of <see cref="Range"/> any pod directory or sandbox holds.</summary>
    private HashSet<uint> TakenBlocks()
    {
        var held = sandboxes().Select(s => s.Config.UserNamespace).OfType<UserNamespace>().ToList();
        if (Directory.Exists(options.PodsDir))
        {
            held.AddRange(Directory.EnumerateDirectories(options.PodsDir).Select(d => Read(Path.Combine(d, AllocationFile))).OfType<UserNamespace>());
        }

        var taken = new HashSet<uint>();
        foreach (var mapping in held.SelectMany(u => u.Uids.Concat(u.Gids)))
        {
            var end = (ulong)mapping.HostId + mapping.Length;
            for (ulong block = Range.First; block < Range.First + Range.Length; block += UserNamespaceRange.BlockLength)
            {
                if (block < end && mapping.HostId < block + UserNamespaceRange.BlockLength)
                {
                    taken.Add((uint)block);
                }
            }
        }

        return taken;
    }

    private static UserNamespace? Read(string file)
    {
        try
        {
            return File.Exists(file) ? JsonSerializer.Deserialize<UserNamespace>(File.ReadAllText(file)) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string ReadOrEmpty(string path) => File.Exists(path) ? File.ReadAllText(path) : "";
}
